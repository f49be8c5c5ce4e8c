import { rmSync } from 'node:fs'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { Ingest } from '../../../fleet-server/src/ingest/index.ts'
import { MIGRATIONS, migrate, openSqliteStore, SCHEMA_VERSION, type SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import { calibrationState } from '../../../fleet-server/src/store/sqlite/profiles.ts'
import type { AlarmEvent } from '../../../protocols/mqtt/index.ts'
import { eventsPayload, inventory, json, memoryStore, rawSamples, samples, seedRegistry, status, telemetryPayload, topic } from './fixtures.ts'

const T0 = Date.parse('2026-11-29T02:00:00Z') // 10:00 in Asia/Shanghai
let store: SqliteStore
const now = { value: T0 }
afterEach(() => store?.close())

function fleet() {
  now.value = T0
  store = memoryStore(now)
  const registry = seedRegistry(store, { enterprises: 2, sitesPerEnterprise: 2, gatewaysPerSite: 1, devicesPerGateway: 3, jurisdictions: ['涌山镇', '城关镇'] })
  const ingest = new Ingest({ store, clock: () => now.value })
  for (const { id, site } of registry.gateways) {
    expect(ingest.handle(topic(site, id, 'inventory'), json(inventory(id, 3, T0)))).toMatchObject({ ok: true })
    expect(ingest.handle(topic(site, id, 'status'), json(status(id, T0)))).toMatchObject({ ok: true })
  }
  return { ingest, ...registry }
}

describe('SQLite store: schema', () => {
  it('sets WAL, incremental auto-vacuum and foreign keys on a file database', () => {
    const dir = `/tmp/fleet-store-${process.pid}-${Date.now()}.db`
    store = openSqliteStore(dir)
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(store.db.pragma('auto_vacuum', { simple: true })).toBe(2)
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1)
    expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    store.close()
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${dir}${suffix}`, { force: true })
  })

  it('migrates a database from every earlier version, keeping its rows', () => {
    for (let version = 0; version < SCHEMA_VERSION; version++) {
      const db = new Database(':memory:')
      migrate(db, version)
      expect(db.pragma('user_version', { simple: true })).toBe(version)
      if (version >= 1) db.prepare(`INSERT INTO enterprises (id, name) VALUES ('e', 'E')`).run()
      expect(migrate(db)).toBe(SCHEMA_VERSION)
      if (version >= 1) expect(db.prepare('SELECT count(*) AS n FROM enterprises').get()).toEqual({ n: 1 })
      expect(db.prepare(`SELECT count(*) AS n FROM pragma_table_info('sites') WHERE name = 'rules_from'`).get()).toEqual({ n: 1 })
      db.close()
    }
    expect(MIGRATIONS.length).toBe(SCHEMA_VERSION)
  })

  it('refuses a database newer than the code', () => {
    const db = new Database(':memory:')
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    expect(() => migrate(db)).toThrow(/newer/)
    db.close()
  })
})

describe('SQLite store: scopes', () => {
  it('shows each role only its sites', () => {
    fleet()
    expect(store.listSites({ role: 'admin' }).map((s) => s.id)).toEqual(['site-0-0', 'site-0-1', 'site-1-0', 'site-1-1'])
    expect(store.listSites({ role: 'regulator', jurisdiction: '*' })).toHaveLength(4)
    expect(store.listSites({ role: 'regulator', jurisdiction: '涌山镇' }).map((s) => s.id)).toEqual(['site-0-0', 'site-1-1'])
    expect(store.listSites({ role: 'enterprise', enterpriseId: 'ent-1' }).map((s) => s.id)).toEqual(['site-1-0', 'site-1-1'])
    expect(store.listSites({ role: 'installer', siteIds: ['site-0-1'] }).map((s) => s.id)).toEqual(['site-0-1'])
    expect(store.getSite({ role: 'enterprise', enterpriseId: 'ent-1' }, 'site-0-0')).toBeUndefined()
    expect(store.getSite({ role: 'installer', siteIds: ['site-0-1'] }, 'site-0-1')?.site.id).toBe('site-0-1')
    expect(store.listGateways({ role: 'enterprise', enterpriseId: 'ent-0' }).map((g) => g.id)).toEqual(['gw-0-0-0', 'gw-0-1-0'])
    expect(store.listDevices({ role: 'regulator', jurisdiction: '城关镇' })).toHaveLength(6)
    expect(store.listDevices({ role: 'admin' }, { siteId: 'site-1-0' }).every((d) => d.siteId === 'site-1-0')).toBe(true)
    expect(store.series({ role: 'enterprise', enterpriseId: 'ent-1' }, { gatewayId: 'gw-0-0-0', device: 'gas-0', channel: 'ch4', from: 0, to: T0, stepMs: 60_000 })).toBeUndefined()
  })

  it('summarises a site: gateways, devices, readings, systems, calibration', () => {
    const { ingest } = fleet()
    ingest.handle(topic('site-0-0', 'gw-0-0-0', 'telemetry'), telemetryPayload('gw-0-0-0', samples(0, 6, T0 - 1000, 3)))
    ingest.handle(topic('site-0-0', 'gw-0-0-0', 'events'), eventsPayload('gw-0-0-0', [{ seq: 6, ts: T0, type: 'device-state', device: 'gas-2', from: 'online', to: 'fault' }]))
    const detail = store.getSite({ role: 'admin' }, 'site-0-0')!
    expect(detail.site).toMatchObject({ gateways: { total: 1, online: 1 }, devices: { total: 3, fault: 1 }, enterpriseName: '企业0', lastSeen: T0 })
    expect(detail.systems).toEqual([{ system: 'monitoring', devices: 3, reporting: 3 }])
    const gas0 = detail.devices.find((d) => d.id === 'gas-0')!
    expect(gas0).toMatchObject({ firmware: '2.1', calibratedOn: '2026-11-20', calibrationDue: '2026-11-30', calibrationState: 'due-soon' })
    expect(gas0.readings).toEqual([{ channel: 'ch4', value: 0.25, quality: 'good', ts: T0, unit: '%CH4' }])
    expect(detail.gateways[0]).toMatchObject({ state: 'online', agentVersion: '0.1.0', configHash: 'abc123', enrolled: false })
    now.value = T0 + 5 * 60_000 + 1
    expect(store.getSite({ role: 'admin' }, 'site-0-0')!.systems).toEqual([{ system: 'monitoring', devices: 3, reporting: 0 }])
  })
})

describe('SQLite store: telemetry', () => {
  it('keeps 1-minute and 1-hour roll-ups and the latest value', () => {
    const { ingest } = fleet()
    const gw = 'gw-0-0-0'
    const list = [
      { seq: 0, device: 'gas-0', channel: 'ch4', ts: T0, value: 0.5, quality: 'good' as const },
      { seq: 1, device: 'gas-0', channel: 'ch4', ts: T0 + 30_000, value: 1.5, quality: 'good' as const },
      { seq: 2, device: 'gas-0', channel: 'ch4', ts: T0 + 59_000, value: null, quality: 'comm-fail' as const },
      { seq: 3, device: 'gas-0', channel: 'ch4', ts: T0 + 60_000, value: 2, quality: 'good' as const },
    ]
    ingest.handle(topic('site-0-0', gw, 'telemetry'), telemetryPayload(gw, list.slice(0, 2)))
    ingest.handle(topic('site-0-0', gw, 'telemetry'), telemetryPayload(gw, list.slice(2)))
    const minutes = store.series({ role: 'admin' }, { gatewayId: gw, device: 'gas-0', channel: 'ch4', from: T0, to: T0 + 120_000, stepMs: 60_000 })!
    expect(minutes.points).toEqual([
      { ts: T0, min: 0.5, max: 1.5, avg: 1, count: 3, bad: 1 },
      { ts: T0 + 60_000, min: 2, max: 2, avg: 2, count: 1, bad: 0 },
    ])
    const hours = store.series({ role: 'admin' }, { gatewayId: gw, device: 'gas-0', channel: 'ch4', from: T0, to: T0 + 3_600_000, stepMs: 3_600_000 })!
    expect(hours.points).toEqual([{ ts: T0, min: 0.5, max: 2, avg: 4 / 3, count: 4, bad: 1 }])
    expect(store.getSite({ role: 'admin' }, 'site-0-0')!.devices[0]!.readings[0]).toMatchObject({ value: 2, ts: T0 + 60_000 })
  })

  it('deletes raw samples past the retention in batches, keeping the roll-ups', () => {
    now.value = T0
    store = openSqliteStore(':memory:', { clock: () => now.value, retentionDays: 1 })
    seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
    const ingest = new Ingest({ store, clock: () => now.value })
    const day = 86_400_000
    ingest.handle(topic('site-0-0', 'gw-0-0-0', 'telemetry'), telemetryPayload('gw-0-0-0', samples(0, 1200, T0 - 2 * day)))
    ingest.handle(topic('site-0-0', 'gw-0-0-0', 'telemetry'), telemetryPayload('gw-0-0-0', samples(1200, 300, T0 - 1000)))
    let deleted = 0
    for (let batch = store.pruneSamples(T0, 100); ; batch = store.pruneSamples(T0, 100)) {
      deleted += batch.deleted
      if (batch.done) break
    }
    expect(deleted).toBe(1200)
    expect(rawSamples(store)).toBe(300)
    expect((store.db.prepare('SELECT sum(count) AS n FROM rollup_1h').get() as { n: number }).n).toBe(1500)
  })

  it('deletes 1-minute roll-ups past their retention, channel batch by channel batch, keeping hours and device minutes', () => {
    now.value = T0
    store = openSqliteStore(':memory:', { clock: () => now.value, minuteRollupRetentionDays: 2 })
    seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
    const ingest = new Ingest({ store, clock: () => now.value })
    const day = 86_400_000
    ingest.handle(topic('site-0-0', 'gw-0-0-0', 'inventory'), json(inventory('gw-0-0-0', 10, T0)))
    // 10 devices × 1 channel: 3 days ago (two minutes), and 1 day ago (one minute)
    ingest.handle(topic('site-0-0', 'gw-0-0-0', 'telemetry'), telemetryPayload('gw-0-0-0', samples(0, 20, T0 - 3 * day, 10, 60_000)))
    ingest.handle(topic('site-0-0', 'gw-0-0-0', 'telemetry'), telemetryPayload('gw-0-0-0', samples(20, 10, T0 - day)))
    const count = (sql: string) => {
      store!.flushAggregates()
      return (store!.db.prepare(sql).get() as { n: number }).n
    }
    expect(count('SELECT count(*) AS n FROM rollup_1m')).toBe(30)
    let deleted = 0
    let batches = 0
    for (let batch = store.pruneMinuteRollups(T0, 3); ; batch = store.pruneMinuteRollups(T0, 3)) {
      deleted += batch.deleted
      batches++
      if (batch.done) break
    }
    expect(deleted).toBe(20)
    expect(batches).toBe(4)
    expect(count('SELECT count(*) AS n FROM rollup_1m')).toBe(10)
    expect(count('SELECT sum(count) AS n FROM rollup_1h')).toBe(30)
    expect(count('SELECT sum(minutes) AS n FROM device_minutes')).toBe(30)
  })
})

describe('SQLite store: rows of the former samples table', () => {
  it('are pruned by the retention too', () => {
    now.value = T0
    store = openSqliteStore(':memory:', { clock: () => now.value, retentionDays: 1 })
    const day = 86_400_000
    const insert = store.db.prepare('INSERT INTO samples (channel_id, ts, value, quality) VALUES (1, ?, 0.5, 0)')
    for (let i = 0; i < 250; i++) insert.run(i < 200 ? T0 - 2 * day : T0 - 1000)
    let deleted = 0
    for (let sweep = 0; sweep < 2; sweep++) {
      for (let batch = store.pruneSamples(T0, 100); ; batch = store.pruneSamples(T0, 100)) {
        deleted += batch.deleted
        if (batch.done) break
      }
    }
    expect(deleted).toBe(200)
    expect(store.db.prepare('SELECT count(*) AS n FROM samples').get()).toEqual({ n: 50 })
  })
})

describe('SQLite store: alarms and interlocks', () => {
  const alarm = (seq: number, state: AlarmEvent['state'], extra: Partial<AlarmEvent> = {}): AlarmEvent =>
    ({ seq, ts: T0 + seq * 1000, type: 'alarm', state, device: 'gas-0', channel: 'ch4', kind: 'level', level: 'high', value: 1.2, unit: '%CH4', threshold: 1, ...extra })

  it('follows one raise through escalation, acknowledgement and clearing', () => {
    const { ingest } = fleet()
    const send = (...events: AlarmEvent[]) => ingest.handle(topic('site-0-0', 'gw-0-0-0', 'events'), eventsPayload('gw-0-0-0', events))
    const admin = { role: 'admin' } as const
    send(alarm(1, 'raised', { level: 'alarm' }))
    let [row] = store.listAlarms(admin, { active: true })
    expect(row).toMatchObject({ state: 'active', level: 'alarm', acknowledged: false, raisedAt: T0 + 1000, value: 1.2, threshold: 1 })
    expect(store.getSite(admin, 'site-0-0')!.site).toMatchObject({ activeAlarms: 1, unacknowledgedAlarms: 1 })
    send(alarm(2, 'escalated', { level: 'power-cut', from: 'alarm', value: 1.6, threshold: 1.5 }))
    // acknowledged from the dashboard: the server sent 张工's ack-alarm (an acknowledgement without one is the local operator's)
    store.recordCommand({ id: 'c-ack', gatewayId: 'gw-0-0-0', name: 'ack-alarm', sentAt: T0 + 2500, by: '张工', args: { device: 'gas-0', channel: 'ch4', kind: 'level', by: '张工' } })
    send(alarm(3, 'acknowledged', { level: 'power-cut', by: '张工' }))
    ;[row] = store.listAlarms(admin, { active: true })
    expect(row).toMatchObject({ level: 'power-cut', value: 1.6, threshold: 1.5, acknowledged: true, acknowledgedBy: '张工', acknowledgedAt: T0 + 3000 })
    expect(store.getSite(admin, 'site-0-0')!.site).toMatchObject({ activeAlarms: 1, unacknowledgedAlarms: 0 })
    send(alarm(4, 'cleared', { level: 'power-cut' }))
    expect(store.listAlarms(admin, { active: true })).toEqual([])
    expect(store.getAlarm(admin, row!.id)).toMatchObject({ state: 'cleared', clearedAt: T0 + 4000, acknowledged: true })
    send(alarm(5, 'raised'))
    expect(store.listAlarms(admin)).toHaveLength(2)
    expect(store.getAlarm({ role: 'enterprise', enterpriseId: 'ent-1' }, row!.id)).toBeUndefined()
  })

  it('a sensor fault that changed its kind is the same alarm, under its new level', () => {
    const { ingest } = fleet()
    const send = (...events: AlarmEvent[]) => ingest.handle(topic('site-0-0', 'gw-0-0-0', 'events'), eventsPayload('gw-0-0-0', events))
    const admin = { role: 'admin' } as const
    const fault = { kind: 'sensor-fault', value: null, threshold: undefined } as const
    send(alarm(1, 'raised', { ...fault, level: 'comm-fail', quality: 'comm-fail' }), alarm(2, 'acknowledged', { ...fault, level: 'comm-fail', by: 'op' }))
    send(alarm(3, 'changed', { ...fault, level: 'warming-up', from: 'comm-fail', quality: 'warming-up', value: 0 }))
    const rows = store.listAlarms(admin, { active: true })
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ kind: 'sensor-fault', level: 'warming-up', raisedAt: T0 + 1000, acknowledged: true, value: 0 })
    send(alarm(4, 'cleared', { ...fault, level: 'warming-up', quality: 'good', value: 20.9 }))
    expect(store.listAlarms(admin, { active: true })).toEqual([])
    expect(store.getAlarm(admin, rows[0]!.id)).toMatchObject({ state: 'cleared', level: 'warming-up', clearedAt: T0 + 4000 })
  })

  it('records interlock actions latest first, and calibration events', () => {
    const { ingest } = fleet()
    ingest.handle(topic('site-0-0', 'gw-0-0-0', 'events'), eventsPayload('gw-0-0-0', [
      { seq: 1, ts: T0, type: 'interlock', interlock: 'cut-power', state: 'tripped', phase: 'trip', cause: 'gas-0/ch4 1.6 >= 1.5' },
      { seq: 2, ts: T0 + 100, type: 'interlock', interlock: 'cut-power', state: 'actuated', phase: 'trip' },
      { seq: 3, ts: T0 + 200, type: 'calibration', device: 'gas-1', state: 'overdue', calibratedOn: '2026-10-01', dueOn: '2026-10-11' },
    ]))
    const detail = store.getSite({ role: 'admin' }, 'site-0-0')!
    expect(detail.interlockActions.map((a) => a.state)).toEqual(['actuated', 'tripped'])
    expect(detail.interlockActions[1]).toMatchObject({ cause: 'gas-0/ch4 1.6 >= 1.5', phase: 'trip', seq: 1 })
    expect(detail.devices.find((d) => d.id === 'gas-1')).toMatchObject({ calibrationDue: '2026-10-11', calibrationState: 'overdue' })
  })
})

describe('calibration state at the edges (dates in Asia/Shanghai)', () => {
  const at = (iso: string) => Date.parse(iso)
  it.each([
    ['2026-12-10', '2026-12-07T15:59:59Z', 'ok'], // 12-07 23:59 Shanghai: 3 days before
    ['2026-12-10', '2026-12-07T16:00:00Z', 'due-soon'], // 12-08 00:00 Shanghai: 2 days before
    ['2026-12-10', '2026-12-10T15:59:59Z', 'due-soon'], // the due day itself
    ['2026-12-10', '2026-12-10T16:00:00Z', 'overdue'], // 12-11 00:00 Shanghai
  ] as const)('due %s at %s is %s', (due, time, expected) => {
    expect(calibrationState(due, at(time))).toBe(expected)
  })
})

describe('SQLite store: users, sessions, enrolment, commands', () => {
  it('stores users with their sites, sessions with expiry and one-time enrol tokens', () => {
    fleet()
    store.addUser({ name: 'li', role: 'installer', passwordHash: 'h', siteIds: ['site-0-0', 'site-1-0'], displayName: '李' })
    expect(store.findUser('li')).toEqual({ name: 'li', role: 'installer', passwordHash: 'h', siteIds: ['site-0-0', 'site-1-0'], displayName: '李' })
    store.createSession('tok', 'li', T0 + 1000)
    expect(store.findSession('tok', T0)).toMatchObject({ name: 'li', siteIds: ['site-0-0', 'site-1-0'] })
    expect(store.findSession('tok', T0 + 1000)).toBeUndefined()
    store.deleteSession('tok')
    expect(store.findSession('tok', T0)).toBeUndefined()
    store.createEnrollToken('et', 'site-0-0', T0 + 1000)
    expect(store.enrollToken('et', T0 + 2000)).toBeUndefined()
    expect(store.enrollToken('et', T0)).toEqual({ tokenHash: 'et', siteId: 'site-0-0' })
    expect(store.enrollGateway('et', { gatewayId: 'gw-new', siteId: 'site-0-0', username: 'gw-new', passwordHash: 'ph' }, T0)).toEqual({ enrolled: true, replaced: false })
    expect(store.enrollToken('et', T0)).toBeUndefined()
    expect(store.gatewayCredentials('gw-new')).toEqual({ gatewayId: 'gw-new', siteId: 'site-0-0', username: 'gw-new', passwordHash: 'ph' })
    expect(store.listGateways({ role: 'admin' }, { siteId: 'site-0-0' }).find((g) => g.id === 'gw-new')?.enrolled).toBe(true)
    store.recordCommand({ id: 'c1', gatewayId: 'gw-0-0-0', name: 'safety-status', sentAt: T0, by: 'li', args: {} })
    expect(store.getCommand('c1')).toEqual({ id: 'c1', gatewayId: 'gw-0-0-0', name: 'safety-status', sentAt: T0, by: 'li' })
    store.recordCommandResult('gw-0-0-0', 'c1', { ok: true, message: 'done', at: T0 + 5 })
    expect(store.getCommand('c1')?.result).toEqual({ ok: true, message: 'done', at: T0 + 5 })
  })
})
