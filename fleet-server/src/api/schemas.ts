import Type, { type Static } from 'typebox'
import { QUALITIES } from '../../../protocols/quality.ts'
import { ALARM_KINDS } from '../../../protocols/mqtt/index.ts'
import { SYSTEM_IDS } from '../../../hardware-profiles/schema.ts'
import { DUE_SOON_DAYS } from '../compliance/status.ts'
import { FIRST_REPORT_MONTH } from '../reports/month.ts'

/**
 * Every body the fleet server's HTTP API answers or accepts, declared once: route schemas, the
 * OpenAPI document at /docs, the store's return types and the dashboard all derive from these.
 * Times are epoch milliseconds UTC; dates are YYYY-MM-DD in Asia/Shanghai.
 */

function literals<const V extends string[]>(values: readonly [...V], description?: string) {
  return Type.Enum<V>(values, description === undefined ? {} : { description })
}

export const SITE_TYPES = ['coal-mine', 'non-coal-mine', 'tailings-pond', 'petrol-station', 'chemical-plant', 'hazmat-fleet'] as const
export type SiteType = (typeof SITE_TYPES)[number]
export const ROLES = ['admin', 'regulator', 'enterprise', 'installer'] as const
export type Role = (typeof ROLES)[number]

const Id = Type.String({ minLength: 1, maxLength: 64 })
const Ts = Type.Integer({ minimum: 0, description: 'epoch milliseconds UTC' })
const Day = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD (Asia/Shanghai)' })
const Value = Type.Union([Type.Number(), Type.Boolean(), Type.String(), Type.Null()])
const Quality = literals([...QUALITIES] as ['good', 'comm-fail', 'device-fault', 'out-of-range', 'warming-up', 'stale'])
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

export const SiteTypeSchema = literals([...SITE_TYPES], 'kind of site, as the plan binds them')
export const RoleSchema = literals([...ROLES], 'what the user may see and do')

export const EnterpriseSchema = Type.Object({
  id: Id,
  name: Type.String({ description: 'registered name (Chinese)' }),
  nameEn: Type.Optional(Type.String()),
})

export const SiteSummarySchema = Type.Object({
  id: Id,
  name: Type.String(),
  type: SiteTypeSchema,
  enterpriseId: Id,
  enterpriseName: Type.String(),
  jurisdiction: Type.String({ description: 'township or district, e.g. 涌山镇' }),
  address: Type.Optional(Type.String()),
  licenceNo: Type.Optional(Type.String({ description: 'safety production licence number' })),
  gateways: Type.Object({ total: Type.Integer(), online: Type.Integer() }),
  devices: Type.Object({ total: Type.Integer(), online: Type.Integer(), fault: Type.Integer(), offline: Type.Integer() }),
  activeAlarms: Type.Integer(),
  /** at least one unacknowledged alarm */
  unacknowledgedAlarms: Type.Integer(),
  lastSeen: Nullable(Ts),
})

export const GatewaySchema = Type.Object({
  id: Id,
  siteId: Id,
  name: Type.Optional(Type.String()),
  state: literals(['online', 'offline', 'unknown'], 'from the retained status, the last will and a heartbeat timeout'),
  agentVersion: Nullable(Type.String()),
  configHash: Nullable(Type.String()),
  bufferDepth: Nullable(Type.Integer({ description: 'records waiting in the gateway outbox' })),
  uptimeS: Nullable(Type.Number()),
  lastSeen: Nullable(Ts),
  enrolled: Type.Boolean({ description: 'has MQTT credentials' }),
})

export const ReadingSchema = Type.Object({
  channel: Type.String(),
  value: Value,
  quality: Quality,
  ts: Ts,
  unit: Type.Optional(Type.String()),
  role: Type.Optional(Type.String({ description: 'the channel\'s role in its profile (output, feedback, status, config, identity, counter); absent for a measurement' })),
})

