import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentEvent, SequencedSample } from '../../../protocols/mqtt/index.ts'
import { loadCatalog } from '../../../fleet-server/src/compliance/catalog.ts'
import { monthlyReport } from '../../../fleet-server/src/reports/index.ts'
import { openSqliteStore, type SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'

const H = 3_600_000
const sh = (y: number, m: number, d: number, hh = 0, mm = 0) => Date.UTC(y, m - 1, d, hh - 8, mm)
const NOW = sh(2026, 7, 15, 12)

let store: SqliteStore
const seqs = new Map<string, number>()
const nextSeq = (gw: string) => {
  const seq = (seqs.get(gw) ?? 0) + 1
  seqs.set(gw, seq)
  return seq
}

function telemetry(gw: string, site: string, times: number[]) {
  const samples: SequencedSample[] = times.map((ts) => ({ seq: nextSeq(gw), device: 'ch4-1', channel: 'ch4', ts, value: 0.3, quality: 'good' }))
  store.storeTelemetry({ gatewayId: gw, samples, ranges: [{ first: samples[0]!.seq, last: samples.at(-1)!.seq }], duplicates: 0, now: NOW })
}

type EventBody = AgentEvent extends infer E ? E extends unknown ? Omit<E, 'seq'> : never : never
function events(gw: string, site: string, list: EventBody[]) {
  const withSeq = list.map((e) => ({ ...e, seq: nextSeq(gw) }) as AgentEvent)
  store.storeEvents(gw, site, withSeq, [{ first: withSeq[0]!.seq, last: withSeq.at(-1)!.seq }], 0, NOW)
}

const alarm = (state: 'raised' | 'cleared', ts: number, channel: string): EventBody =>
  ({ type: 'alarm', state, ts, device: 'ch4-1', channel, kind: 'level', level: 'alarm', value: 1.2, threshold: 1, unit: '%' })
const interlock = (state: 'tripped' | 'failed' | 'restored', ts: number): EventBody => ({ type: 'interlock', interlock: 'power-cut', state, ts })

beforeAll(() => {
  store = openSqliteStore(':memory:', { clock: () => NOW })
  store.upsertEnterprise({ id: 'ent-1', name: '甲公司' })
  store.upsertEnterprise({ id: 'ent-2', name: '乙公司' })
  store.upsertSite({ id: 's1', enterpriseId: 'ent-1', name: '一号矿', type: 'coal-mine', jurisdiction: '涌山镇' })
  store.upsertSite({ id: 's2', enterpriseId: 'ent-1', name: '二号库', type: 'tailings-pond', jurisdiction: '石潭镇' })
  store.upsertSite({ id: 's3', enterpriseId: 'ent-2', name: '乙厂', type: 'chemical-plant', jurisdiction: '石潭镇' })
  store.upsertGateway({ id: 'gw-1', siteId: 's1' })
  store.upsertGateway({ id: 'gw-2', siteId: 's2' })

  // gw-1: a sample every hour of May (Shanghai) but 21:00–23:59 on 31 May, and one in late April
  const may = Array.from({ length: 31 * 24 }, (_, i) => sh(2026, 5, 1) + i * H + 30 * 60_000)
  telemetry('gw-1', 's1', [sh(2026, 4, 30, 23, 30), ...may.filter((ts) => ts < sh(2026, 5, 31, 21))])
  // gw-2 first reports on 20 May 10:15 and stays up until 20 May 12:00
  telemetry('gw-2', 's2', [sh(2026, 5, 20, 10, 15), sh(2026, 5, 20, 11, 5)])

  events('gw-1', 's1', [
    alarm('raised', sh(2026, 4, 30, 23, 30), 'a-april'), alarm('cleared', sh(2026, 5, 1, 1), 'a-april'),
    alarm('raised', sh(2026, 5, 1, 0, 0), 'c-first-instant'),
    alarm('raised', sh(2026, 5, 31, 23, 30), 'b-straddles'), alarm('cleared', sh(2026, 6, 1, 2), 'b-straddles'),
    alarm('raised', sh(2026, 6, 1, 0, 0), 'd-june'),
    // 31 May 20:00 UTC is 1 June 04:00 in Shanghai
    alarm('raised', Date.UTC(2026, 4, 31, 20), 'e-utc-may'),
    interlock('tripped', sh(2026, 5, 10, 8)), interlock('failed', sh(2026, 5, 10, 8, 1)), interlock('restored', sh(2026, 5, 10, 9)),
    interlock('tripped', sh(2026, 6, 1)),
    { type: 'calibration', ts: sh(2026, 5, 1), device: 'ch4-1', state: 'ok', calibratedOn: '2025-11-30', dueOn: '2026-05-31' },
  ])
  events('gw-2', 's2', [{ type: 'calibration', ts: sh(2026, 5, 1), device: 'ch4-2', state: 'ok', calibratedOn: '2025-12-01', dueOn: '2026-06-01' }])
})

afterAll(() => store?.close())

const admin = { role: 'admin' } as const
const facts = (month: 5 | 6, scope: Parameters<SqliteStore['monthlyFacts']>[0]['scope'] = admin, enterpriseId = 'ent-1') =>
  store.monthlyFacts({ scope, enterpriseId, from: sh(2026, month, 1), to: sh(2026, month + 1, 1), calibrationDueBefore: `2026-0${month + 1}-01` })

describe('SqliteStore.monthlyFacts', () => {
  it('alarms count in the month they were raised, at Shanghai midnights, also when they last into the next month', () => {
    expect(facts(5)!.alarms.map((a) => a.channel)).toEqual(['c-first-instant', 'b-straddles'])
    expect(facts(6)!.alarms.map((a) => a.channel)).toEqual(['d-june', 'e-utc-may'])
    const straddling = facts(5)!.alarms[1]!
    expect(straddling.clearedAt).toBe(sh(2026, 6, 1, 2))
  })

  it('interlock actions: tripped and failed of the month only', () => {
    expect(facts(5)!.interlockActions.map((i) => i.state)).toEqual(['tripped', 'failed'])
    expect(facts(6)!.interlockActions.map((i) => i.state)).toEqual(['tripped'])
  })

  it('online hours from the hourly roll-ups of the gateway\'s channels, and the first hour it ever reported', () => {
    const [gw1, gw2] = facts(5)!.gateways
    expect(gw1!.firstSampleAt).toBe(sh(2026, 4, 30, 23))
    expect(gw1!.onlineHours.length).toBe(31 * 24 - 3)
    expect(gw1!.onlineHours[0]).toBe(sh(2026, 5, 1))
    expect(gw2).toMatchObject({ id: 'gw-2', siteId: 's2', firstSampleAt: sh(2026, 5, 20, 10), onlineHours: [sh(2026, 5, 20, 10), sh(2026, 5, 20, 11)] })
  })

  it('calibrations due before the month ends: the last day is in, the next month\'s first day is not', () => {
    expect(facts(5)!.calibrations.map((c) => [c.device, c.calibrationDue])).toEqual([['ch4-1', '2026-05-31']])
    expect(facts(6)!.calibrations.map((c) => c.calibrationDue)).toEqual(['2026-05-31', '2026-06-01'])
  })

  it('scope: a regulator sees the enterprise\'s sites of its jurisdiction; nothing visible is undefined', () => {
    expect(facts(5, { role: 'regulator', jurisdiction: '涌山镇' })!.sites.map((s) => s.id)).toEqual(['s1'])
    expect(facts(5, { role: 'regulator', jurisdiction: '涌山镇' })!.gateways.map((g) => g.id)).toEqual(['gw-1'])
    expect(facts(5, { role: 'regulator', jurisdiction: '*' })!.sites.map((s) => s.id)).toEqual(['s1', 's2'])
    expect(facts(5, { role: 'regulator', jurisdiction: '涌山镇' }, 'ent-2')).toBeUndefined()
    expect(facts(5, { role: 'enterprise', enterpriseId: 'ent-2' })).toBeUndefined()
    expect(facts(5, { role: 'installer', siteIds: ['s1'] })!.sites.map((s) => s.id)).toEqual(['s1'])
    expect(facts(5, admin, 'nope')).toBeUndefined()
  })
})

describe('monthlyReport over the store', () => {
  it('May: the straddling alarm, the 3-hour gap at the month\'s end, gw-2 counted from its first sample, calibration 1 day overdue', () => {
    const report = monthlyReport(store, loadCatalog(), admin, { enterpriseId: 'ent-1', month: '2026-05', now: NOW })!
    const [s1, s2] = report.sites
    expect(s1!.counts).toMatchObject({ alarms: 2, trips: 1, interlockFailures: 1, offlineHours: 3, calibrationsOverdue: 1 })
    expect(s1!.gateways[0]).toMatchObject({ hours: 744, offlineHours: 3, longestGap: { from: sh(2026, 5, 31, 21), hours: 3 } })
    expect(s2!.gateways[0]).toMatchObject({ hours: 11 * 24 + 14, offlineHours: 11 * 24 + 12 })
    expect(s2!.calibrations).toEqual([])
    expect(s1!.calibrations).toMatchObject([{ device: 'ch4-1', daysOverdue: 1, overdue: true }])
    expect(report.asOf).toBe('2026-05-31')
    expect(s1!.compliance.length).toBeGreaterThan(0)
  })

  it('a month before anything happened is a report of zeros', () => {
    const report = monthlyReport(store, loadCatalog(), admin, { enterpriseId: 'ent-1', month: '2020-01', now: NOW })!
    expect(report.totals).toMatchObject({ alarms: 0, unacknowledgedAlarms: 0, trips: 0, interlockFailures: 0, offlineHours: 0, calibrationsOverdue: 0 })
    expect(report.sites.flatMap((s) => s.gateways.map((g) => g.hours))).toEqual([0, 0])
  })
})
