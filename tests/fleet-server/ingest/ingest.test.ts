import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Ingest } from '../../../fleet-server/src/ingest/index.ts'
import { openSqliteStore, type SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import { dataRowCounts, eventsPayload, inventory, json, memoryStore, rawSamples, samples, seedRegistry, status, telemetryPayload, topic } from '../store/fixtures.ts'

const T0 = Date.parse('2026-11-29T02:00:00Z')
const now = { value: T0 }
const dirs: string[] = []
let store: SqliteStore | undefined
afterEach(() => {
  store?.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const SITE = 'site-0-0'
const GW = 'gw-0-0-0'
const count = (s: SqliteStore, table: string) => (s.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n

describe('Ingest', () => {
  it('stores each (gateway, seq) once, also after a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-ingest-'))
    dirs.push(dir)
    const path = join(dir, 'fleet.db')
    store = openSqliteStore(path, { clock: () => now.value })
    seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
    let ingest = new Ingest({ store, clock: () => now.value })
    expect(ingest.handle(topic(SITE, GW, 'telemetry'), telemetryPayload(GW, samples(0, 100, T0)))).toMatchObject({ ok: true, records: 100, duplicates: 0 })
    expect(ingest.handle(topic(SITE, GW, 'telemetry'), telemetryPayload(GW, samples(50, 100, T0)))).toMatchObject({ ok: true, records: 50, duplicates: 50 })
    expect(ingest.handle(topic(SITE, GW, 'events'), eventsPayload(GW, [{ seq: 160, ts: T0, type: 'agent-started', version: '1.2.3', configHash: 'h' }]))).toMatchObject({ records: 1 })
    store.close()

    store = openSqliteStore(path, { clock: () => now.value })
    ingest = new Ingest({ store, clock: () => now.value })
    expect(ingest.handle(topic(SITE, GW, 'telemetry'), telemetryPayload(GW, samples(100, 60, T0)))).toMatchObject({ ok: true, records: 10, duplicates: 50 })
    expect(ingest.handle(topic(SITE, GW, 'events'), eventsPayload(GW, [{ seq: 160, ts: T0, type: 'agent-started', version: '1.2.3', configHash: 'h' }]))).toMatchObject({ records: 0, duplicates: 1 })
    expect(rawSamples(store)).toBe(160)
    expect(count(store, 'telemetry_raw')).toBe(3)
    expect(count(store, 'events')).toBe(1)
    expect(store.ingestStats()).toMatchObject({ accepted: 161, duplicates: 101, messages: 5 })
    expect(store.seqRanges(GW)).toEqual([{ first: 0, last: 160 }])
  })

  it('stores a message completely or not at all, and accepts it again after a failed write', () => {
    store = memoryStore(now)
    seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
    const ingest = new Ingest({ store, clock: () => now.value })
    store.db.exec(`CREATE TRIGGER fail_on_20 BEFORE INSERT ON telemetry_raw WHEN NEW.count = 20 BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`)
    const list = samples(0, 20, T0)
    const before = dataRowCounts(store)
    expect(() => ingest.handle(topic(SITE, GW, 'telemetry'), telemetryPayload(GW, list))).toThrow(/disk on fire/)
    expect(dataRowCounts(store)).toEqual(before)
    expect(store.seqRanges(GW)).toEqual([])
    store.db.exec('DROP TRIGGER fail_on_20')
    expect(ingest.handle(topic(SITE, GW, 'telemetry'), telemetryPayload(GW, list))).toMatchObject({ ok: true, records: 20 })
    expect(rawSamples(store)).toBe(20)
    // the failed attempt added nothing to the roll-ups either
    store.flushAggregates()
    expect((store.db.prepare('SELECT sum(count) AS n FROM rollup_1m').get() as { n: number }).n).toBe(20)
  })

  it('refuses gateways that are not registered or belong to another site', () => {
    store = memoryStore(now)
    seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 2, gatewaysPerSite: 1, devicesPerGateway: 1 })
    const ingest = new Ingest({ store, clock: () => now.value })
    expect(ingest.handle(topic(SITE, 'gw-ghost', 'telemetry'), telemetryPayload('gw-ghost', samples(0, 5, T0)))).toMatchObject({ ok: false, reason: 'unknown-gateway' })
    expect(ingest.handle(topic('site-0-1', GW, 'status'), json(status(GW, T0)))).toMatchObject({ ok: false, reason: 'unknown-gateway' })
    expect(store.ingestStats().rejected).toEqual({ 'unknown-gateway': 2 })
    expect(rawSamples(store)).toBe(0)
  })

  it('follows gateway status: retained, last will and heartbeat timeout', () => {
    store = memoryStore(now)
    seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 2, devicesPerGateway: 1 })
    const ingest = new Ingest({ store, clock: () => now.value, heartbeatTimeoutMs: 60_000 })
    const gateway = (id: string) => store!.listGateways({ role: 'admin' }).find((g) => g.id === id)!
    ingest.handle(topic(SITE, GW, 'status'), json({ ...status(GW, T0 - 5000), bufferDepth: 42, uptimeS: 100 }), true)
    expect(gateway(GW)).toMatchObject({ state: 'online', bufferDepth: 42, uptimeS: 100, agentVersion: '0.1.0', lastSeen: T0 - 5000 })
    ingest.handle(topic(SITE, GW, 'inventory'), json(inventory(GW, 2, T0)))
    expect(gateway(GW).lastSeen).toBe(T0)
    ingest.handle(topic(SITE, GW, 'status'), json(status(GW, T0 - 5000, 'offline')))
    expect(gateway(GW)).toMatchObject({ state: 'offline', lastSeen: T0 })
    ingest.handle(topic(SITE, 'gw-0-0-1', 'status'), json(status('gw-0-0-1', T0)))
    now.value = T0 + 59_000
    expect(ingest.checkHeartbeats()).toEqual([])
    now.value = T0 + 61_000
    expect(ingest.checkHeartbeats()).toEqual(['gw-0-0-1'])
    expect(gateway('gw-0-0-1').state).toBe('offline')
  })

  it('records command results and device states', () => {
    store = memoryStore(now)
    seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
    const ingest = new Ingest({ store, clock: () => now.value })
    ingest.handle(topic(SITE, GW, 'inventory'), json(inventory(GW, 2, T0)))
    store.recordCommand({ id: 'c-1', gatewayId: GW, name: 'ack-alarm', sentAt: T0, by: 'ops', args: { device: 'gas-0', channel: 'ch4' } })
    ingest.handle(topic(SITE, GW, 'cmd-result'), json({ v: 1, gw: GW, id: 'c-1', command: 'ack-alarm', ok: false, ts: T0 + 10, message: 'no such alarm' }))
    expect(store.getCommand('c-1')?.result).toEqual({ ok: false, message: 'no such alarm', at: T0 + 10 })
    ingest.handle(topic(SITE, GW, 'events'), eventsPayload(GW, [{ seq: 0, ts: T0, type: 'device-state', device: 'gas-1', from: 'online', to: 'offline' }]))
    expect(store.listDevices({ role: 'admin' }).map((d) => d.state)).toEqual(['unknown', 'offline'])
    ingest.handle(topic(SITE, GW, 'inventory'), json(inventory(GW, 1, T0)))
    expect(store.listDevices({ role: 'admin' }).map((d) => d.id)).toEqual(['gas-0'])
  })

  it('keeps a device state reported before the first inventory (the agent polls before it publishes one)', () => {
    store = memoryStore(now)
    seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
    const ingest = new Ingest({ store, clock: () => now.value })
    ingest.handle(topic(SITE, GW, 'events'), eventsPayload(GW, [{ seq: 0, ts: T0, type: 'device-state', device: 'gas-1', from: 'unknown', to: 'online' }]))
    ingest.handle(topic(SITE, GW, 'inventory'), json(inventory(GW, 2, T0)))
    const devices = store.listDevices({ role: 'admin' })
    expect(devices.find((d) => d.id === 'gas-1')).toMatchObject({ state: 'online', profile: expect.stringMatching(/.+/u) })
  })
})