export const DeviceSchema = Type.Object({
  gatewayId: Id,
  id: Id,
  siteId: Id,
  profile: Type.String(),
  profileVersion: Type.Optional(Type.String()),
  bus: Type.Optional(Type.String()),
  unit: Type.Optional(Type.Integer()),
  location: Type.Optional(Type.String()),
  system: Type.Optional(Type.String({ description: 'regulatory system id' })),
  vendor: Type.Optional(Type.String()),
  model: Type.Optional(Type.String()),
  firmware: Type.Optional(Type.String()),
  state: literals(['online', 'offline', 'fault', 'unknown']),
  calibratedOn: Type.Optional(Day),
  calibrationDue: Type.Optional(Day),
  calibrationState: Type.Optional(literals(['ok', 'due-soon', 'overdue'])),
  readings: Type.Array(ReadingSchema, { description: 'latest value per channel' }),
})

export const AlarmSchema = Type.Object({
  id: Type.Integer(),
  siteId: Id,
  gatewayId: Id,
  device: Type.String(),
  channel: Type.String(),
  kind: literals([...ALARM_KINDS] as string[] as ['level']),
  level: Type.String(),
  state: literals(['active', 'cleared']),
  acknowledged: Type.Boolean(),
  acknowledgedBy: Type.Optional(Type.String()),
  acknowledgedAt: Type.Optional(Ts),
  raisedAt: Ts,
  clearedAt: Type.Optional(Ts),
  value: Type.Optional(Value),
  threshold: Type.Optional(Type.Number()),
  unit: Type.Optional(Type.String()),
  interlock: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
})

export const InterlockActionSchema = Type.Object({
  gatewayId: Id,
  siteId: Id,
  seq: Type.Integer(),
  ts: Ts,
  interlock: Type.String(),
  state: Type.String({ description: 'tripped, actuated, confirmed, failed, restored, reset, bypassed, bypass-ended, suppressed' }),
  phase: Type.Optional(Type.String()),
  cause: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  by: Type.Optional(Type.String()),
  until: Type.Optional(Ts),
})

export const SiteDetailSchema = Type.Object({
  site: SiteSummarySchema,
  systems: Type.Array(Type.Object({ system: Type.String(), devices: Type.Integer(), reporting: Type.Integer() }), { description: 'regulatory systems present on the site and how many of their devices report' }),
  gateways: Type.Array(GatewaySchema),
  devices: Type.Array(DeviceSchema),
  activeAlarms: Type.Array(AlarmSchema),
  interlockActions: Type.Array(InterlockActionSchema, { description: 'latest first, at most 100' }),
})

export const SeriesPointSchema = Type.Object({
  ts: Ts,
  min: Nullable(Type.Number()),
  max: Nullable(Type.Number()),
  avg: Nullable(Type.Number()),
  count: Type.Integer(),
  bad: Type.Integer({ description: 'samples of bad quality in the bucket' }),
})

export const SeriesSchema = Type.Object({
  gatewayId: Id,
  device: Type.String(),
  channel: Type.String(),
  stepMs: Type.Integer({ description: '60000 (1-minute roll-up) or 3600000 (1-hour)' }),
  points: Type.Array(SeriesPointSchema),
})

export const CommandSchema = Type.Object({
  id: Type.String(),
  gatewayId: Id,
  name: Type.String(),
  sentAt: Ts,
  by: Type.String(),
  result: Type.Optional(Type.Object({ ok: Type.Boolean(), message: Type.Optional(Type.String()), at: Ts })),
})

export const UserSchema = Type.Object({
  name: Type.String(),
  role: RoleSchema,
  displayName: Type.Optional(Type.String()),
  jurisdiction: Type.Optional(Type.String({ description: 'regulator: the township/district it oversees ("*" the whole city)' })),
  enterpriseId: Type.Optional(Id),
  siteIds: Type.Optional(Type.Array(Id, { description: 'installer: the sites it is assigned' })),
})

