import { rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Logger } from 'pino'
import { loadLibrary } from '../../../hardware-profiles/index.ts'
import { startFleetServer } from '../server.ts'
import { localDay } from '../../../protocols/calendar/index.ts'
import { commissionInBackground, type BackgroundCommissioning } from './commission-at-start.ts'
import { demoCommissioningPlan } from './commissioning-plan.ts'
import { startDemoSite, type RunningDemoSite } from './edge-site.ts'
import type { DemoFleet } from './fleet-schema.ts'
import type { DemoOptions } from './options.ts'
import { defaultSeedFile, loadDemoFleet } from './seed.ts'
import { enrolGateways, seedStore } from './seed-store.ts'

export interface RunningDemo {
  fleet: DemoFleet
  url: string
  mqttUrl: string
  dataDir: string
  sites: RunningDemoSite[]
  /** the commissioning runs started in the background (one per site with a gas-test device) */
  commissioning: BackgroundCommissioning[]
  /** the runs first, then agents (they flush and disconnect), then simulators, then the server */
  stop(): Promise<void>
}

/** Remove what an earlier run left: the database and the gateways' folders, nothing else in the folder. */
function clearEarlierRun(dataDir: string, fleet: DemoFleet): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(join(dataDir, `fleet.sqlite${suffix}`), { force: true })
  for (const { gateway } of fleet.sites) rmSync(join(dataDir, gateway.id), { recursive: true, force: true })
}

/** T90 of the simulated gas-test sensors: short, so the run at start is over in about a minute */
const DEMO_GAS_T90_MS = 10_000

/**
 * The whole system in this process: the fleet server with its broker, and one simulated site per seed
 * site; a site with a gas-test device is commissioned in the background once its gateway is online,
 * `say` telling when the run starts and how it ended.
 */
export async function runDemo(options: DemoOptions, logger: Logger, say: (line: string) => void = (line) => logger.info(line)): Promise<RunningDemo> {
  const fleet = loadDemoFleet(options.seed ?? defaultSeedFile())
  const profiles = new Map(loadLibrary().map((profile) => [profile.id, profile]))
  const dataDir = resolve(options.dataDir)
  clearEarlierRun(dataDir, fleet)
  const server = await startFleetServer({
    host: options.host, port: options.port, mqttPort: options.mqttPort,
    dbPath: join(dataDir, 'fleet.sqlite'), logger: logger.child({ component: 'fleet-server' }),
  })
  const sites: RunningDemoSite[] = []
  const commissioning: BackgroundCommissioning[] = []
  const stop = async () => {
    await Promise.allSettled(commissioning.map((run) => run.stop()))
    await Promise.allSettled(sites.map((site) => site.stop()))
    await server.close()
  }
  try {
    await seedStore(server.store, fleet)
    const enrolments = await enrolGateways(server.store, fleet)
    const started = await Promise.allSettled(fleet.sites.map((site) => startDemoSite(site, {
      profiles, dir: join(dataDir, site.gateway.id), leakPeriodMs: options.leakPeriodS * 1000, logger, gasT90Ms: DEMO_GAS_T90_MS,
      mqtt: { url: server.mqttUrl, credentials: enrolments.get(site.gateway.id)!.credentials },
      signingKeyPem: enrolments.get(site.gateway.id)!.signingKeyPem,
    })))
    for (const outcome of started) if (outcome.status === 'fulfilled') sites.push(outcome.value)
    const failed = started.find((outcome) => outcome.status === 'rejected')
    if (failed) throw failed.reason
    const today = localDay(Date.now())
    for (const site of sites) {
      const plan = demoCommissioningPlan(site.site, today)
      if (!plan) continue
      const online = () => server.store.listGateways({ role: 'admin' }, { siteId: site.site.id }).some((g) => g.id === site.site.gateway.id && g.state === 'online')
      commissioning.push(commissionInBackground(site, {
        plan, signingKeyPem: enrolments.get(site.site.gateway.id)!.signingKeyPem, online, say, logger: logger.child({ gateway: site.site.gateway.id, component: 'commissioning' }),
      }))
    }
  } catch (error) {
    await stop()
    throw error
  }
  return { fleet, url: server.url, mqttUrl: server.mqttUrl, dataDir, sites, commissioning, stop }
}
