import { stringify } from 'yaml'
import { parseConfig, type GatewayConfig, type ParsedConfig } from '../../../edge-agent/src/index.ts'
import type { DemoSite } from './fleet-schema.ts'
import { localDay } from '../../../protocols/calendar/index.ts'

/** The one bus of a demo gateway: a Modbus TCP-to-RTU gateway in front of every device of the site. */
export const DEMO_BUS_ID = 'site-gateway'

export interface GatewayConfigPlace {
  /** where the site's simulator listens */
  simulator: { host: string; port: number }
  /** the fleet server's broker; absent: the agent buffers locally only */
  mqttUrl?: string
  /** the outbox, relative to the config file */
  bufferPath?: string
  /** the day the demo starts (YYYY-MM-DD, Asia/Shanghai): calibratedDaysAgo counts back from it */
  today?: string
}

const daysBefore = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10)

/** Modbus unit of each device of the site's gateway, in list order: its own `unit`, else its position. */
export const unitsOf = (site: DemoSite): number[] => site.gateway.devices.map((device, i) => device.unit ?? i + 1)

/** The gateway config an installer would write for this demo site. */
export function gatewayConfigOf(site: DemoSite, place: GatewayConfigPlace): GatewayConfig {
  const units = unitsOf(site)
  const { gateway } = site
  return {
    gateway: { id: gateway.id, site: site.id, ...(gateway.name !== undefined && { name: gateway.name }), siteType: site.type },
    ...(place.mqttUrl !== undefined && { uplink: { url: place.mqttUrl } }),
    buffer: { path: place.bufferPath ?? 'outbox.sqlite' },
    buses: [{ id: DEMO_BUS_ID, type: 'tcp', host: place.simulator.host, port: place.simulator.port, timeoutMs: 1000 }],
    devices: gateway.devices.map(({ scenario: _scenario, unit: _unit, calibratedDaysAgo, ...device }, i) => ({
      ...device, bus: DEMO_BUS_ID, unit: units[i]!,
      ...(calibratedDaysAgo !== undefined && { calibratedOn: daysBefore(place.today ?? localDay(Date.now()), calibratedDaysAgo) }),
    })),
    ...(gateway.interlocks !== undefined && { interlocks: gateway.interlocks }),
  }
}

/** The config as YAML text, as `edge-agent check` would read it from `file`. */
export function gatewayConfigText(site: DemoSite, place: GatewayConfigPlace): string {
  const header = `# ${site.name} (${site.jurisdiction}): written by the demo (npm start) from seeds/demo-fleet.yaml; credentials stay in memory\n`
  return header + stringify(gatewayConfigOf(site, place), { lineWidth: 0 })
}

/** Build and fully check the site's gateway config (schema, profiles, alarms, interlocks). */
export const parseGatewayConfig = (file: string, site: DemoSite, place: GatewayConfigPlace): ParsedConfig =>
  parseConfig(file, gatewayConfigText(site, place))