export const LoginBodySchema = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false })
export const LoginReplySchema = Type.Object({ token: Type.String({ description: 'send as Authorization: Bearer TOKEN (the dashboard keeps it in a cookie)' }), user: UserSchema, expiresAt: Ts })
export const HealthSchema = Type.Object({
  ok: Type.Boolean(),
  version: Type.String(),
  uptimeS: Type.Number(),
  mqtt: Type.Object({ connected: Type.Boolean(), url: Type.String() }),
  ingest: Type.Object({ accepted: Type.Integer(), duplicates: Type.Integer(), rejected: Type.Record(Type.String(), Type.Integer()) }),
})
export const ErrorSchema = Type.Object({ error: Type.String(), message: Type.String() })

export type Enterprise = Static<typeof EnterpriseSchema>
export type SiteSummary = Static<typeof SiteSummarySchema>
export type SiteDetail = Static<typeof SiteDetailSchema>
export type Gateway = Static<typeof GatewaySchema>
export type Device = Static<typeof DeviceSchema>
export type Reading = Static<typeof ReadingSchema>
export type Alarm = Static<typeof AlarmSchema>
export type InterlockAction = Static<typeof InterlockActionSchema>
export type Series = Static<typeof SeriesSchema>
export type SeriesPoint = Static<typeof SeriesPointSchema>
export type Command = Static<typeof CommandSchema>
export type User = Static<typeof UserSchema>
export type Health = Static<typeof HealthSchema>

// Requests: path parameters, query strings and bodies the HTTP API accepts. Every query string and body
// is closed (additionalProperties: false): a field a route does not declare answers 400 naming it.
const GatewayIdParam = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', description: 'gateway id, as in its MQTT topic root' })
const Limit = Type.Integer({ minimum: 1, maximum: 1000, description: 'at most this many, latest first' })

/** What an /api route that declares no query string accepts (app.ts fills it in): none. */
export const NoQuerySchema = Type.Object({}, { additionalProperties: false })
/** What an /api POST that declares no body accepts (app.ts fills it in): none, or {}. */
export const NoBodySchema = Type.Unsafe<Record<string, never> | null>({
  type: 'object', nullable: true, properties: {}, additionalProperties: false, description: 'no body: send none, or {}',
})
export const SiteParamsSchema = Type.Object({ id: Id })
export const AlarmParamsSchema = Type.Object({ id: Type.Integer({ minimum: 1 }) })
export const CommandParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) })
export const SiteFilterQuerySchema = Type.Object({ siteId: Type.Optional(Id) }, { additionalProperties: false })
export const AlarmsQuerySchema = Type.Object({
  active: Type.Optional(Type.Boolean({ description: 'true: only active alarms' })),
  siteId: Type.Optional(Id),
  limit: Type.Optional(Limit),
}, { additionalProperties: false })
export const InterlocksQuerySchema = Type.Object({ siteId: Type.Optional(Id), limit: Type.Optional(Limit) }, { additionalProperties: false })
export const SeriesQuerySchema = Type.Object({
  gatewayId: GatewayIdParam,
  device: Type.String({ minLength: 1, maxLength: 128 }),
  channel: Type.String({ minLength: 1, maxLength: 128 }),
  from: Type.Optional(Type.Integer({ minimum: 0, description: 'epoch ms; default `to` minus 24 hours' })),
  to: Type.Optional(Type.Integer({ minimum: 0, description: 'epoch ms; default now' })),
  step: Type.Optional(literals(['1m', '1h'], 'roll-up: 1-minute (default) or 1-hour buckets')),
}, { additionalProperties: false })
export const EnrollBodySchema = Type.Object({
  token: Type.String({ minLength: 16, maxLength: 128, description: 'the one-time token from `fleet-server enroll-token`' }),
  gatewayId: GatewayIdParam,
}, { additionalProperties: false })
export const EnrollReplySchema = Type.Object({
  username: Type.String(),
  password: Type.String({ description: 'shown once; the server keeps only its scrypt hash' }),
  mqttUrl: Type.String(),
  siteId: Id,
})

export type EnrollReply = Static<typeof EnrollReplySchema>

