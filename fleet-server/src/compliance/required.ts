import type { SiteType } from '../model/index.ts'
import type { Catalog, Rule, SystemId } from './catalog-schema.ts'
import { jurisdictionAppliesFrom } from './catalog.ts'
import { deadlineOf } from './status.ts'

/** What the catalog needs to know of a site. */
export interface SiteFacts {
  type: SiteType
  /** in town with homes or crowded public places nearby; unknown (undefined) binds no conditional rule */
  inTownNearHomes?: boolean | undefined
  /** the site's own start date (e.g. licensed later than the plan): wins when later than the jurisdiction's */
  rulesFrom?: string | undefined
}

export interface RequiredSystem {
  system: SystemId
  rule: Rule
  /** the later of the jurisdiction's date for the rule and the site's own rulesFrom */
  appliesFrom: string
  periodYears: number | null
  deadline: string
  sanction: Rule['sanction']
  /** other rules that require the same system with a later (or equal) deadline */
  alsoRequiredBy: string[]
}

/** Whether `rule` binds `site`: its type is listed and every condition holds (an unknown fact does not hold). */
function ruleBinds(rule: Rule, site: SiteFacts): boolean {
  if (!rule.siteTypes.includes(site.type)) return false
  const condition = rule.condition
  if (condition?.inTownNearHomes !== undefined && site.inTownNearHomes !== condition.inTownNearHomes) return false
  return true
}

/**
 * The systems `site` must install, one entry per system, in catalog order. When several rules
 * require the same system, the one with the earliest deadline governs (first in the catalog on a
 * tie) and the others are listed in `alsoRequiredBy`.
 */
export function requiredSystems(catalog: Catalog, site: SiteFacts, jurisdiction: string): RequiredSystem[] {
  const bySystem = new Map<SystemId, RequiredSystem>()
  for (const rule of catalog.rules) {
    if (!ruleBinds(rule, site)) continue
    const fromJurisdiction = jurisdictionAppliesFrom(catalog, rule, jurisdiction)
    const appliesFrom = site.rulesFrom !== undefined && site.rulesFrom > fromJurisdiction ? site.rulesFrom : fromJurisdiction
    const deadline = deadlineOf(appliesFrom, rule.periodYears)
    for (const system of rule.systems) {
      const entry: RequiredSystem = { system, rule, appliesFrom, periodYears: rule.periodYears, deadline, sanction: rule.sanction, alsoRequiredBy: [] }
      const existing = bySystem.get(system)
      if (!existing) {
        bySystem.set(system, entry)
      } else if (deadline < existing.deadline) {
        bySystem.set(system, { ...entry, alsoRequiredBy: [existing.rule.id, ...existing.alsoRequiredBy] })
      } else {
        existing.alsoRequiredBy.push(rule.id)
      }
    }
  }
  return [...bySystem.values()]
}

/**
 * When the duty to install `system` starts for `site`: its required system's appliesFrom; for a system
 * the catalog does not require of the site, the earliest date any rule naming it applies from in the
 * jurisdiction (undefined when no rule names it).
 */
export function dutyStartOf(catalog: Catalog, site: SiteFacts, jurisdiction: string, system: string): string | undefined {
  const required = requiredSystems(catalog, site, jurisdiction).find((r) => r.system === system)
  if (required) return required.appliesFrom
  const starts = catalog.rules.filter((rule) => (rule.systems as readonly string[]).includes(system)).map((rule) => jurisdictionAppliesFrom(catalog, rule, jurisdiction))
  return starts.length === 0 ? undefined : starts.reduce((a, b) => (a < b ? a : b))
}
