import { afterEach, describe, expect, it, vi } from 'vitest'
import { Ingest } from '../../../fleet-server/src/ingest/index.ts'
import { type SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import { decodeTelemetry, type TelemetryBatch } from '../../../protocols/mqtt/index.ts'
import { fileStores } from './file-stores.ts'
import { inventory, json, memoryStore, samples, seedRegistry, telemetryPayload, topic } from './fixtures.ts'

const T0 = Date.parse('2026-11-29T02:00:00Z')
const now = { value: T0 }
const GW = 'gw-0-0-0'
const SITE = 'site-0-0'
const { file: fleetFile, open, track } = fileStores('fleet-raw-', now, { aggregateFlushMs: 1000 })

const sum = (store: SqliteStore, sql: string) => (store.db.prepare(sql).get() as { n: number | null }).n ?? 0
const hourCounts = (store: SqliteStore) => store.series({ role: 'admin' }, { gatewayId: GW, device: 'gas-0', channel: 'ch4', from: T0, to: T0 + 3_600_000, stepMs: 3_600_000 })!.points.map((p) => p.count)

describe('raw telemetry: one row per message', () => {
  it('keeps the payload as received when every sample is new, and only the new samples of a resend', () => {
    const store = track(memoryStore(now))
    seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
    const ingest = new Ingest({ store, clock: () => now.value })
    const first = telemetryPayload(GW, samples(0, 100, T0))
    ingest.handle(topic(SITE, GW, 'telemetry'), first)
    ingest.handle(topic(SITE, GW, 'telemetry'), telemetryPayload(GW, samples(90, 20, T0 + 9000)))
    const rows = store.db.prepare('SELECT gateway_id, first_seq, last_seq, count, min_ts, max_ts, body FROM telemetry_raw ORDER BY id').all() as
      { gateway_id: string; first_seq: number; last_seq: number; count: number; min_ts: number; max_ts: number; body: Buffer }[]
    expect(rows.map(({ body: _b, ...r }) => r)).toEqual([
      { gateway_id: GW, first_seq: 0, last_seq: 99, count: 100, min_ts: T0, max_ts: T0 + 9000 },
      { gateway_id: GW, first_seq: 100, last_seq: 109, count: 10, min_ts: T0 + 10_000, max_ts: T0 + 10_000 },
    ])
    expect(Buffer.compare(rows[0]!.body, first)).toBe(0)
    expect(decodeTelemetry(JSON.parse(rows[1]!.body.toString()) as TelemetryBatch)).toEqual(samples(90, 20, T0 + 9000).slice(10))
    expect(sum(store, 'SELECT count(*) AS n FROM samples')).toBe(0)
  })
})

describe('latest values and roll-ups: flushed from memory with a watermark', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('are visible to reads at once, written within a second otherwise, and replayed after a crash without double counting', () => {
    // the flush timer runs on fake time: the test moves it on by the flush interval
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const path = fleetFile()
    let { store, ingest } = open(path)
    seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
    ingest.handle(topic(SITE, GW, 'inventory'), json(inventory(GW, 10, T0)))
    ingest.handle(topic(SITE, GW, 'telemetry'), telemetryPayload(GW, samples(0, 100, T0)))
    // not yet in the tables, but a read flushes first
    expect(sum(store, 'SELECT sum(count) AS n FROM rollup_1m')).toBe(0)
    expect(hourCounts(store)).toEqual([10])
    expect(sum(store, 'SELECT raw_id AS n FROM ingest_watermark')).toBe(1)

    // the next message is flushed by the timer a second (aggregateFlushMs) later
    ingest.handle(topic(SITE, GW, 'telemetry'), telemetryPayload(GW, samples(100, 100, T0 + 10_000)))
    vi.advanceTimersByTime(999)
    expect(sum(store, 'SELECT raw_id AS n FROM ingest_watermark')).toBe(1)
    vi.advanceTimersByTime(1)
    expect(sum(store, 'SELECT raw_id AS n FROM ingest_watermark')).toBe(2)
    expect(sum(store, 'SELECT sum(count) AS n FROM rollup_1h')).toBe(200)

    // a crash: committed raw rows whose aggregates were still in memory
    ingest.handle(topic(SITE, GW, 'telemetry'), telemetryPayload(GW, samples(200, 100, T0 + 20_000)))
    ingest.handle(topic(SITE, GW, 'telemetry'), telemetryPayload(GW, samples(300, 100, T0 + 30_000)))
    expect(sum(store, 'SELECT sum(count) AS n FROM rollup_1h')).toBe(200)
    store.close()

    ;({ store, ingest } = open(path))
    expect(sum(store, 'SELECT raw_id AS n FROM ingest_watermark')).toBe(4)
    expect(sum(store, 'SELECT sum(count) AS n FROM rollup_1m')).toBe(400)
    expect(sum(store, 'SELECT sum(count) AS n FROM rollup_1h')).toBe(400)
    expect(hourCounts(store)).toEqual([40])
    const reading = store.getSite({ role: 'admin' }, SITE)!.devices.find((d) => d.id === 'gas-0')!.readings[0]
    expect(reading).toMatchObject({ channel: 'ch4', ts: T0 + 39_000 })
    store.close()

    // opened again: nothing past the watermark, nothing counted twice
    ;({ store } = open(path))
    expect(sum(store, 'SELECT sum(count) AS n FROM rollup_1h')).toBe(400)
    expect(store.ingestStats()).toMatchObject({ accepted: 400, messages: 5 })
  })

  it('last good sample times follow the flushed telemetry', () => {
    const store = track(memoryStore(now))
    seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
    const ingest = new Ingest({ store, clock: () => now.value })
    ingest.handle(topic(SITE, GW, 'inventory'), json(inventory(GW, 3, T0)))
    const list = samples(0, 9, T0, 3)
    list[8]!.quality = 'comm-fail'
    ingest.handle(topic(SITE, GW, 'telemetry'), telemetryPayload(GW, list))
    store.flushAggregates()
    const good = store.db.prepare('SELECT id, last_good_ts AS ts FROM devices ORDER BY id').all()
    expect(good).toEqual([{ id: 'gas-0', ts: T0 + 2000 }, { id: 'gas-1', ts: T0 + 2000 }, { id: 'gas-2', ts: T0 + 1000 }])
  })
})
