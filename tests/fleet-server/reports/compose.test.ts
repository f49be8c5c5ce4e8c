import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Alarm, ComplianceRow, InterlockAction } from '../../../fleet-server/src/api/index.ts'
import type { MonthlyFacts } from '../../../fleet-server/src/model/index.ts'
import { composeMonthlyReport, gatewayOffline, monthWindow } from '../../../fleet-server/src/reports/index.ts'
import { INTERLOCK_ACTIONS_LISTED, LONGEST_ALARMS, WORST_ITEMS } from '../../../fleet-server/src/reports/compose.ts'

const H = 3_600_000
const sh = (y: number, m: number, d: number, hh = 0, mm = 0) => Date.UTC(y, m - 1, d, hh - 8, mm)
/** mid-July: May and June are past months */
const NOW = sh(2026, 7, 15, 12)

function facts(over: Partial<MonthlyFacts> = {}): MonthlyFacts {
  return {
    enterprise: { id: 'ent-1', name: '甲公司' },
    sites: [{ id: 's1', name: '一号矿', type: 'coal-mine', jurisdiction: '涌山镇' }, { id: 's2', name: '二号库', type: 'tailings-pond', jurisdiction: '石潭镇' }],
    alarms: [], interlockActions: [], gateways: [], calibrations: [],
    ...over,
  }
}

let nextAlarm = 1
function alarm(siteId: string, raisedAt: number, over: Partial<Alarm> = {}): Alarm {
  return {
    id: nextAlarm++, siteId, gatewayId: `gw-${siteId}`, device: 'ch4-1', channel: 'ch4', kind: 'level', level: 'alarm', state: 'cleared',
    acknowledged: true, acknowledgedBy: 'zhang', acknowledgedAt: raisedAt + 60_000, raisedAt, clearedAt: raisedAt + 10 * 60_000, ...over,
  }
}

const trip = (siteId: string, ts: number, state = 'tripped', interlock = 'power-cut'): InterlockAction =>
  ({ gatewayId: `gw-${siteId}`, siteId, seq: ts, ts, interlock, state })

function complianceRow(siteId: string, system: string, status: ComplianceRow['status'], daysOverdue: number | null = null): ComplianceRow {
  return {
    siteId, siteName: siteId, siteType: 'coal-mine', jurisdiction: '涌山镇', enterpriseName: '甲公司', ruleId: 'r', clause: '四(四)1', system,
    appliesFrom: '2020-01-01', deadline: '2023-01-01', installedOn: status === 'compliant' || status === 'late' ? '2022-12-01' : null,
    verified: false, coverage: 0, status, daysOverdue, daysLeft: null, sanction: { zh: '暂扣许可证', en: 'licence suspended' },
  }
}

