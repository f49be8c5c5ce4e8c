import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { countMinutes, hasMinute } from '../../../fleet-server/src/telemetry/device-minutes.ts'
import { migrate, type SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import type { SequencedSample } from '../../../protocols/mqtt/index.ts'
import { fileStores } from './file-stores.ts'
import { inventory, json, seedRegistry, telemetryPayload, topic } from './fixtures.ts'

// 2026-11-29 23:58 in Shanghai: the samples below straddle local midnight
const T0 = Date.parse('2026-11-29T15:58:00Z')
const GW = 'gw-0-0-0'
const SITE = 'site-0-0'
const now = { value: T0 }
const { file: fleetFile, open } = fileStores('device-minutes-', now)

/** one sample per device every 20 s for `minutes` minutes from `from`; gas-1 reports comm-fail during its 2nd minute */
function stream(seq0: number, from: number, minutes: number): SequencedSample[] {
  const list: SequencedSample[] = []
  let seq = seq0
  for (let t = from; t < from + minutes * 60_000; t += 20_000) {
    for (const device of ['gas-0', 'gas-1']) {
      const bad = device === 'gas-1' && t >= T0 + 60_000 && t < T0 + 120_000
      list.push({ seq: seq++, device, channel: 'ch4', ts: t, value: bad ? null : 0.2, quality: bad ? 'comm-fail' : 'good' })
    }
  }
  return list
}

type Row = { device: string; day: string; minutes: number; bits: Buffer }
const rows = (store: SqliteStore): Row[] => {
  store.flushAggregates()
  return store.db.prepare('SELECT device, day, minutes, bits FROM device_minutes ORDER BY device, day').all() as Row[]
}
const summary = (list: Row[]) => list.map((r) => ({ device: r.device, day: r.day, minutes: r.minutes }))

describe('device_minutes: the minutes of each local day a device reported good data in', () => {
  it('are counted per Asia/Shanghai day, bad samples not counted, and a crash replay counts nothing twice', () => {
    const path = fleetFile()
    let { store, ingest } = open(path)
    seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
    ingest.handle(topic(SITE, GW, 'inventory'), json(inventory(GW, 2, T0)))
    // 23:58 and 23:59 on the 29th, 00:00 … 00:02 on the 30th
    const first = stream(0, T0, 5)
    ingest.handle(topic(SITE, GW, 'telemetry'), telemetryPayload(GW, first.slice(0, 14)))
    ingest.handle(topic(SITE, GW, 'telemetry'), telemetryPayload(GW, first.slice(14)))
    const before = rows(store)
    expect(summary(before)).toEqual([
      { device: 'gas-0', day: '2026-11-29', minutes: 2 },
      { device: 'gas-0', day: '2026-11-30', minutes: 3 },
      { device: 'gas-1', day: '2026-11-29', minutes: 1 },
      { device: 'gas-1', day: '2026-11-30', minutes: 3 },
    ])
    const late = before.find((r) => r.device === 'gas-1' && r.day === '2026-11-29')!
    expect(hasMinute(late.bits, 1438)).toBe(true)
    expect(hasMinute(late.bits, 1439)).toBe(false)
    for (const r of before) expect(countMinutes(r.bits)).toBe(r.minutes)

    // the same minutes again (a resend with new seqs, a backlog) and one more: committed, then a crash before the flush
    ingest.handle(topic(SITE, GW, 'telemetry'), telemetryPayload(GW, stream(100, T0, 6)))
    store.close()
    ;({ store } = open(path))
    expect(summary(rows(store))).toEqual([
      { device: 'gas-0', day: '2026-11-29', minutes: 2 },
      { device: 'gas-0', day: '2026-11-30', minutes: 4 },
      { device: 'gas-1', day: '2026-11-29', minutes: 1 },
      { device: 'gas-1', day: '2026-11-30', minutes: 4 },
    ])
  })

  it('are filled from the 1-minute roll-ups of a database from before they existed', () => {
    const path = fleetFile()
    // as schema 5 left it: channels and their 1-minute roll-ups, no device_minutes
    const db = new Database(path)
    migrate(db, 5)
    db.exec(`INSERT INTO channels (id, gateway_id, device, channel) VALUES (1, '${GW}', 'gas-0', 'ch4'), (2, '${GW}', 'gas-0', 'co'), (3, '${GW}', 'gas-1', 'ch4')`)
    const rollup = db.prepare('INSERT INTO rollup_1m (channel_id, bucket, count, bad, n, vmin, vmax, sum) VALUES (?, ?, ?, ?, 0, NULL, NULL, 0)')
    const minute = (m: number) => T0 + m * 60_000
    // gas-0: minutes 0, 1 (both channels in minute 1), 2 (after local midnight); gas-1: minute 1 only bad, minute 3 good
    for (const [channel, m, count, bad] of [[1, 0, 3, 0], [1, 1, 3, 0], [2, 1, 3, 1], [1, 2, 3, 2], [3, 1, 3, 3], [3, 3, 1, 0]] as const) rollup.run(channel, minute(m), count, bad)
    db.close()

    let { store } = open(path)
    expect(summary(rows(store))).toEqual([
      { device: 'gas-0', day: '2026-11-29', minutes: 2 },
      { device: 'gas-0', day: '2026-11-30', minutes: 1 },
      { device: 'gas-1', day: '2026-11-30', minutes: 1 },
    ])
    store.close()
    // once only
    ;({ store } = open(path))
    expect((store.db.prepare('SELECT done FROM device_minutes_backfill').get() as { done: number }).done).toBe(1)
    expect(summary(rows(store))).toHaveLength(3)
  })
})