// Compliance (issue 7): commissioning records and the status of each (site, required system).
const Bilingual = Type.Object({ zh: Type.String(), en: Type.String() })
const SystemId = Type.String({ minLength: 1, maxLength: 64, description: `regulatory system id, one of ${SYSTEM_IDS.join(', ')}` })
export const COMPLIANCE_STATES = ['compliant', 'late', 'overdue', 'due-soon', 'on-track'] as const
const COMPLIANCE_STATUS = `compliant: installed on or before the deadline (the deadline day itself included); late: installed after it; `
  + `overdue: not installed and asOf is after the deadline; due-soon: not installed, the deadline 0 to ${DUE_SOON_DAYS} days after asOf `
  + `(the deadline day itself is still due-soon); on-track: not installed, the deadline further away. Installed = the first accepted `
  + 'commissioning record of the system dated on or before asOf; a record dated later does not count yet. A duty the plan gives no period '
  + 'is due the day it applies from. verified does not change the status.'

export const CommissioningBodySchema = Type.Object({
  siteId: Id,
  system: SystemId,
  commissionedOn: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'the day the system was commissioned, YYYY-MM-DD (Asia/Shanghai), not in the future' }),
  devices: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 1000, uniqueItems: true, description: 'the devices of the system that were checked' })),
  note: Type.Optional(Type.String({ maxLength: 4000 })),
}, { additionalProperties: false })

export const CommissioningSchema = Type.Object({
  id: Type.Integer(),
  siteId: Id,
  system: SystemId,
  commissionedOn: Day,
  by: Type.String({ description: 'the user who uploaded the record' }),
  devices: Type.Array(Type.String()),
  note: Type.Optional(Type.String()),
  accepted: Type.Boolean({ description: 'only accepted records count as an installation' }),
  createdAt: Ts,
})

export const ComplianceQuerySchema = Type.Object({
  status: Type.Optional(literals([...COMPLIANCE_STATES], 'only rows of this status')),
  siteType: Type.Optional(SiteTypeSchema),
  jurisdiction: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  asOf: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'the day the status is computed for, YYYY-MM-DD; default today (Asia/Shanghai)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'at most this many rows (a page); default all of them' })),
  offset: Type.Optional(Type.Integer({ minimum: 0, description: 'skip this many rows first (default 0); the X-Total-Count header gives the rows of all pages' })),
}, { additionalProperties: false })

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
  status: literals([...COMPLIANCE_STATES], COMPLIANCE_STATUS),
  daysOverdue: Nullable(Type.Integer({ description: 'overdue: days since the deadline; late: days the installation came after it' })),
  daysLeft: Nullable(Type.Integer({ description: 'due-soon and on-track: days until the deadline' })),
  sanction: Nullable(Bilingual),
})

export const ComplianceSchema = Type.Array(ComplianceRowSchema, { description: 'one row per (site, required system), by site id then catalog order' })

const AsOf = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'the day the status is computed for, YYYY-MM-DD; default today (Asia/Shanghai)' })
const StatusCountsSchema = Type.Object(
  Object.fromEntries(COMPLIANCE_STATES.map((state) => [state, Type.Integer({ minimum: 0 })])) as Record<(typeof COMPLIANCE_STATES)[number], ReturnType<typeof Type.Integer>>,
  { description: 'how many of each status' },
)
export const ComplianceCountsSchema = Type.Object({
  systems: StatusCountsSchema,
  sites: Type.Object(StatusCountsSchema.properties, { description: 'sites counted once, by their worst row: overdue > late > due-soon > on-track > compliant' }),
}, { description: 'systems: the (site, required system) rows by status; sites: each site with a duty once, by its worst row' })
type ComplianceCounts = Static<typeof ComplianceCountsSchema>
export const ComplianceSummaryQuerySchema = Type.Object({ asOf: Type.Optional(AsOf) }, { additionalProperties: false })
export const ComplianceSummarySchema = Type.Object({
  asOf: Day,
  total: ComplianceCountsSchema,
  // a map as additionalProperties (OpenAPI 3.0 has no patternProperties)
  bySiteType: Type.Unsafe<Record<string, ComplianceCounts>>(Type.Object({}, { additionalProperties: ComplianceCountsSchema, description: 'by site type: every type, zero counts included' })),
  byJurisdiction: Type.Unsafe<Record<string, ComplianceCounts>>(Type.Object({}, {
    additionalProperties: ComplianceCountsSchema, description: 'by jurisdiction (township): those with a site with a duty in the caller\'s scope',
  })),
})