describe('Ingest: group commit', () => {
  it("commits a batch of messages in the store's own group by default; their roll-ups wait until the store is asked to flush them", () => {
    store = memoryStore(now)
    seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
    const storeGroup = store.group
    let groups = 0
    store.group = (work) => {
      groups++
      return storeGroup(work)
    }
    const ingest = new Ingest({ store, clock: () => now.value })
    const telemetry = (seq0: number) => ({ topic: topic(SITE, GW, 'telemetry'), payload: telemetryPayload(GW, samples(seq0, 5, T0 + seq0 * 100)) })
    expect(ingest.handleAll([telemetry(0), telemetry(5), telemetry(10)])).toEqual([true, true, true])
    expect(groups).toBe(1)
    expect(rawSamples(store)).toBe(15)
    const rolledUp = () => (store!.db.prepare('SELECT coalesce(sum(count), 0) AS n FROM rollup_1m').get() as { n: number }).n
    expect(rolledUp()).toBe(0)
    store.flushAggregates()
    expect(rolledUp()).toBe(15)
  })

  it('stores several messages in one transaction, each all-or-nothing; a failed commit stores none of them', () => {
    store = memoryStore(now)
    seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
    const groupOf = store.group
    let commits = 0
    const ingest = new Ingest({ store, clock: () => now.value, group: (work) => groupOf(() => (commits++, work())) })
    const telemetry = (seq0: number, n: number) => ({ topic: topic(SITE, GW, 'telemetry'), payload: telemetryPayload(GW, samples(seq0, n, T0 + seq0 * 100)) })
    store.db.exec(`CREATE TRIGGER fail_on_7 BEFORE INSERT ON telemetry_raw WHEN NEW.count = 7 BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`)
    const done = ingest.handleAll([
      telemetry(0, 10), telemetry(10, 7), { topic: topic(SITE, GW, 'telemetry'), payload: Buffer.from('{') }, telemetry(17, 3), telemetry(0, 10),
    ])
    expect(commits).toBe(1)
    // the failed write alone is not done with; the reject and the resend are
    expect(done).toEqual([true, false, true, true, true])
    expect(store.ingestStats()).toMatchObject({ messages: 3, accepted: 13, duplicates: 10, rejected: { json: 1 } })
    expect(store.seqRanges(GW)).toEqual([{ first: 0, last: 9 }, { first: 17, last: 19 }])
    expect(rawSamples(store)).toBe(13)
    store.db.exec('DROP TRIGGER fail_on_7')

    // the commit itself fails: nothing of the group stays, in the tables or in memory
    const before = dataRowCounts(store)
    const failing = new Ingest({ store, clock: () => now.value, group: (work) => groupOf(() => {
      work()
      throw new Error('commit failed')
    }) })
    expect(failing.handleAll([telemetry(10, 7), telemetry(20, 5)])).toEqual([false, false])
    expect(dataRowCounts(store)).toEqual(before)
    expect(store.ingestStats()).toMatchObject({ messages: 3, accepted: 13 })
    expect(failing.handleAll([telemetry(10, 7)])).toEqual([true])
    expect(store.seqRanges(GW)).toEqual([{ first: 0, last: 19 }])
    store.flushAggregates()
    expect((store.db.prepare('SELECT sum(count) AS n FROM rollup_1h').get() as { n: number }).n).toBe(20)
  })

  it('keeps a message whose write keeps failing in the quarantine after 3 attempts, so that the messages behind it go on', () => {
    store = memoryStore(now)
    seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
    const db = store.db
    const ingest = new Ingest({ store, clock: () => now.value })
    const telemetry = (seq0: number, n: number) => ({ topic: topic(SITE, GW, 'telemetry'), payload: telemetryPayload(GW, samples(seq0, n, T0 + seq0 * 100)) })
    db.exec(`CREATE TRIGGER always_fail_7 BEFORE INSERT ON telemetry_raw WHEN NEW.count = 7 BEGIN SELECT RAISE(ABORT, 'a row this store cannot take'); END`)
    const poison = telemetry(10, 7)
    // delivered again after each failure, with what arrived behind it
    expect(ingest.handleAll([telemetry(0, 10), poison])).toEqual([true, false])
    expect(ingest.handleAll([poison, telemetry(17, 3)])).toEqual([false, true])
    expect(db.prepare('SELECT count(*) AS n FROM ingest_quarantine').get()).toEqual({ n: 0 })
    expect(ingest.handleAll([poison, telemetry(20, 5)])).toEqual([true, true])
    const kept = db.prepare('SELECT topic, payload, error, attempts FROM ingest_quarantine').all() as { topic: string; payload: Buffer; error: string; attempts: number }[]
    expect(kept).toHaveLength(1)
    expect(kept[0]).toMatchObject({ topic: poison.topic, error: 'a row this store cannot take', attempts: 3 })
    expect(Buffer.compare(kept[0]!.payload, poison.payload)).toBe(0)
    expect(store.ingestStats()).toMatchObject({ accepted: 18, rejected: { 'store-failed': 1 } })
    expect(rawSamples(store)).toBe(18)
    // its sequence numbers were never accepted: a resend the store can take now is stored
    db.exec('DROP TRIGGER always_fail_7')
    expect(ingest.handleAll([poison])).toEqual([true])
    expect(store.seqRanges(GW)).toEqual([{ first: 0, last: 24 }])
  })

  it('writes what a group changes of a gateway once, in message order: a status after telemetry decides its state', () => {
    store = memoryStore(now)
    seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
    const ingest = new Ingest({ store, clock: () => now.value })
    const telemetry = (seq0: number) => ({ topic: topic(SITE, GW, 'telemetry'), payload: telemetryPayload(GW, samples(seq0, 5, T0 + seq0 * 100)) })
    const offline = { topic: topic(SITE, GW, 'status'), payload: json(status(GW, T0, 'offline')) }
    const db = store.db
    const state = () => (db.prepare('SELECT state FROM gateways WHERE id = ?').get(GW) as { state: string }).state
    const counters = () => Object.fromEntries((db.prepare('SELECT key, count FROM ingest_stats').all() as { key: string; count: number }[]).map((r) => [r.key, r.count]))

    expect(ingest.handleAll([telemetry(0), telemetry(5), offline])).toEqual([true, true, true])
    expect(state()).toBe('offline')
    expect(ingest.handleAll([offline, telemetry(10), telemetry(10)])).toEqual([true, true, true])
    expect(state()).toBe('online')
    expect(store.seqRanges(GW)).toEqual([{ first: 0, last: 14 }])
    // the counters in the table are the ones in memory
    expect(counters()).toEqual({ messages: 6, accepted: 15, duplicates: 5 })
    expect(store.ingestStats()).toMatchObject({ messages: 6, accepted: 15, duplicates: 5 })
  })
})
