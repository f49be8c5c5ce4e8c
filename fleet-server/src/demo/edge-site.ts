import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { Profile } from '../../../hardware-profiles/index.ts'
import { InvalidInputError } from '../../../protocols/validation/index.ts'
import { Agent, parseConfig, signingKeyPath, startSimulator, Uplink, type Credentials, type Simulator, type UplinkFactory } from '../../../edge-agent/src/index.ts'
import type { DemoSite } from './fleet-schema.ts'
import { gatewayConfigText, unitsOf } from './gateway-config.ts'

export interface DemoSiteOptions {
  profiles: ReadonlyMap<string, Profile>
  /** the gateway's folder: its config (for reading, never secrets) and outbox */
  dir: string
  /** the fleet server's broker and this gateway's login; absent: no uplink */
  mqtt?: { url: string; credentials: Credentials }
  /** one leak cycle of the `leak` scenario */
  leakPeriodMs: number
  /** T90 of the `gas-test` devices (default the simulator's) */
  gasT90Ms?: number
  /** the gateway's Ed25519 private key (PEM) its commissioning runs are signed with, written 0600 where the agent reads it */
  signingKeyPem?: string
  logger: Logger
}

export interface RunningDemoSite {
  site: DemoSite
  agent: Agent
  simulator: Simulator
  configFile: string
  stop(): Promise<void>
}

/** The uplink of `edge-agent run`, with the credentials handed over in memory instead of a 0600 file. */
const uplinkWith = (credentials: Credentials): UplinkFactory => async ({ config, outbox, status, logger }) => {
  return new Uplink({ url: config.uplink!.url, site: config.gateway.site, gateway: config.gateway.id, outbox, status, logger, credentials })
}

/**
 * One site on this machine: its devices simulated behind one Modbus TCP endpoint on a free loopback
 * port (a TCP-to-RTU gateway), and an edge agent polling them with the config an installer would write.
 */
export async function startDemoSite(site: DemoSite, options: DemoSiteOptions): Promise<RunningDemoSite> {
  const units = unitsOf(site)
  const simulator = await startSimulator({
    tcp: { host: '127.0.0.1', port: 0 },
    units: site.gateway.devices.map((device, i) => {
      const profile = options.profiles.get(device.profile)
      if (!profile) throw new Error(`site ${site.id}: no profile ${device.profile}`) // the seed check rules this out
      return { unit: units[i]!, profile, scenario: device.scenario ?? 'steady' }
    }),
    periodMs: options.leakPeriodMs,
    warmUpMs: 0,
    ...(options.gasT90Ms !== undefined && { gas: { t90Ms: options.gasT90Ms } }),
  })
  try {
    const port = Number(simulator.endpoint.split(':').at(-1))
    mkdirSync(options.dir, { recursive: true })
    const configFile = join(options.dir, 'gateway.yaml')
    const text = gatewayConfigText(site, { simulator: { host: '127.0.0.1', port }, ...(options.mqtt && { mqttUrl: options.mqtt.url }) })
    const { config, problems } = parseConfig(configFile, text, { library: [...options.profiles.values()] })
    if (!config) throw new InvalidInputError('CONFIG_INVALID', problems)
    writeFileSync(configFile, text)
    if (options.signingKeyPem !== undefined) writeFileSync(signingKeyPath(config), options.signingKeyPem, { mode: 0o600 })
    const agent = new Agent(config, {
      logger: options.logger.child({ gateway: site.gateway.id }),
      control: false,
      ...(options.mqtt && { uplink: uplinkWith(options.mqtt.credentials) }),
    })
    await agent.start()
    return {
      site, agent, simulator, configFile,
      async stop() {
        await agent.stop()
        await simulator.close()
      },
    }
  } catch (error) {
    await simulator.close()
    throw error
  }
}