export const ComplianceSiteParamsSchema = Type.Object({ siteId: Id })
export const ComplianceEvidenceQuerySchema = Type.Object({
  asOf: Type.Optional(AsOf),
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, description: 'coverage series length: the days ending asOf (default 30)' })),
}, { additionalProperties: false })
export const ComplianceEvidenceSchema = Type.Object({
  site: Type.Object({ id: Id, name: Type.String(), type: SiteTypeSchema, jurisdiction: Type.String(), enterpriseName: Type.String() }),
  asOf: Day,
  rows: ComplianceSchema,
  commissioning: Type.Array(CommissioningSchema, { description: 'the site\'s commissioning records dated on or before asOf, accepted or not, oldest first' }),
  coverage: Type.Array(Type.Object({
    system: SystemId,
    days: Type.Array(Type.Object({
      day: Day,
      coverage: Type.Number({ minimum: 0, maximum: 1, description: 'the worst device\'s share of the day\'s 1,440 minutes with a good sample; 0 without devices' }),
    }), { description: 'oldest first, ending asOf' }),
  }), { description: 'per required system, in the order of rows' }),
})

export type CommissioningBody = Static<typeof CommissioningBodySchema>
export type Commissioning = Static<typeof CommissioningSchema>
export type ComplianceRow = Static<typeof ComplianceRowSchema>
export type ComplianceQuery = Static<typeof ComplianceQuerySchema>
export type { ComplianceCounts }
export type ComplianceSummary = Static<typeof ComplianceSummarySchema>
export type ComplianceEvidence = Static<typeof ComplianceEvidenceSchema>

// Monthly risk report (issue 7, the plan's 四(二)3): GET /api/reports/monthly, per enterprise and calendar month (Asia/Shanghai).
const MONTH_PATTERN = '^[0-9]{4}-(0[1-9]|1[0-2])$'
const Month = Type.String({ pattern: MONTH_PATTERN, description: 'a calendar month, YYYY-MM (Asia/Shanghai)' })
const ReportMonth = Type.String({
  pattern: MONTH_PATTERN, description: `a calendar month, YYYY-MM (Asia/Shanghai), from ${FIRST_REPORT_MONTH} to the current month; an earlier or a future one answers 400`,
})
const Count = Type.Integer({ minimum: 0 })

export const MonthlyReportQuerySchema = Type.Object({
  enterpriseId: Id,
  month: ReportMonth,
  lang: Type.Optional(literals(['zh', 'en'], 'the HTML page\'s language; default zh')),
  format: Type.Optional(literals(['html', 'json'], 'html (default): a printable page; json: the same data')),
}, { additionalProperties: false })

export const RiskCountsSchema = Type.Object({
  alarms: Count,
  unacknowledgedAlarms: Type.Integer({ minimum: 0, description: 'raised in the month and not acknowledged (now)' }),
  trips: Type.Integer({ minimum: 0, description: 'interlock actions with state tripped' }),
  interlockFailures: Type.Integer({ minimum: 0, description: 'interlock actions with state failed' }),
  offlineHours: Count,
  calibrationsOverdue: Count,
  complianceMissed: Type.Integer({ minimum: 0, description: 'required systems late or overdue' }),
})

export const ReportAlarmSchema = Type.Object({
  ...AlarmSchema.properties,
  durationMs: Type.Integer({ minimum: 0, description: 'raised until cleared, or until the report was generated while it is active' }),
})

export const ReportGatewaySchema = Type.Object({
  id: Id,
  name: Type.Optional(Type.String()),
  firstSampleAt: Nullable(Ts),
  hours: Type.Integer({ minimum: 0, description: 'whole hours of the period counted: from the month start (or the gateway\'s first sample ever, if later) to its end (now in the current month)' }),
  offlineHours: Type.Integer({ minimum: 0, description: 'counted hours with no sample in a 1-hour roll-up of any of the gateway\'s channels' }),
  longestGap: Nullable(Type.Object({ from: Ts, hours: Type.Integer({ minimum: 1 }) }, { description: 'the longest run of offline hours' })),
})

