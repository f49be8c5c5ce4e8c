import Type, { type Static } from 'typebox'
import { EnterpriseSchema, RoleSchema, SiteTypeSchema } from '../model/index.ts'
import { DeviceSchema, InterlockSchema, SCENARIOS } from '../../../edge-agent/src/index.ts'
import { SystemIdSchema } from '../compliance/catalog-schema.ts'

/**
 * seeds/demo-fleet.yaml: enterprises, sites with one simulated gateway each, and the demo users.
 * Devices and interlocks reuse the gateway config's declarations (minus `bus`), so a seed device
 * is checked exactly as an installer's config would be.
 */

const Id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', maxLength: 64, description: 'letters, digits, - _ .' })

const { bus: _bus, unit: deviceUnit, ...deviceKeys } = DeviceSchema.properties

export const DemoDeviceSchema = Type.Object({
  ...deviceKeys,
  unit: Type.Optional(deviceUnit),
  scenario: Type.Optional(Type.Enum([...SCENARIOS], { description: 'what the simulated device does (default steady)', default: 'steady' })),
  calibratedDaysAgo: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650, description: 'demo only: calibratedOn this many days before the day the demo starts, so due dates never go stale' })),
}, { additionalProperties: false, description: 'a device of the gateway config, without bus (every device sits behind one simulated Modbus TCP-to-RTU gateway)' })

export const DemoGatewaySchema = Type.Object({
  id: Id,
  name: Type.Optional(Type.String()),
  devices: Type.Array(DemoDeviceSchema, { minItems: 1 }),
  interlocks: Type.Optional(Type.Array(InterlockSchema)),
}, { additionalProperties: false })

const Day = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD (Asia/Shanghai)' })
const DaysAgo = (what: string) => Type.Integer({ minimum: 0, maximum: 36_500, description: `demo only: ${what} this many days before the day the demo starts, so the status never goes stale` })

export const DemoCommissioningSchema = Type.Object({
  system: SystemIdSchema,
  commissionedOn: Type.Optional(Day),
  daysAgo: Type.Optional(DaysAgo('commissionedOn')),
  by: Type.Optional(Type.String({ minLength: 1, description: 'who uploaded the record (default: installer)' })),
  devices: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  note: Type.Optional(Type.String()),
  accepted: Type.Optional(Type.Boolean({ description: 'only accepted records count as an installation (default true)' })),
}, { additionalProperties: false, description: 'a commissioning record (POST /api/commissioning): commissionedOn or daysAgo' })

export const DemoSiteSchema = Type.Object({
  id: Id,
  enterprise: Id,
  name: Type.String({ minLength: 1 }),
  type: SiteTypeSchema,
  jurisdiction: Type.String({ minLength: 1, description: 'township or street (镇、乡、街道)' }),
  address: Type.String({ minLength: 1 }),
  licenceNo: Type.String({ minLength: 1, description: 'safety production licence number' }),
  inTownNearHomes: Type.Optional(Type.Boolean({ description: 'petrol stations: in town with homes or crowded places nearby (binds explosion barrier and vapour recovery)' })),
  rulesFrom: Type.Optional(Day),
  rulesFromDaysAgo: Type.Optional(DaysAgo('rulesFrom')),
  commissioning: Type.Optional(Type.Array(DemoCommissioningSchema, { description: 'the systems installed so far; the compliance report reads them' })),
  gateway: DemoGatewaySchema,
}, { additionalProperties: false })

export const DemoUserSchema = Type.Object({
  name: Type.String({ pattern: '^[a-z][a-z0-9_-]*$', maxLength: 64 }),
  password: Type.String({ minLength: 8, description: 'fixed demo password, printed at start' }),
  role: RoleSchema,
  displayName: Type.Optional(Type.String()),
  jurisdiction: Type.Optional(Type.String({ minLength: 1, description: 'regulator: a township, or "*" for the whole city' })),
  enterpriseId: Type.Optional(Id),
  siteIds: Type.Optional(Type.Array(Id, { minItems: 1 })),
}, { additionalProperties: false })

export const DemoFleetSchema = Type.Object({
  enterprises: Type.Array(Type.Object({ ...EnterpriseSchema.properties, id: Id }, { additionalProperties: false }), { minItems: 1 }),
  sites: Type.Array(DemoSiteSchema, { minItems: 1 }),
  users: Type.Array(DemoUserSchema, { minItems: 1 }),
}, { additionalProperties: false })

export type DemoSite = Static<typeof DemoSiteSchema>
export type DemoUser = Static<typeof DemoUserSchema>
export type DemoFleet = Static<typeof DemoFleetSchema>