describe('composeMonthlyReport, pure', () => {
  it('a month of no data is a valid report of zeros', () => {
    const w = monthWindow('2026-06', NOW)
    const report = composeMonthlyReport(facts(), [], w, NOW)
    expect(report.totals).toEqual({ alarms: 0, unacknowledgedAlarms: 0, trips: 0, interlockFailures: 0, offlineHours: 0, calibrationsOverdue: 0, testsOverdue: 0, complianceMissed: 0 })
    expect(report.worst).toEqual([])
    expect(report.sites.map((s) => s.id)).toEqual(['s1', 's2'])
    for (const site of report.sites) expect([site.alarms, site.alarmsByKind, site.gateways, site.calibrations, site.compliance, site.interlockActions]).toEqual([[], [], [], [], [], []])
    expect(report).toMatchObject({ month: '2026-06', current: false, hours: 720, asOf: '2026-06-30', generatedAt: NOW })
  })

  it('counts alarms per site by kind and level; lists the unacknowledged and the longest; durations run to now while active', () => {
    const t = sh(2026, 6, 3)
    const alarms = [
      alarm('s1', t, { level: 'warning' }),
      alarm('s1', t + H, { kind: 'sensor-fault' as Alarm['kind'], level: 'alarm', acknowledged: false, acknowledgedBy: undefined, acknowledgedAt: undefined }),
      alarm('s1', t + 2 * H, { state: 'active', clearedAt: undefined }),
      ...Array.from({ length: 12 }, (_, i) => alarm('s2', t + i * H, { clearedAt: t + i * H + (i + 1) * 60_000 })),
    ]
    const report = composeMonthlyReport(facts({ alarms }), [], monthWindow('2026-06', NOW), NOW)
    const [s1, s2] = report.sites
    expect(s1!.counts).toMatchObject({ alarms: 3, unacknowledgedAlarms: 1 })
    expect(s1!.alarmsByKind).toEqual([{ kind: 'level', count: 2 }, { kind: 'sensor-fault', count: 1 }])
    expect(s1!.alarmsByLevel).toEqual([{ level: 'alarm', count: 2 }, { level: 'warning', count: 1 }])
    expect(s1!.alarms.find((a) => a.state === 'active')!.durationMs).toBe(NOW - (t + 2 * H))
    // s2: 12 alarms, all acknowledged: the 10 longest listed (the two shortest are not), by raisedAt
    expect(s2!.alarms.length).toBe(LONGEST_ALARMS)
    expect(s2!.alarmsNotListed).toBe(2)
    expect(s2!.alarms.map((a) => a.durationMs)).toEqual(Array.from({ length: 10 }, (_, i) => (i + 3) * 60_000))
    expect(report.totals.alarms).toBe(15)
    expect(report.worst).toEqual([{ kind: 'unacknowledged-alarm', siteId: 's1', subject: 'ch4-1/ch4', amount: Math.round((NOW - t - H) / H * 10) / 10 }])
  })

  it('counts interlock trips and failures', () => {
    const t = sh(2026, 6, 5)
    const report = composeMonthlyReport(facts({ interlockActions: [trip('s1', t), trip('s1', t + 1), trip('s1', t + 2, 'failed'), trip('s2', t)] }), [], monthWindow('2026-06', NOW), NOW)
    expect(report.sites[0]!.counts).toMatchObject({ trips: 2, interlockFailures: 1 })
    expect(report.totals).toMatchObject({ trips: 3, interlockFailures: 1 })
    expect(report.worst).toEqual([{ kind: 'interlock-failed', siteId: 's1', subject: 'power-cut', amount: 1 }])
  })

  it('a chattering interlock: every failure and the first trips are listed, 100 in all, the rest counted', () => {
    const t = sh(2026, 6, 5)
    const actions = [...Array.from({ length: 150 }, (_, i) => trip('s1', t + i * 60_000)), ...[10, 20, 140].map((i) => trip('s1', t + i * 60_000 + 1, 'failed'))]
      .sort((a, b) => a.ts - b.ts)
    const site = composeMonthlyReport(facts({ interlockActions: actions }), [], monthWindow('2026-06', NOW), NOW).sites[0]!
    expect(site.counts).toMatchObject({ trips: 150, interlockFailures: 3 })
    expect(site.interlockActions.length).toBe(INTERLOCK_ACTIONS_LISTED)
    expect(site.interlockActions.filter((i) => i.state === 'failed').length).toBe(3)
    expect(site.interlockActionsNotListed).toBe(53)
    expect(site.interlockActions.map((i) => i.ts)).toEqual([...site.interlockActions.map((i) => i.ts)].sort((a, b) => a - b))
  })

  it('offline hours with a gap: the gap is counted and named the longest', () => {
    const w = monthWindow('2026-06', NOW)
    const all = Array.from({ length: w.hours }, (_, i) => w.from + i * H)
    const gapStart = sh(2026, 6, 10, 22)
    const online = all.filter((h) => h < gapStart || h >= gapStart + 5 * H).filter((h) => h !== sh(2026, 6, 20, 3))
    const report = composeMonthlyReport(facts({ gateways: [{ id: 'gw-1', siteId: 's1', firstSampleAt: sh(2025, 1, 1), onlineHours: online }] }), [], w, NOW)
    expect(report.sites[0]!.gateways).toEqual([{ id: 'gw-1', firstSampleAt: sh(2025, 1, 1), hours: 720, offlineHours: 6, longestGap: { from: gapStart, hours: 5 } }])
    expect(report.totals.offlineHours).toBe(6)
    expect(report.worst).toEqual([{ kind: 'offline', siteId: 's1', subject: 'gw-1', amount: 6 }])
  })

  it('the current month counts only the whole hours up to now; hours before a gateway\'s first sample are not counted', () => {
    const now = sh(2026, 7, 2, 5, 30)
    const w = monthWindow('2026-07', now)
    expect(w.hours).toBe(29)
    const silent = { id: 'gw-silent', siteId: 's1', firstSampleAt: null, onlineHours: [] }
    const fresh = { id: 'gw-new', siteId: 's1', firstSampleAt: sh(2026, 7, 2, 1), onlineHours: [sh(2026, 7, 2, 1), sh(2026, 7, 2, 2), sh(2026, 7, 2, 5)] }
    const [a, b] = composeMonthlyReport(facts({ gateways: [silent, fresh] }), [], w, now).sites[0]!.gateways
    expect(a).toMatchObject({ hours: 29, offlineHours: 29, longestGap: { from: w.from, hours: 29 } })
    // 01:00 … 04:59 counted (4 hours), 03:00 and 04:00 silent; the 05:00 hour has not ended
    expect(b).toMatchObject({ hours: 4, offlineHours: 2, longestGap: { from: sh(2026, 7, 2, 3), hours: 2 } })
  })

  it('calibration due on the month\'s last day is overdue (1 day) when the month ends; due the next day is not', () => {
    const w = monthWindow('2026-06', NOW)
    const cal = (device: string, calibrationDue: string) => ({ siteId: 's1', gatewayId: 'gw-1', device, profile: 'gas-ch4', calibrationDue })
    const report = composeMonthlyReport(facts({ calibrations: [cal('old', '2026-05-20'), cal('last', '2026-06-30'), cal('next', '2026-07-01')] }), [], w, NOW)
    expect(report.sites[0]!.calibrations.map((c) => [c.device, c.daysOverdue, c.overdue])).toEqual([['old', 42, true], ['last', 1, true], ['next', 0, false]])
    expect(report.totals.calibrationsOverdue).toBe(2)
    // in the current month, judged today: due later this month is listed but not overdue
    const now = sh(2026, 6, 30, 12)
    const current = composeMonthlyReport(facts({ calibrations: [cal('yesterday', '2026-06-29'), cal('today', '2026-06-30')] }), [], monthWindow('2026-06', now), now)
    expect(current.sites[0]!.calibrations.map((c) => [c.device, c.daysOverdue, c.overdue])).toEqual([['yesterday', 1, true], ['today', 0, false]])
  })

  it('compliance rows go to their site; late and overdue count as missed and lead the worst items, at most 2 of a kind first', () => {
    const rows = [complianceRow('s1', 'monitoring', 'overdue', 400), complianceRow('s1', 'communication', 'overdue', 500), complianceRow('s2', 'monitoring', 'overdue', 30),
      complianceRow('s2', 'communication', 'late', 10), complianceRow('s2', 'emergency-refuge', 'compliant'), complianceRow('other', 'monitoring', 'overdue', 999)]
    const cal = { siteId: 's2', gatewayId: 'gw-2', device: 'd', profile: 'p', calibrationDue: '2026-01-01' }
    const report = composeMonthlyReport(facts({ calibrations: [cal] }), rows, monthWindow('2026-06', NOW), NOW)
    expect(report.sites.map((s) => s.counts.complianceMissed)).toEqual([2, 2])
    expect(report.sites[1]!.compliance.map((c) => c.status)).toEqual(['overdue', 'late', 'compliant'])
    expect(report.worst.map((w) => [w.kind, w.subject, w.amount])).toEqual([
      ['compliance-overdue', 'communication', 500], ['compliance-overdue', 'monitoring', 400], ['compliance-overdue', 'monitoring', 30],
      ['compliance-late', 'communication', 10], ['calibration-overdue', 'gw-2/d', 181],
    ])
    // many overdue systems do not crowd out an offline gateway
    const many = Array.from({ length: 12 }, (_, i) => complianceRow('s1', `system-${i}`, 'overdue', 100 + i))
    const gateway = { id: 'gw-1', siteId: 's1', firstSampleAt: null, onlineHours: [] }
    const crowded = composeMonthlyReport(facts({ gateways: [gateway] }), many, monthWindow('2026-06', NOW), NOW)
    expect(crowded.worst.length).toBe(WORST_ITEMS)
    expect(crowded.worst.map((w) => w.kind)).toEqual([...Array(WORST_ITEMS - 1).fill('compliance-overdue'), 'offline'])
    expect(crowded.worst[0]!.amount).toBe(111)
  })

  it('property: offline hours never exceed the counted hours, which never exceed the month\'s; online + offline = counted', () => {
    fc.assert(fc.property(
      fc.constantFrom('2026-02', '2026-05', '2026-06', '2026-07'), fc.integer({ min: 0, max: 45 * 24 }), fc.option(fc.integer({ min: -2000, max: 1000 })),
      fc.array(fc.integer({ min: -100, max: 800 }), { maxLength: 300 }),
      (month, nowHours, firstHour, hourIndexes) => {
        const now = sh(2026, 6, 1) + nowHours * H + 17 * 60_000
        let w
        try { w = monthWindow(month, now) } catch { return }
        const firstSampleAt = firstHour === null ? null : w.from + firstHour * H
        const onlineHours = [...new Set(hourIndexes.map((i) => w.from + i * H))].sort((a, b) => a - b)
        const g = gatewayOffline({ id: 'g', siteId: 's1', firstSampleAt, onlineHours }, w)
        expect(g.offlineHours).toBeGreaterThanOrEqual(0)
        expect(g.offlineHours).toBeLessThanOrEqual(g.hours)
        expect(g.hours).toBeLessThanOrEqual(w.hours)
        const start = w.from + (w.hours - g.hours) * H
        const counted = onlineHours.filter((h) => h >= start && h < w.from + w.hours * H).length
        expect(counted + g.offlineHours).toBe(g.hours)
        expect(g.longestGap === null).toBe(g.offlineHours === 0)
        if (g.longestGap) expect(g.longestGap.hours).toBeLessThanOrEqual(g.offlineHours)
      },
    ))
  })

  it('property: totals are the sums over sites, a site\'s offline hours the sum over its gateways, every alarm counted once', () => {
    const w = monthWindow('2026-06', NOW)
    const site = fc.constantFrom('s1', 's2')
    fc.assert(fc.property(
      fc.array(fc.record({ site, at: fc.integer({ min: 0, max: 719 }), ack: fc.boolean(), kind: fc.constantFrom('level', 'flatline'), level: fc.constantFrom('warning', 'alarm') }), { maxLength: 80 }),
      fc.array(fc.record({ site, online: fc.array(fc.integer({ min: 0, max: 719 }), { maxLength: 720 }) }), { maxLength: 4 }),
      fc.array(fc.record({ site, failed: fc.boolean() }), { maxLength: 10 }),
      (alarmSpecs, gatewaySpecs, trips) => {
        const f = facts({
          alarms: alarmSpecs.map((a) => alarm(a.site, w.from + a.at * H, { acknowledged: a.ack, kind: a.kind as Alarm['kind'], level: a.level })),
          gateways: gatewaySpecs.map((g, i) => ({ id: `g${i}`, siteId: g.site, firstSampleAt: null, onlineHours: [...new Set(g.online)].sort((a, b) => a - b).map((h) => w.from + h * H) })),
          interlockActions: trips.map((t, i) => trip(t.site, w.from + i, t.failed ? 'failed' : 'tripped')),
        })
        const report = composeMonthlyReport(f, [], w, NOW)
        for (const key of Object.keys(report.totals) as (keyof typeof report.totals)[]) {
          expect(report.totals[key]).toBe(report.sites.reduce((sum, s) => sum + s.counts[key], 0))
        }
        for (const s of report.sites) {
          expect(s.counts.offlineHours).toBe(s.gateways.reduce((sum, g) => sum + g.offlineHours, 0))
          expect(s.alarmsByKind.reduce((sum, k) => sum + k.count, 0)).toBe(s.counts.alarms)
          expect(s.alarmsByLevel.reduce((sum, k) => sum + k.count, 0)).toBe(s.counts.alarms)
          expect(s.alarms.length + s.alarmsNotListed).toBe(s.counts.alarms)
          expect(s.alarms.filter((a) => !a.acknowledged).length).toBe(s.counts.unacknowledgedAlarms)
          expect(s.interlockActions.length + s.interlockActionsNotListed).toBe(s.counts.trips + s.counts.interlockFailures)
        }
        expect(report.totals.offlineHours).toBeLessThanOrEqual(gatewaySpecs.length * w.hours)
        expect(report.totals.alarms).toBe(alarmSpecs.length)
        expect(report.worst.length).toBeLessThanOrEqual(WORST_ITEMS)
      },
    ))
  })
})
