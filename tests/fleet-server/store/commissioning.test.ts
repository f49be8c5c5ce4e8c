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
    expect(later).toEqual({ id: later.id, siteId: 's1', system: 'monitoring', commissionedOn: '2013-05-02', by: 'inst', devices: ['a', 'b'], note: '复验', accepted: true, createdAt: 5 })
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
    store.storeTelemetry('g1', 's1', samples.filter((s) => s.device !== 'm9'), [{ first: 1, last: seq - 1 }], 0, JUNE_1)
    store.storeTelemetry('g2', 's2', samples.filter((s) => s.device === 'm9'), [{ first: seq, last: seq }], 0, JUNE_1)
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
