import { describe, expect, it } from 'vitest'
import { type SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import { fileStores } from './file-stores.ts'
import { samples, seedRegistry, telemetryPayload, topic } from './fixtures.ts'

const T0 = Date.parse('2026-11-29T02:00:00Z')
const now = { value: T0 }
const SITE = 'site-0-0'
const GW = 'gw-0-0-0'
const { file: fleetFile, open } = fileStores('fleet-heads-', now, { retentionDays: 1 })

interface RawRow { id: number; head_id: number | null; body: Buffer; head: Buffer | null }
const rawRows = (store: SqliteStore) =>
  store.db.prepare('SELECT r.id, r.head_id, r.body, h.bytes AS head FROM telemetry_raw r LEFT JOIN telemetry_heads h ON h.id = r.head_id ORDER BY r.id').all() as RawRow[]
/** each raw row's message as received */
const received = (store: SqliteStore) => rawRows(store).map((r) => (r.head === null ? r.body : Buffer.concat([r.head, r.body])))
const heads = (store: SqliteStore) => (store.db.prepare('SELECT id FROM telemetry_heads ORDER BY id').all() as { id: number }[]).map((r) => r.id)
const sum = (store: SqliteStore, sql: string) => (store.db.prepare(sql).get() as { n: number | null }).n ?? 0

/** message i of a gateway of `devices` devices: 2 polls of every device, sequence numbers after message i - 1's */
const message = (i: number, devices = 3) => telemetryPayload(GW, samples(i * devices * 2, devices * 2, T0 + i * 2000, devices))

function prune(store: SqliteStore, at: number): void {
  for (let turns = 0; !store.pruneSamples(at, 2).done; turns++) if (turns > 1000) throw new Error('the sweep does not end')
}

describe('telemetry heads: a gateway\'s dictionary stored once', () => {
  it('keeps every message as received: the first whole, the next ones after their shared head; the head found again after a restart', () => {
    const path = fleetFile()
    let { store, ingest } = open(path)
    seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
    const sent: Buffer[] = []
    const send = (payload: Buffer) => {
      sent.push(payload)
      expect(ingest.handle(topic(SITE, GW, 'telemetry'), payload)).toMatchObject({ ok: true, duplicates: 0 })
    }
    for (let i = 0; i < 5; i++) send(message(i))
    const rows = rawRows(store)
    expect(rows.map((r) => r.head_id)).toEqual([null, 1, 1, 1, 1])
    expect(rows[1]!.body.includes('"ch":')).toBe(false)
    store.close()

    ;({ store, ingest } = open(path))
    for (let i = 5; i < 8; i++) send(message(i))
    // a new dictionary (a fourth device): a head of its own from its second message on
    for (let i = 8; i < 11; i++) send(message(i, 4))
    expect(rawRows(store).map((r) => r.head_id)).toEqual([null, 1, 1, 1, 1, null, 1, 1, null, 2, 2])
    expect(received(store)).toEqual(sent)
    expect(heads(store)).toEqual([1, 2])
  })

  it('replays the rows after the watermark through their heads after a crash', () => {
    const path = fleetFile()
    let { store, ingest } = open(path)
    seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
    ingest.handle(topic(SITE, GW, 'telemetry'), message(0))
    store.flushAggregates()
    for (let i = 1; i < 6; i++) ingest.handle(topic(SITE, GW, 'telemetry'), message(i))
    expect(sum(store, 'SELECT sum(count) AS n FROM rollup_1m')).toBe(6)
    // closed without the final flush, as a crash leaves it
    store.db.close()
    ;({ store } = open(path))
    expect(sum(store, 'SELECT sum(count) AS n FROM rollup_1m')).toBe(36)
    expect(sum(store, 'SELECT count(*) AS n FROM telemetry_raw WHERE head_id IS NOT NULL')).toBe(5)
  })

  it('forgets a head whose message was not stored, and writes it again with the next one', () => {
    const { store, ingest } = open(fleetFile())
    seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
    ingest.handle(topic(SITE, GW, 'telemetry'), message(0))
    store.db.exec(`CREATE TRIGGER fail_headed BEFORE INSERT ON telemetry_raw WHEN NEW.head_id IS NOT NULL BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`)
    expect(() => ingest.handle(topic(SITE, GW, 'telemetry'), message(1))).toThrow(/disk on fire/)
    expect(heads(store)).toEqual([])
    store.db.exec('DROP TRIGGER fail_headed')
    ingest.handle(topic(SITE, GW, 'telemetry'), message(1))
    ingest.handle(topic(SITE, GW, 'telemetry'), message(2))
    // (SQLite hands out the rolled-back row's id again)
    expect(rawRows(store).map((r) => r.head_id)).toEqual([null, 1, 1])
    expect(heads(store)).toEqual([1])
    expect(received(store)).toEqual([message(0), message(1), message(2)])
  })

  it('deletes with the retention the heads no raw row uses, never one a row or the gateway still uses', () => {
    const path = fleetFile()
    let { store, ingest } = open(path)
    seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
    for (let i = 0; i < 3; i++) ingest.handle(topic(SITE, GW, 'telemetry'), message(i))
    for (let i = 3; i < 6; i++) ingest.handle(topic(SITE, GW, 'telemetry'), message(i, 4))
    // nothing past the retention yet: head 1 is no longer the gateway's, but rows use it
    prune(store, T0 + 60_000)
    expect(heads(store)).toEqual([1, 2])
    now.value = T0 + 86_400_000 + 60_000
    for (let i = 6; i < 8; i++) ingest.handle(topic(SITE, GW, 'telemetry'), telemetryPayload(GW, samples(100 + i * 8, 8, now.value, 4)))
    expect(heads(store)).toEqual([1, 2])
    // the first six rows are past the retention of a day: head 1 goes, head 2 is used by the rows kept
    prune(store, now.value)
    expect(rawRows(store).map((r) => r.head_id)).toEqual([2, 2])
    expect(heads(store)).toEqual([2])

    // every row past the retention: head 2 is still the gateway's, kept while this store runs
    now.value += 2 * 86_400_000
    prune(store, now.value)
    expect(rawRows(store)).toEqual([])
    expect(heads(store)).toEqual([2])
    ingest.handle(topic(SITE, GW, 'telemetry'), telemetryPayload(GW, samples(500, 8, now.value, 4)))
    ingest.handle(topic(SITE, GW, 'telemetry'), telemetryPayload(GW, samples(508, 8, now.value + 1000, 4)))
    expect(rawRows(store).map((r) => r.head_id)).toEqual([2, 2])
    store.close()

    // after a restart nothing holds it but its rows
    ;({ store } = open(path))
    now.value += 2 * 86_400_000
    prune(store, now.value)
    expect(rawRows(store)).toEqual([])
    expect(heads(store)).toEqual([])
  })
})
