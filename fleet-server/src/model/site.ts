import Type, { type Static } from 'typebox'
import { AlarmSchema, InterlockActionSchema } from './alarm.ts'
import { DeviceTestsSchema } from './periodic-test.ts'
import { Day, Id, literals, Nullable, Quality, Ts, Value } from './primitives.ts'

/** The registry as the store keeps it and the API answers it: enterprises, sites, gateways, devices and their latest readings. */

export const SITE_TYPES = ['coal-mine', 'non-coal-mine', 'tailings-pond', 'petrol-station', 'chemical-plant', 'hazmat-fleet'] as const
export type SiteType = (typeof SITE_TYPES)[number]
export const SiteTypeSchema = literals([...SITE_TYPES], 'kind of site, as the plan binds them')

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
  /** active alarms not acknowledged, test alarms (raised during a declared test) left out */
  unacknowledgedAlarms: Type.Integer({ description: 'active alarms not acknowledged; alarms raised during a declared test are not counted' }),
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
  signingKeyId: Type.Optional(Type.String({ pattern: '^[0-9a-f]{16}$', description: 'the id of the Ed25519 public key registered at enrolment (first 16 hex digits of its SHA-256), which verifies the gateway\'s commissioning runs; absent: none (its runs are refused)' })),
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

export const SiteDetailSchema = Type.Object({
  site: SiteSummarySchema,
  systems: Type.Array(Type.Object({ system: Type.String(), devices: Type.Integer(), reporting: Type.Integer() }), { description: 'regulatory systems present on the site and how many of their devices report' }),
  gateways: Type.Array(GatewaySchema),
  devices: Type.Array(DeviceSchema),
  activeAlarms: Type.Array(AlarmSchema),
  interlockActions: Type.Array(InterlockActionSchema, { description: 'latest first, at most 100' }),
  periodicTests: Type.Optional(Type.Array(DeviceTestsSchema, {
    description: 'GET /api/sites/{id}: each device\'s recurring tests (calibration, bump) today, from the shared rules of protocols/commissioning/periodic.ts, '
      + 'the inventory\'s calibratedOn and the passed steps of the verified runs; devices whose kind is unknown or that owe no test are left out',
  })),
})

export type Enterprise = Static<typeof EnterpriseSchema>
export type SiteSummary = Static<typeof SiteSummarySchema>
export type SiteDetail = Static<typeof SiteDetailSchema>
export type Gateway = Static<typeof GatewaySchema>
export type Device = Static<typeof DeviceSchema>
export type Reading = Static<typeof ReadingSchema>
