import { encodeTelemetry, type AgentEvent } from '../../protocols/mqtt/index.ts'
import { Ingest } from '../../fleet-server/src/ingest/index.ts'
import type { SqliteStore } from '../../fleet-server/src/store/sqlite/index.ts'
import type { SiteType } from '../../fleet-server/src/api/index.ts'

const TYPES: SiteType[] = ['coal-mine', 'non-coal-mine', 'tailings-pond', 'petrol-station', 'chemical-plant']
const JURISDICTIONS = ['涌山镇', '城关镇', '东湖区', '西山区']
const json = (value: unknown) => Buffer.from(JSON.stringify(value))

/**
 * A fleet of `sites` sites (10 a enterprise, 2 gateways of 10 devices each) loaded through the real
 * ingest: inventory, status, one poll of every channel, alarms on every tenth site, interlock
 * actions on every fifth. Returns the site ids.
 */
export function loadSites(store: SqliteStore, sites: number, now: number): string[] {
  const ingest = new Ingest({ store, clock: () => now })
  const ids: string[] = []
  store.db.transaction(() => {
    for (let s = 0; s < sites; s++) {
      const enterprise = `ent-${Math.floor(s / 10)}`
      if (s % 10 === 0) store.upsertEnterprise({ id: enterprise, name: `企业 ${enterprise}` })
      const site = `site-${String(s).padStart(4, '0')}`
      ids.push(site)
      store.upsertSite({ id: site, enterpriseId: enterprise, name: `场所 ${s}`, type: TYPES[s % TYPES.length]!, jurisdiction: JURISDICTIONS[s % JURISDICTIONS.length]!, licenceNo: `LIC-${s}` })
      for (let g = 0; g < 2; g++) store.upsertGateway({ id: `${site}-gw-${g}`, siteId: site })
    }
  })()
  for (const [s, site] of ids.entries()) {
    for (let g = 0; g < 2; g++) {
      const gw = `${site}-gw-${g}`
      const root = `fleet/v1/${site}/${gw}/`
      ingest.handle(`${root}inventory`, json({
        v: 1, gw, ts: now, devices: Array.from({ length: 10 }, (_, d) => ({
          device: `gas-${d}`, profile: 'ccri-gjc4-catalytic-methane', profileVersion: '1.0.0', bus: 'rs485-1', unit: d + 1, vendor: 'CCRI', model: 'GJC4',
          location: `巷道 ${d}`, system: d < 7 ? 'monitoring' : 'personnel-positioning', calibratedOn: '2026-11-20',
        })),
      }))
      ingest.handle(`${root}status`, json({ v: 1, gw, state: 'online', ts: now, agentVersion: '0.1.0', configHash: 'h', uptimeS: 60, bufferDepth: 0 }))
      const samples = Array.from({ length: 30 }, (_, i) => ({ seq: i, device: `gas-${Math.floor(i / 3)}`, channel: ['ch4', 'status', 'element_fault'][i % 3]!, ts: now - 1000, value: i % 3 === 0 ? 0.12 : 0, quality: 'good' as const }))
      ingest.handle(`${root}telemetry`, json(encodeTelemetry(gw, samples)))
      const events: AgentEvent[] = []
      let seq = 100
      if (s % 10 === 0) {
        for (let d = 0; d < 3; d++) events.push({ seq: seq++, ts: now - 60_000, type: 'alarm', state: 'raised', device: `gas-${d}`, channel: 'ch4', kind: 'level', level: 'alarm', value: 1.1, threshold: 1, unit: '%CH4' })
      }
      if (s % 5 === 0) {
        for (let i = 0; i < 20; i++) events.push({ seq: seq++, ts: now - 3_600_000 + i * 1000, type: 'interlock', interlock: 'cut-power', state: i % 2 ? 'restored' : 'tripped', phase: i % 2 ? 'restore' : 'trip' })
      }
      if (events.length > 0) ingest.handle(`${root}events`, json({ v: 1, gw, events }))
    }
  }
  return ids
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}