export const ReportCalibrationSchema = Type.Object({
  gatewayId: Id,
  device: Type.String(),
  profile: Type.String(),
  location: Type.Optional(Type.String()),
  system: Type.Optional(Type.String()),
  calibrationDue: Day,
  daysOverdue: Type.Integer({ description: 'on the day the month ends (today in the current month); 0 or less: not yet overdue' }),
  overdue: Type.Boolean(),
})

export const ReportComplianceSchema = Type.Object({
  system: SystemId,
  clause: Type.String(),
  deadline: Day,
  installedOn: Nullable(Day),
  verified: Type.Boolean(),
  coverage: Type.Number({ minimum: 0, maximum: 1 }),
  status: literals([...COMPLIANCE_STATES], COMPLIANCE_STATUS),
  daysOverdue: Nullable(Type.Integer()),
  daysLeft: Nullable(Type.Integer()),
  sanction: Nullable(Bilingual),
})

export const ReportSiteSchema = Type.Object({
  id: Id,
  name: Type.String(),
  type: SiteTypeSchema,
  jurisdiction: Type.String(),
  counts: RiskCountsSchema,
  alarmsByKind: Type.Array(Type.Object({ kind: Type.String(), count: Count }), { description: 'alarms raised in the month per kind, most first' }),
  alarmsByLevel: Type.Array(Type.Object({ level: Type.String(), count: Count }), { description: 'alarms raised in the month per level, most first' }),
  alarms: Type.Array(ReportAlarmSchema, { description: 'the unacknowledged alarms and the longest ones, by raisedAt' }),
  alarmsNotListed: Type.Integer({ minimum: 0, description: 'alarms of the month not in the list' }),
  interlockActions: Type.Array(InterlockActionSchema, { description: 'tripped and failed, by time: every failure and the first trips, at most 100 in all' }),
  interlockActionsNotListed: Type.Integer({ minimum: 0, description: 'trips of the month not in the list' }),
  gateways: Type.Array(ReportGatewaySchema),
  calibrations: Type.Array(ReportCalibrationSchema, { description: 'devices whose calibration falls due before the month ends, by due date' }),
  compliance: Type.Array(ReportComplianceSchema, { description: 'each required system as of the report\'s asOf day' }),
})

export const RISK_ITEM_KINDS = ['compliance-overdue', 'compliance-late', 'interlock-failed', 'unacknowledged-alarm', 'offline', 'calibration-overdue'] as const

export const MonthlyReportSchema = Type.Object({
  enterprise: EnterpriseSchema,
  month: Month,
  from: Type.Integer({ minimum: 0, description: 'the month\'s first day 00:00 +08:00, epoch ms' }),
  to: Type.Integer({ minimum: 0, description: 'the end of the period: the next month\'s first day 00:00 +08:00, or the generation time in the current month' }),
  current: Type.Boolean({ description: 'the month is still running: the figures run up to now' }),
  hours: Type.Integer({ minimum: 0, description: 'whole hours of the period' }),
  asOf: Day,
  generatedAt: Ts,
  totals: RiskCountsSchema,
  worst: Type.Array(Type.Object({
    kind: literals([...RISK_ITEM_KINDS]),
    siteId: Id,
    subject: Type.String({ description: 'the system, interlock, gateway or device' }),
    amount: Type.Number({ description: 'days overdue or late, hours offline, hours unacknowledged, failures' }),
  }), { description: 'the worst items, most severe first, at most 8' }),
  sites: Type.Array(ReportSiteSchema),
})

export type MonthlyReportQuery = Static<typeof MonthlyReportQuerySchema>
export type MonthlyReport = Static<typeof MonthlyReportSchema>
export type ReportSite = Static<typeof ReportSiteSchema>
export type RiskCounts = Static<typeof RiskCountsSchema>
