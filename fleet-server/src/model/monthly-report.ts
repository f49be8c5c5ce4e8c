import Type, { type Static } from 'typebox'
import { AlarmSchema, InterlockActionSchema } from './alarm.ts'
import { ComplianceStatusSchema } from './compliance.ts'
import { Bilingual, Day, Id, literals, Month, Nullable, SystemId, Ts } from './primitives.ts'
import { PeriodicTestSchema } from './periodic-test.ts'
import { EnterpriseSchema, SiteTypeSchema } from './site.ts'

/** The monthly risk report (issue 7, the plan's 四(二)3) that fleet-server/src/reports composes, per enterprise and calendar month (Asia/Shanghai). */

const Count = Type.Integer({ minimum: 0 })

export const RiskCountsSchema = Type.Object({
  alarms: Count,
  unacknowledgedAlarms: Type.Integer({ minimum: 0, description: 'raised in the month and not acknowledged (now)' }),
  trips: Type.Integer({ minimum: 0, description: 'interlock actions with state tripped' }),
  interlockFailures: Type.Integer({ minimum: 0, description: 'interlock actions with state failed' }),
  offlineHours: Count,
  calibrationsOverdue: Count,
  testsOverdue: Type.Integer({ minimum: 0, description: 'recurring tests (calibration, bump) overdue on asOf, by the shared rules of protocols/commissioning/periodic.ts' }),
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

export const ReportPeriodicTestSchema = Type.Object({
  gatewayId: Id,
  device: Type.String(),
  profile: Type.String(),
  location: Type.Optional(Type.String()),
  system: Type.Optional(Type.String()),
  test: PeriodicTestSchema.properties.test,
  dueOn: Type.Optional(Day),
  daysOverdue: Type.Optional(Type.Integer({ minimum: 1, description: 'on asOf; absent when never done (no due date)' })),
  lastOn: Type.Optional(Day),
  lastFrom: PeriodicTestSchema.properties.lastFrom,
  runId: Type.Optional(Type.String()),
  periodDays: Type.Integer({ minimum: 1 }),
  source: Type.String(),
}, { description: 'a recurring test overdue on the report\'s asOf day' })

export const ReportComplianceSchema = Type.Object({
  system: SystemId,
  clause: Type.String(),
  deadline: Day,
  installedOn: Nullable(Day),
  verified: Type.Boolean(),
  coverage: Type.Number({ minimum: 0, maximum: 1 }),
  status: ComplianceStatusSchema,
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
  periodicTests: Type.Array(ReportPeriodicTestSchema, { description: 'the recurring tests overdue on asOf (the month\'s last day, today in the current month): never done first, then most overdue' }),
})

export const RISK_ITEM_KINDS = ['compliance-overdue', 'compliance-late', 'interlock-failed', 'unacknowledged-alarm', 'offline', 'calibration-overdue', 'test-overdue'] as const

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

export type MonthlyReport = Static<typeof MonthlyReportSchema>
export type ReportSite = Static<typeof ReportSiteSchema>
export type ReportGateway = Static<typeof ReportGatewaySchema>
export type RiskCounts = Static<typeof RiskCountsSchema>
