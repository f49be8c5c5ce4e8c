import { encodeTelemetry, type AgentEvent, type Inventory, type SequencedSample, type Status } from '../../../protocols/mqtt/index.ts'
import type { SiteType } from '../../../fleet-server/src/api/index.ts'
import { openSqliteStore, type SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'

export const METHANE_PROFILE = 'ccri-gjc4-catalytic-methane' // calibration every 10 days, ch4 in %CH4

export interface FleetShape {
  enterprises: number
  sitesPerEnterprise: number
  gatewaysPerSite: number
  devicesPerGateway: number
  jurisdictions?: string[]
}

export const siteId = (e: number, s: number) => `site-${e}-${s}`
export const gatewayId = (e: number, s: number, g: number) => `gw-${e}-${s}-${g}`

/** A registry of enterprises → sites → gateways (no devices: those come with an inventory). */
export function seedRegistry(store: SqliteStore, shape: FleetShape): { sites: string[]; gateways: { id: string; site: string }[] } {
  const jurisdictions = shape.jurisdictions ?? ['涌山镇', '城关镇']
  const types: SiteType[] = ['coal-mine', 'non-coal-mine', 'tailings-pond', 'petrol-station', 'chemical-plant']
  const sites: string[] = []
  const gateways: { id: string; site: string }[] = []
  store.db.transaction(() => {
    for (let e = 0; e < shape.enterprises; e++) {
      store.upsertEnterprise({ id: `ent-${e}`, name: `企业${e}`, nameEn: `Enterprise ${e}` })
      for (let s = 0; s < shape.sitesPerEnterprise; s++) {
        const id = siteId(e, s)
        sites.push(id)
        store.upsertSite({ id, enterpriseId: `ent-${e}`, name: `场所${e}-${s}`, type: types[(e + s) % types.length]!, jurisdiction: jurisdictions[(e + s) % jurisdictions.length]!, address: `地址 ${s}`, licenceNo: `LIC-${e}-${s}` })
        for (let g = 0; g < shape.gatewaysPerSite; g++) {
          const gw = gatewayId(e, s, g)
          store.upsertGateway({ id: gw, siteId: id, name: `Gateway ${g}` })
          gateways.push({ id: gw, site: id })
        }
      }
    }
  })()
  return { sites, gateways }
}

export function inventory(gateway: string, devices: number, ts: number, calibratedOn = '2026-11-20'): Inventory {
  return {
    v: 1, gw: gateway, ts,
    devices: Array.from({ length: devices }, (_, i) => ({
      device: `gas-${i}`, profile: METHANE_PROFILE, profileVersion: '1.0.0', bus: 'rs485-1', unit: i + 1, vendor: 'CCRI', model: 'GJC4',
      location: `巷道 ${i}`, system: 'monitoring', calibratedOn, identity: { revision: '2.1' },
    })),
  }
}

export function status(gateway: string, ts: number, state: 'online' | 'offline' = 'online'): Status {
  return { v: 1, gw: gateway, state, ts, agentVersion: '0.1.0', configHash: 'abc123', uptimeS: 12, bufferDepth: 0 }
}

/** `count` samples from seq `seq0`, one poll of every device's ch4 per timestamp. */
export function samples(seq0: number, count: number, ts0: number, devices = 10, stepMs = 1000): SequencedSample[] {
  return Array.from({ length: count }, (_, i) => ({
    seq: seq0 + i, device: `gas-${i % devices}`, channel: 'ch4', ts: ts0 + Math.floor(i / devices) * stepMs,
    value: Math.round((0.1 + (i % 7) * 0.05) * 100) / 100, quality: 'good' as const,
  }))
}

export const telemetryPayload = (gateway: string, list: SequencedSample[]) => Buffer.from(JSON.stringify(encodeTelemetry(gateway, list)))
export const eventsPayload = (gateway: string, events: AgentEvent[]) => Buffer.from(JSON.stringify({ v: 1, gw: gateway, events }))
export const json = (value: unknown) => Buffer.from(JSON.stringify(value))

export const topic = (site: string, gateway: string, kind: string) => `fleet/v1/${site}/${gateway}/${kind}`

export function memoryStore(now: { value: number }): SqliteStore {
  return openSqliteStore(':memory:', { clock: () => now.value })
}

/** Rows of every table the ingest writes (the counters aside), latest values and roll-ups flushed first. */
export function dataRowCounts(store: SqliteStore): Record<string, number> {
  store.flushAggregates()
  const tables = ['channels', 'latest', 'samples', 'telemetry_raw', 'rollup_1m', 'rollup_1h', 'events', 'alarms', 'interlock_actions', 'devices', 'gateway_seq', 'commands']
  return Object.fromEntries(tables.map((t) => [t, (store.db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n]))
}

/** Samples stored as raw telemetry (one row per message). */
export const rawSamples = (store: SqliteStore): number =>
  (store.db.prepare('SELECT coalesce(sum(count), 0) AS n FROM telemetry_raw').get() as { n: number }).n
