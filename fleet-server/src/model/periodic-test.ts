import Type, { type Static } from 'typebox'
import { PERIODIC_TESTS } from '../../../protocols/commissioning/index.ts'
import { SITE_TYPES, type SiteType } from '../../../protocols/site-types.ts'
import { Day, Id, literals } from './primitives.ts'

/**
 * Where a device's recurring tests stand (issue 17): computed on the server with the shared rules of
 * protocols/commissioning/periodic.ts from the registry (profile kind, site type, the inventory's
 * calibratedOn) and the passed steps of verified test runs.
 */

export const TEST_STATES = ['ok', 'due-soon', 'overdue'] as const

export const PeriodicTestSchema = Type.Object({
  test: literals([...PERIODIC_TESTS], 'calibration (standard gas), bump (test gas triggers every alarm level) or interlock (function test)'),
  interlock: Type.Optional(Type.String({ description: 'interlock tests: the interlock' })),
  state: literals([...TEST_STATES], 'overdue after dueOn (or never done: nothing shows it was); due-soon from dueSoonDays before it through dueOn itself'),
  dueOn: Type.Optional(Day),
  daysLeft: Type.Optional(Type.Integer({ description: 'from the day asked for to dueOn; negative: days overdue' })),
  lastOn: Type.Optional(Day),
  lastFrom: Type.Optional(literals(['inventory', 'run'], 'where lastOn comes from: the gateway\'s inventory (its configured calibratedOn) or a verified test run (the later of the two)')),
  runId: Type.Optional(Type.String({ description: 'lastFrom run: the run (GET /api/gateways/{gatewayId}/commissioning-runs/{runId})' })),
  periodDays: Type.Integer({ minimum: 1 }),
  dueSoonDays: Type.Integer({ minimum: 0 }),
  source: Type.String({ description: 'where the period comes from: the rule (with its marks from domain-facts) or the profile maker\'s interval' }),
}, { additionalProperties: false })

export const DeviceTestsSchema = Type.Object({
  gatewayId: Id,
  device: Type.String(),
  profile: Type.String(),
  kind: Type.String({ description: 'the profile\'s device kind, e.g. catalytic-methane-sensor' }),
  location: Type.Optional(Type.String()),
  system: Type.Optional(Type.String()),
  tests: Type.Array(PeriodicTestSchema),
}, { additionalProperties: false })

export const SiteTestCountsSchema = Type.Object({
  siteId: Id,
  siteName: Type.String(),
  siteType: literals([...SITE_TYPES], 'kind of site'),
  jurisdiction: Type.String(),
  overdue: Type.Integer({ minimum: 0 }),
  dueSoon: Type.Integer({ minimum: 0 }),
}, { additionalProperties: false })

export const PeriodicTestsSummarySchema = Type.Object({
  sitesOverdue: Type.Integer({ minimum: 0, description: 'sites with at least one overdue test' }),
  testsOverdue: Type.Integer({ minimum: 0 }),
  sites: Type.Array(SiteTestCountsSchema, { description: 'the sites with an overdue or due-soon test, most overdue first' }),
}, { additionalProperties: false, description: 'recurring tests (calibration, bump) of the devices of the sites in scope, as of asOf' })

export type PeriodicTestStatus = Static<typeof PeriodicTestSchema>
export type DeviceTests = Static<typeof DeviceTestsSchema>
export type SiteTestCounts = Static<typeof SiteTestCountsSchema>
export type PeriodicTestsSummary = Static<typeof PeriodicTestsSummarySchema>

/** A site and its devices' recurring tests (FleetStore.periodicTests). */
export interface SiteTests {
  site: { id: string; name: string; type: SiteType; jurisdiction: string }
  /** devices owing at least one test, by gateway then id */
  devices: DeviceTests[]
}
