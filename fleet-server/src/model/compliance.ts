import Type, { type Static } from 'typebox'
import { PeriodicTestsSummarySchema } from './periodic-test.ts'
import { SiteTypeSchema } from './site.ts'
import { Bilingual, Day, Id, literals, Nullable, SystemId, Ts } from './primitives.ts'

/**
 * Compliance (issue 7): commissioning records as the store keeps them, and the report of each (site,
 * required system) that fleet-server/src/compliance computes from them and the API answers.
 */

export const COMPLIANCE_STATES = ['compliant', 'late', 'overdue', 'due-soon', 'on-track'] as const
export type ComplianceState = (typeof COMPLIANCE_STATES)[number]
/** not installed and the deadline within this many days → due-soon */
export const DUE_SOON_DAYS = 90

const COMPLIANCE_STATUS = `compliant: installed on or before the deadline (the deadline day itself included); late: installed after it; `
  + `overdue: not installed and asOf is after the deadline; due-soon: not installed, the deadline 0 to ${DUE_SOON_DAYS} days after asOf `
  + `(the deadline day itself is still due-soon); on-track: not installed, the deadline further away. Installed = the earliest date of the `
  + 'effective commissioning records of the system (recorded by the end of asOf, neither rejected nor replaced by then) dated on or '
  + 'before asOf; a record dated or recorded later does not count yet. A duty the plan gives no period '
  + 'is due the day it applies from. verified does not change the status.'
export const ComplianceStatusSchema = literals([...COMPLIANCE_STATES], COMPLIANCE_STATUS)

export const CommissioningRejectionSchema = Type.Object({
  id: Type.Integer({ description: 'the rejection\'s own id (a record of its own, append-only)' }),
  recordId: Type.Integer({ description: 'the commissioning record it cancels' }),
  by: Type.String({ description: 'the regulator who rejected it' }),
  reason: Type.String(),
  createdAt: Ts,
}, { description: 'a regulator\'s rejection of a commissioning record: the record no longer counts as an installation' })

export const CommissioningSchema = Type.Object({
  id: Type.Integer(),
  siteId: Id,
  system: SystemId,
  commissionedOn: Day,
  by: Type.String({ description: 'the user who entered the record' }),
  devices: Type.Array(Type.String()),
  note: Type.Optional(Type.String()),
  replaces: Type.Optional(Type.Integer({ description: 'the record this one corrects (which then no longer counts)' })),
  state: literals(['effective', 'rejected', 'replaced'], 'as it stood on asOf (on POST: now): effective records count as an installation; '
    + 'rejected: a regulator rejected it (or it was entered as not accepted); replaced: a later record corrects it'),
  accepted: Type.Boolean({ description: 'state is effective: only these count as an installation' }),
  rejection: Type.Optional(CommissioningRejectionSchema),
  replacedBy: Type.Optional(Type.Integer({ description: 'the record that corrects this one' })),
  corroborated: Type.Boolean({ description: 'live data corroborates it: a device of the system had good data on a day (Asia/Shanghai) no later than '
    + 'commissionedOn + 7 days (and asOf)' }),
  createdAt: Ts,
  evidence: literals(['entered', 'tested'], 'entered: posted by a user (POST /api/commissioning); tested: appended by the server when signed test runs it '
    + 'verified passed every device the site has for the system (dated the day of the run that completed the set)'),
  runIds: Type.Optional(Type.Array(Type.String(), { description: 'tested: the runs behind it (GET /api/sites/{siteId}/commissioning-runs)' })),
}, { description: 'a commissioning record: append-only, with who entered it (by) and when the server recorded it (createdAt); a report as of a day counts only records recorded by the end of that day' })

export const ComplianceRowSchema = Type.Object({
  siteId: Id,
  siteName: Type.String(),
  siteType: SiteTypeSchema,
  jurisdiction: Type.String(),
  enterpriseName: Type.String(),
  ruleId: Type.String({ description: 'the catalog rule (seeds/regulations.yaml) that governs this system for the site' }),
  clause: Type.String({ description: 'where in the plan, e.g. 四(四)1' }),
  system: SystemId,
  appliesFrom: Day,
  deadline: Day,
  installedOn: Nullable(Day),
  verified: Type.Boolean({ description: 'coverage ≥ 95 % over the 7 days ending asOf: live data shows the system working; it does not change the status' }),
  coverage: Type.Number({ minimum: 0, maximum: 1, description: 'the worst device\'s share of the minutes of the 7 days ending asOf with a good sample; 0 without devices' }),
  status: ComplianceStatusSchema,
  daysOverdue: Nullable(Type.Integer({ description: 'overdue: days since the deadline; late: days the installation came after it' })),
  daysLeft: Nullable(Type.Integer({ description: 'due-soon and on-track: days until the deadline' })),
  sanction: Nullable(Bilingual),
})

export const ComplianceSchema = Type.Array(ComplianceRowSchema, { description: 'one row per (site, required system), by site id then catalog order' })

const StatusCountsSchema = Type.Object(
  Object.fromEntries(COMPLIANCE_STATES.map((state) => [state, Type.Integer({ minimum: 0 })])) as Record<ComplianceState, ReturnType<typeof Type.Integer>>,
  { description: 'how many of each status' },
)
export const ComplianceCountsSchema = Type.Object({
  systems: StatusCountsSchema,
  sites: Type.Object(StatusCountsSchema.properties, { description: 'sites counted once, by their worst row: overdue > late > due-soon > on-track > compliant' }),
}, { description: 'systems: the (site, required system) rows by status; sites: each site with a duty once, by its worst row' })
export type ComplianceCounts = Static<typeof ComplianceCountsSchema>

export const ComplianceSummarySchema = Type.Object({
  asOf: Day,
  total: ComplianceCountsSchema,
  // a map as additionalProperties (OpenAPI 3.0 has no patternProperties)
  bySiteType: Type.Unsafe<Record<string, ComplianceCounts>>(Type.Object({}, { additionalProperties: ComplianceCountsSchema, description: 'by site type: every type, zero counts included' })),
  byJurisdiction: Type.Unsafe<Record<string, ComplianceCounts>>(Type.Object({}, {
    additionalProperties: ComplianceCountsSchema, description: 'by jurisdiction (township): those with a site with a duty in the caller\'s scope',
  })),
  periodicTests: Type.Optional(PeriodicTestsSummarySchema),
})

export const ComplianceEvidenceSchema = Type.Object({
  site: Type.Object({ id: Id, name: Type.String(), type: SiteTypeSchema, jurisdiction: Type.String(), enterpriseName: Type.String() }),
  asOf: Day,
  rows: ComplianceSchema,
  commissioning: Type.Array(CommissioningSchema, {
    description: 'the site\'s commissioning records dated on or before asOf and recorded by the end of that day, in any state, oldest first',
  }),
  coverage: Type.Array(Type.Object({
    system: SystemId,
    days: Type.Array(Type.Object({
      day: Day,
      coverage: Type.Number({ minimum: 0, maximum: 1, description: 'the worst device\'s share of the day\'s 1,440 minutes with a good sample; 0 without devices' }),
    }), { description: 'oldest first, ending asOf' }),
  }), { description: 'per required system, in the order of rows' }),
})

export type Commissioning = Static<typeof CommissioningSchema>
export type ComplianceRow = Static<typeof ComplianceRowSchema>
export type ComplianceSummary = Static<typeof ComplianceSummarySchema>
export type ComplianceEvidence = Static<typeof ComplianceEvidenceSchema>
