import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { MIGRATIONS, openSqliteStore, type SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import { windowEndingOn } from '../../../fleet-server/src/store/sqlite/compliance.ts'

const MIN = 60_000
const DAY = 86_400_000
/** 2026-06-01 00:00 in Shanghai */
const JUNE_1 = Date.UTC(2026, 4, 31, 16, 0, 0)

let store: SqliteStore
beforeEach(() => {
  store = openSqliteStore(':memory:', { clock: () => JUNE_1 + 12 * 3_600_000 })
  store.upsertEnterprise({ id: 'e', name: '企业' })
  store.upsertSite({ id: 's1', enterpriseId: 'e', name: '一号', type: 'coal-mine', jurisdiction: '涌山镇' })
  store.upsertSite({ id: 's2', enterpriseId: 'e', name: '二号', type: 'petrol-station', jurisdiction: '石潭镇', inTownNearHomes: true, rulesFrom: '2012-02-29' })
  store.upsertGateway({ id: 'g1', siteId: 's1' })
  store.upsertGateway({ id: 'g2', siteId: 's2' })
})
afterEach(() => store.close())

const inventory = (gw: string, site: string, devices: Array<{ device: string; system?: string }>) =>
  store.storeInventory(gw, site, { v: 1, gw, ts: JUNE_1, devices: devices.map((d, unit) => ({ ...d, profile: 'gas-ch4', profileVersion: '1', bus: 'rs485-1', unit: unit + 1, vendor: 'ACME', model: 'GJC4' })) }, JUNE_1)

describe('commissioning records', () => {
  test('the table comes with its own migration (5), after the released ones', () => {
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
    expect(MIGRATIONS[4]).toContain('CREATE TABLE commissioning')
  })

  test('added records come back oldest first, with their devices, note and accepted flag', () => {
    const later = store.addCommissioning({ siteId: 's1', system: 'monitoring', commissionedOn: '2013-05-02', by: 'inst', devices: ['a', 'b'], note: '复验', createdAt: 5 })
    const earlier = store.addCommissioning({ siteId: 's1', system: 'communication', commissionedOn: '2012-01-01', by: 'admin', createdAt: 6 })
    const rejected = store.addCommissioning({ siteId: 's1', system: 'monitoring', commissionedOn: '2011-01-01', by: 'inst', accepted: false, createdAt: 7 })
    expect(later).toEqual({ id: later.id, siteId: 's1', system: 'monitoring', commissionedOn: '2013-05-02', by: 'inst', devices: ['a', 'b'], note: '复验', accepted: true, createdAt: 5, evidence: 'entered' })
    expect(earlier).not.toHaveProperty('note')
    expect(earlier.devices).toEqual([])
    expect(rejected.accepted).toBe(false)
    expect(store.commissioningOf('s1').map((r) => r.id)).toEqual([rejected.id, earlier.id, later.id])
    expect(store.commissioningOf('s2')).toEqual([])
    expect(() => store.addCommissioning({ siteId: 'nope', system: 'monitoring', commissionedOn: '2013-05-02', by: 'x', createdAt: 1 })).toThrow(/FOREIGN KEY/u)
  })

  test('complianceSites: the facts the catalog needs, by scope; unknown facts stay absent and are kept on update', () => {
    expect(store.complianceSites({ role: 'admin' })).toEqual([
      { id: 's1', name: '一号', type: 'coal-mine', jurisdiction: '涌山镇', enterpriseId: 'e', enterpriseName: '企业' },
      { id: 's2', name: '二号', type: 'petrol-station', jurisdiction: '石潭镇', enterpriseId: 'e', enterpriseName: '企业', inTownNearHomes: true, rulesFrom: '2012-02-29' },
    ])
    store.upsertSite({ id: 's2', enterpriseId: 'e', name: '二号', type: 'petrol-station', jurisdiction: '石潭镇' })
    expect(store.complianceSites({ role: 'regulator', jurisdiction: '石潭镇' })).toMatchObject([{ id: 's2', inTownNearHomes: true, rulesFrom: '2012-02-29' }])
    store.upsertSite({ id: 's2', enterpriseId: 'e', name: '二号', type: 'petrol-station', jurisdiction: '石潭镇', inTownNearHomes: false })
    expect(store.complianceSites({ role: 'installer', siteIds: ['s2'] })).toMatchObject([{ id: 's2', inTownNearHomes: false }])
    expect(store.complianceSites({ role: 'enterprise', enterpriseId: 'other' })).toEqual([])
  })
})

describe('systemCoverage7d', () => {
  test('the window is the 7 Shanghai days ending with asOf', () => {
    expect(windowEndingOn('2026-06-01')).toEqual({ from: JUNE_1 + DAY - 7 * DAY, to: JUNE_1 + DAY })
  })

  test('minutes with a good sample, from the ingest\'s roll-ups; bad-only minutes and minutes outside the window do not count', () => {
    inventory('g1', 's1', [{ device: 'm1', system: 'monitoring' }, { device: 'm2', system: 'monitoring' }, { device: 'c1', system: 'communication' }, { device: 'x' }])
    inventory('g2', 's2', [{ device: 'm9', system: 'monitoring' }])
    const { from, to } = windowEndingOn('2026-06-01')
    let seq = 0
    const sample = (device: string, channel: string, ts: number, quality: 'good' | 'comm-fail' = 'good') => ({ seq: ++seq, device, channel, ts, value: 1, quality })
    const samples = [
      sample('m1', 'ch4', from), // first minute of the window: counts
      sample('m1', 'ch4', from + 30_000), // same minute
      sample('m1', 'co', from + 40_000), // same minute, other channel: still one minute
      sample('m1', 'ch4', from + 5 * MIN),
      sample('m1', 'ch4', from + 6 * MIN, 'comm-fail'), // bad only
      sample('m1', 'ch4', from + 7 * MIN, 'comm-fail'), sample('m1', 'co', from + 7 * MIN + 1), // one good among bad: counts
      sample('m1', 'ch4', from - 1), // the minute before the window
      sample('m1', 'ch4', to), // the first minute after it
      sample('m9', 'ch4', from + 9 * MIN), // another site's device
    ]
    store.storeTelemetry({ gatewayId: 'g1', samples: samples.filter((s) => s.device !== 'm9'), ranges: [{ first: 1, last: seq - 1 }], duplicates: 0, now: JUNE_1 })
    store.storeTelemetry({ gatewayId: 'g2', samples: samples.filter((s) => s.device === 'm9'), ranges: [{ first: seq, last: seq }], duplicates: 0, now: JUNE_1 })
    const minutes = 7 * 1440
    expect(store.systemCoverage7d('s1', 'monitoring', '2026-06-01')).toEqual([
      { gatewayId: 'g1', device: 'm1', coverage: 3 / minutes },
      { gatewayId: 'g1', device: 'm2', coverage: 0 },
    ])
    expect(store.systemCoverage7d('s1', 'communication', '2026-06-01')).toEqual([{ gatewayId: 'g1', device: 'c1', coverage: 0 }])
    expect(store.systemCoverage7d('s1', 'vapor-recovery', '2026-06-01')).toEqual([])
    expect(store.systemCoverage7d('s2', 'monitoring', '2026-06-01')).toEqual([{ gatewayId: 'g2', device: 'm9', coverage: 1 / minutes }])
    // a day later the window starts one day later: the first minutes fall out, the one after `to` comes in
    expect(store.systemCoverage7d('s1', 'monitoring', '2026-06-02')[0]!.coverage).toBe(1 / minutes)
    expect(store.systemCoverage7d('s1', 'monitoring', '2026-05-31')[0]!.coverage).toBe(4 / minutes)
  })
})

describe('the fleet-wide reads of the compliance report', () => {
  const bits = (minutes: number) => {
    const b = Buffer.alloc(180)
    for (let m = 0; m < minutes; m++) b[m >> 3]! |= 1 << (m & 7)
    return b
  }
  const day = (gw: string, device: string, d: string, minutes: number) =>
    store.db.prepare('INSERT INTO device_minutes (gateway_id, device, day, minutes, bits) VALUES (?, ?, ?, ?, ?)').run(gw, device, d, minutes, bits(minutes))

  beforeEach(() => {
    inventory('g1', 's1', [{ device: 'm1', system: 'monitoring' }, { device: 'm2', system: 'monitoring' }, { device: 'c1', system: 'communication' }, { device: 'x' }])
    inventory('g2', 's2', [{ device: 'v1', system: 'vapor-recovery' }])
    // 7 days ending 2026-06-01 are 05-26 … 06-01
    day('g1', 'm1', '2026-05-25', 1440) // before the window
    for (const d of ['2026-05-26', '2026-05-27', '2026-05-31', '2026-06-01']) day('g1', 'm1', d, 1440)
    day('g1', 'm1', '2026-06-02', 1440) // after it
    day('g1', 'm2', '2026-06-01', 100)
    day('g1', 'x', '2026-06-01', 1440) // no regulatory system
    day('g2', 'v1', '2026-05-30', 1440)
  })

  test('systemCoverage7d sums the days of the window per device; devices without rows have 0', () => {
    expect(store.systemCoverage7d('s1', 'monitoring', '2026-06-01')).toEqual([
      { gatewayId: 'g1', device: 'm1', coverage: (4 * 1440) / 10080 },
      { gatewayId: 'g1', device: 'm2', coverage: 100 / 10080 },
    ])
    expect(store.systemCoverage7d('s1', 'monitoring', '2026-06-02')[0]!.coverage).toBe((4 * 1440) / 10080)
    expect(store.systemCoverage7d('s1', 'communication', '2026-06-01')).toEqual([{ gatewayId: 'g1', device: 'c1', coverage: 0 }])
  })

  test('systemsCoverage7d: every (site, system) with devices, their count and the worst device, in one read', () => {
    const all = store.systemsCoverage7d('2026-06-01').sort((a, b) => a.siteId.localeCompare(b.siteId) || a.system.localeCompare(b.system))
    expect(all).toEqual([
      { siteId: 's1', system: 'communication', devices: 1, coverage: 0 },
      { siteId: 's1', system: 'monitoring', devices: 2, coverage: 100 / 10080 },
      { siteId: 's2', system: 'vapor-recovery', devices: 1, coverage: 1440 / 10080 },
    ])
    // the same as the per-site read, for every pair
    for (const c of all) expect(c.coverage).toBe(Math.min(...store.systemCoverage7d(c.siteId, c.system, '2026-06-01').map((d) => d.coverage)))
    expect(store.systemsCoverage7d('2026-05-24').every((c) => c.coverage === 0)).toBe(true)
  })

  test('deviceMinutesByDay: per device of a regulatory system, the days of the range that have rows', () => {
    expect(store.deviceMinutesByDay('s1', '2026-05-31', '2026-06-01')).toEqual([
      { gatewayId: 'g1', device: 'c1', system: 'communication', days: {} },
      { gatewayId: 'g1', device: 'm1', system: 'monitoring', days: { '2026-05-31': 1440, '2026-06-01': 1440 } },
      { gatewayId: 'g1', device: 'm2', system: 'monitoring', days: { '2026-06-01': 100 } },
    ])
    expect(store.deviceMinutesByDay('s2', '2026-05-31', '2026-06-01')).toEqual([{ gatewayId: 'g2', device: 'v1', system: 'vapor-recovery', days: {} }])
  })

  test('append-only: a correction names the record it replaces (once), a rejection the record it cancels (once); UPDATE and DELETE are refused', () => {
    const first = store.addCommissioning({ siteId: 's1', system: 'monitoring', commissionedOn: '2013-05-02', by: 'i', createdAt: 1 })
    const correction = store.addCommissioning({ siteId: 's1', system: 'monitoring', commissionedOn: '2013-05-03', by: 'i', createdAt: 2, replaces: first.id })
    expect(correction.replaces).toBe(first.id)
    expect(first).not.toHaveProperty('replaces')
    expect(() => store.addCommissioning({ siteId: 's1', system: 'monitoring', commissionedOn: '2013-05-04', by: 'i', createdAt: 3, replaces: first.id })).toThrow(/UNIQUE/u)
    const rejection = store.addCommissioningRejection({ recordId: correction.id, by: 'reg', reason: '无记录', createdAt: 4 })
    expect(rejection).toEqual({ id: rejection.id, recordId: correction.id, by: 'reg', reason: '无记录', createdAt: 4 })
    expect(() => store.addCommissioningRejection({ recordId: correction.id, by: 'reg', reason: 'again', createdAt: 5 })).toThrow(/UNIQUE/u)
    expect(() => store.addCommissioningRejection({ recordId: 9999, by: 'reg', reason: 'none', createdAt: 5 })).toThrow(/FOREIGN KEY/u)
    expect(store.commissioningRejections('s1')).toEqual([rejection])
    expect(store.commissioningRejections('s2')).toEqual([])
    expect(store.commissioningRejections()).toEqual([rejection])
    expect(store.commissioningRecord(correction.id)).toEqual(correction)
    expect(store.commissioningRecord(9999)).toBeUndefined()
    expect(store.commissioningOf().map((r) => r.id)).toEqual([first.id, correction.id])
    for (const sql of ["UPDATE commissioning SET commissioned_on = '1900-01-01'", 'DELETE FROM commissioning', "UPDATE commissioning_rejections SET reason = ''", 'DELETE FROM commissioning_rejections']) {
      expect(() => store.db.prepare(sql).run(), sql).toThrow(/append-only/u)
    }
  })

  test('firstDataDays: per (site, system) the earliest day with good minutes of any of its devices', () => {
    expect(store.firstDataDays('s1')).toEqual([{ siteId: 's1', system: 'monitoring', day: '2026-05-25' }])
    day('g1', 'm2', '2026-05-12', 1) // another device of the system, earlier
    day('g1', 'm1', '2026-05-10', 0) // a row without good minutes does not count
    day('g1', 'x', '2020-01-01', 5) // no regulatory system
    const sorted = (rows: ReturnType<SqliteStore['firstDataDays']>) => rows.sort((a, b) => a.siteId.localeCompare(b.siteId))
    expect(sorted(store.firstDataDays())).toEqual([{ siteId: 's1', system: 'monitoring', day: '2026-05-12' }, { siteId: 's2', system: 'vapor-recovery', day: '2026-05-30' }])
    expect(store.firstDataDays('s1')).toEqual([{ siteId: 's1', system: 'monitoring', day: '2026-05-12' }])
  })

  test('complianceVersion changes with a commissioning record, a site or an enterprise, not with telemetry', () => {
    const v0 = store.complianceVersion()
    expect(store.complianceVersion()).toBe(v0)
    day('g1', 'c1', '2026-06-01', 5)
    expect(store.complianceVersion()).toBe(v0)
    store.addCommissioning({ siteId: 's1', system: 'monitoring', commissionedOn: '2013-05-02', by: 'i', createdAt: 1 })
    const v1 = store.complianceVersion()
    expect(v1).not.toBe(v0)
    store.upsertSite({ id: 's3', enterpriseId: 'e', name: '三号', type: 'coal-mine', jurisdiction: '涌山镇' })
    const v2 = store.complianceVersion()
    expect(v2).not.toBe(v1)
    store.upsertEnterprise({ id: 'e', name: '企业改名' })
    expect(store.complianceVersion()).not.toBe(v2)
  })
})

describe('complianceVersion sees another connection\'s commit (fleet-server import --sites while the server runs)', () => {
  test('a site written through a second store on the same file', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs')
    const { join } = await import('node:path')
    const { tmpdir } = await import('node:os')
    const dir = mkdtempSync(join(tmpdir(), 'compliance-version-'))
    const file = join(dir, 'fleet.db')
    const server = openSqliteStore(file)
    const cli = openSqliteStore(file)
    try {
      server.upsertEnterprise({ id: 'e', name: '企业' })
      const before = server.complianceVersion()
      expect(server.complianceVersion()).toBe(before)
      cli.upsertSite({ id: 's9', enterpriseId: 'e', name: '九号', type: 'coal-mine', jurisdiction: '涌山镇' })
      expect(server.complianceVersion()).not.toBe(before)
    } finally {
      cli.close()
      server.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
