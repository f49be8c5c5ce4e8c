/**
 * The kinds of site the plan binds (the source plan, section 四(四)1), shared by the fleet server's
 * registry and the rules of periodic tests; a gateway may name its site's kind in its config.
 */
export const SITE_TYPES = ['coal-mine', 'non-coal-mine', 'tailings-pond', 'petrol-station', 'chemical-plant', 'hazmat-fleet'] as const
export type SiteType = (typeof SITE_TYPES)[number]
