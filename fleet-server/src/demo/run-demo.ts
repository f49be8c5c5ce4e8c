import { rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Logger } from 'pino'
import { loadLibrary } from '../../../hardware-profiles/index.ts'
import { startFleetServer } from '../server.ts'
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
  /** agents first (they flush and disconnect), then simulators, then the server */
  stop(): Promise<void>
}

/** Remove what an earlier run left: the database and the gateways' folders, nothing else in the folder. */
function clearEarlierRun(dataDir: string, fleet: DemoFleet): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(join(dataDir, `fleet.sqlite${suffix}`), { force: true })
  for (const { gateway } of fleet.sites) rmSync(join(dataDir, gateway.id), { recursive: true, force: true })
}

/** The whole system in this process: the fleet server with its broker, and one simulated site per seed site. */
export async function runDemo(options: DemoOptions, logger: Logger): Promise<RunningDemo> {
  const fleet = loadDemoFleet(options.seed ?? defaultSeedFile())
  const profiles = new Map(loadLibrary().map((profile) => [profile.id, profile]))
  const dataDir = resolve(options.dataDir)
  clearEarlierRun(dataDir, fleet)
  const server = await startFleetServer({
    host: options.host, port: options.port, mqttPort: options.mqttPort,
    dbPath: join(dataDir, 'fleet.sqlite'), logger: logger.child({ component: 'fleet-server' }),
  })
  const sites: RunningDemoSite[] = []
  const stop = async () => {
    await Promise.allSettled(sites.map((site) => site.stop()))
    await server.close()
  }
  try {
    await seedStore(server.store, fleet)
    const credentials = await enrolGateways(server.store, fleet)
    const started = await Promise.allSettled(fleet.sites.map((site) => startDemoSite(site, {
      profiles, dir: join(dataDir, site.gateway.id), leakPeriodMs: options.leakPeriodS * 1000, logger,
      mqtt: { url: server.mqttUrl, credentials: credentials.get(site.gateway.id)! },
    })))
    for (const outcome of started) if (outcome.status === 'fulfilled') sites.push(outcome.value)
    const failed = started.find((outcome) => outcome.status === 'rejected')
    if (failed) throw failed.reason
  } catch (error) {
    await stop()
    throw error
  }
  return { fleet, url: server.url, mqttUrl: server.mqttUrl, dataDir, sites, stop }
}
