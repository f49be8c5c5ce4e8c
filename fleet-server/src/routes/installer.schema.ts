import Type, { type Static } from 'typebox'
import { DeviceSchema, GatewaySchema, SiteSummarySchema } from '../model/index.ts'
import { Nullable } from '../model/primitives.ts'

export const InstallerSystemSchema = Type.Object({
  system: Nullable(Type.String({ description: 'regulatory system id; null: devices that name none' })),
  required: Type.Boolean({ description: 'the regulation catalog requires the system of the site' }),
  reporting: Type.Integer({ description: 'its devices that sent good data in the last 5 minutes' }),
  devices: Type.Array(DeviceSchema),
})

export const InstallerSiteSchema = Type.Object({
  site: SiteSummarySchema,
  gateways: Type.Array(GatewaySchema, { description: 'registered or enrolled, online or not' }),
  systems: Type.Array(InstallerSystemSchema, { description: 'the site\'s devices by system: the required systems first (catalog order, also those without devices), then the others, then devices without a system' }),
  missingSystems: Type.Array(Type.String(), { description: 'required systems no device reports for yet (none present, or none of them sending good data)' }),
})

export type InstallerSystem = Static<typeof InstallerSystemSchema>
export type InstallerSite = Static<typeof InstallerSiteSchema>
