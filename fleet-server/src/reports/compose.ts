import { RISK_ITEM_KINDS, type Alarm, type ComplianceRow, type MonthlyFacts, type MonthlyReport, type MonthlySite, type ReportSite, type RiskCounts, type SiteTests } from '../model/index.ts'
import { HOUR_MS, type MonthWindow } from './month.ts'
import { gatewayOffline } from './offline.ts'
import { daysBetween } from '../../../protocols/calendar/index.ts'

/** the longest alarms listed per site, besides every unacknowledged one */
export const LONGEST_ALARMS = 10
/** at most this many unacknowledged alarms listed per site */
const UNACKNOWLEDGED_LISTED = 50
export const WORST_ITEMS = 8
/** at most this many interlock actions listed per site: every failure first, then the trips by time */
export const INTERLOCK_ACTIONS_LISTED = 100
const WORST_PER_KIND = 2

type ReportAlarm = ReportSite['alarms'][number]
type Worst = MonthlyReport['worst'][number]

const ZERO: RiskCounts = { alarms: 0, unacknowledgedAlarms: 0, trips: 0, interlockFailures: 0, offlineHours: 0, calibrationsOverdue: 0, testsOverdue: 0, complianceMissed: 0 }

function countBy<K extends string>(alarms: readonly Alarm[], key: (a: Alarm) => string, name: K): Array<{ [P in K]: string } & { count: number }> {
  const counts = new Map<string, number>()
  for (const alarm of alarms) counts.set(key(alarm), (counts.get(key(alarm)) ?? 0) + 1)
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([value, count]) => ({ [name]: value, count }) as { [P in K]: string } & { count: number })
}

/** The unacknowledged alarms and the longest ones, by raisedAt; durations run to `now` while active. */
function listedAlarms(alarms: readonly Alarm[], now: number): ReportAlarm[] {
  const withDuration = alarms.map((a) => ({ ...a, durationMs: Math.max(0, (a.clearedAt ?? now) - a.raisedAt) }))
  const chosen = new Set<ReportAlarm>(withDuration.filter((a) => !a.acknowledged).slice(0, UNACKNOWLEDGED_LISTED))
  for (const a of [...withDuration].sort((x, y) => y.durationMs - x.durationMs || x.id - y.id).slice(0, LONGEST_ALARMS)) chosen.add(a)
  return [...chosen].sort((x, y) => x.raisedAt - y.raisedAt || x.id - y.id)
}

type ReportPeriodicTest = ReportSite['periodicTests'][number]

/** The site's overdue recurring tests: never done first, then the most overdue. */
function overdueTests(tests: SiteTests | undefined): ReportPeriodicTest[] {
  const overdue = (tests?.devices ?? []).flatMap((d) => d.tests.filter((t) => t.state === 'overdue').map((t): ReportPeriodicTest => ({
    gatewayId: d.gatewayId, device: d.device, profile: d.profile, ...(d.location !== undefined && { location: d.location }), ...(d.system !== undefined && { system: d.system }),
    test: t.test, ...(t.dueOn !== undefined && { dueOn: t.dueOn }), ...(t.daysLeft !== undefined && { daysOverdue: -t.daysLeft }),
    ...(t.lastOn !== undefined && { lastOn: t.lastOn }), ...(t.lastFrom !== undefined && { lastFrom: t.lastFrom }), ...(t.runId !== undefined && { runId: t.runId }),
    periodDays: t.periodDays, source: t.source,
  })))
  const late = (t: ReportPeriodicTest) => t.daysOverdue ?? Number.POSITIVE_INFINITY
  return overdue.sort((a, b) => late(b) - late(a))
}

function siteReport(site: MonthlySite, facts: MonthlyFacts, compliance: readonly ComplianceRow[], window: MonthWindow, now: number, tests: SiteTests | undefined): ReportSite {
  const alarms = facts.alarms.filter((a) => a.siteId === site.id)
  const interlockActions = facts.interlockActions.filter((i) => i.siteId === site.id)
  const gateways = facts.gateways.filter((g) => g.siteId === site.id).map((g) => gatewayOffline(g, window))
  const calibrations = facts.calibrations.filter((c) => c.siteId === site.id).map(({ siteId: _site, ...c }) => {
    const daysOverdue = daysBetween(c.calibrationDue, window.calibrationDay)
    return { ...c, daysOverdue, overdue: daysOverdue > 0 }
  })
  const rows = compliance.filter((r) => r.siteId === site.id).map((r) => ({
    system: r.system, clause: r.clause, deadline: r.deadline, installedOn: r.installedOn, verified: r.verified, coverage: r.coverage,
    status: r.status, daysOverdue: r.daysOverdue, daysLeft: r.daysLeft, sanction: r.sanction,
  }))
  const periodicTests = overdueTests(tests)
  const listed = listedAlarms(alarms, now)
  const failures = interlockActions.filter((i) => i.state === 'failed')
  const trips = interlockActions.filter((i) => i.state === 'tripped')
  const shownFailures = failures.slice(0, INTERLOCK_ACTIONS_LISTED)
  const listedActions = new Set([...shownFailures, ...trips.slice(0, INTERLOCK_ACTIONS_LISTED - shownFailures.length)])
  return {
    ...site,
    counts: {
      alarms: alarms.length,
      unacknowledgedAlarms: alarms.filter((a) => !a.acknowledged).length,
      trips: trips.length,
      interlockFailures: failures.length,
      offlineHours: gateways.reduce((sum, g) => sum + g.offlineHours, 0),
      calibrationsOverdue: calibrations.filter((c) => c.overdue).length,
      testsOverdue: periodicTests.length,
      complianceMissed: rows.filter((r) => r.status === 'late' || r.status === 'overdue').length,
    },
    alarmsByKind: countBy(alarms, (a) => a.kind, 'kind'),
    alarmsByLevel: countBy(alarms, (a) => a.level, 'level'),
    alarms: listed,
    alarmsNotListed: alarms.length - listed.length,
    interlockActions: interlockActions.filter((i) => listedActions.has(i)),
    interlockActionsNotListed: trips.length + failures.length - listedActions.size,
    gateways, calibrations, compliance: rows, periodicTests,
  }
}

/** The worst items of the month, most severe kind first (RISK_ITEM_KINDS order), then the largest amount. */
function worstItems(sites: readonly ReportSite[], now: number): Worst[] {
  const items: Worst[] = []
  for (const site of sites) {
    for (const r of site.compliance) {
      if (r.status === 'overdue' || r.status === 'late') items.push({ kind: `compliance-${r.status}`, siteId: site.id, subject: r.system, amount: r.daysOverdue ?? 0 })
    }
    const failures = new Map<string, number>()
    for (const i of site.interlockActions) if (i.state === 'failed') failures.set(i.interlock, (failures.get(i.interlock) ?? 0) + 1)
    for (const [interlock, count] of failures) items.push({ kind: 'interlock-failed', siteId: site.id, subject: interlock, amount: count })
    for (const a of site.alarms) {
      if (!a.acknowledged) items.push({ kind: 'unacknowledged-alarm', siteId: site.id, subject: `${a.device}/${a.channel}`, amount: Math.round((now - a.raisedAt) / HOUR_MS * 10) / 10 })
    }
    for (const g of site.gateways) if (g.offlineHours > 0) items.push({ kind: 'offline', siteId: site.id, subject: g.id, amount: g.offlineHours })
    for (const c of site.calibrations) if (c.overdue) items.push({ kind: 'calibration-overdue', siteId: site.id, subject: `${c.gatewayId}/${c.device}`, amount: c.daysOverdue })
    for (const t of site.periodicTests) items.push({ kind: 'test-overdue', siteId: site.id, subject: `${t.gatewayId}/${t.device} ${t.test}`, amount: t.daysOverdue ?? 0 })
  }
  const rank = (kind: Worst['kind']) => RISK_ITEM_KINDS.indexOf(kind)
  const order = (a: Worst, b: Worst) => rank(a.kind) - rank(b.kind) || b.amount - a.amount || a.siteId.localeCompare(b.siteId) || a.subject.localeCompare(b.subject)
  items.sort(order)
  // at most WORST_PER_KIND of a kind first, so one kind does not crowd out the others; then the rest in order
  const perKind = new Map<string, number>()
  const first = new Set(items.filter((w) => {
    const seen = perKind.get(w.kind) ?? 0
    perKind.set(w.kind, seen + 1)
    return seen < WORST_PER_KIND
  }))
  const rest = items.filter((w) => !first.has(w))
  return [...first, ...rest].slice(0, WORST_ITEMS).sort(order)
}

function sumCounts(counts: readonly RiskCounts[]): RiskCounts {
  const total = { ...ZERO }
  for (const c of counts) for (const key of Object.keys(total) as (keyof RiskCounts)[]) total[key] += c[key]
  return total
}

/**
 * The monthly risk report of one enterprise, pure: a function of the store's facts for the month, the
 * compliance rows as of `window.asOf`, the window, the generation time and the sites' recurring tests on `window.asOf`.
 */
export function composeMonthlyReport(facts: MonthlyFacts, compliance: readonly ComplianceRow[], window: MonthWindow, now: number, tests: readonly SiteTests[] = []): MonthlyReport {
  const testsOf = new Map(tests.map((t) => [t.site.id, t]))
  const sites = facts.sites.map((site) => siteReport(site, facts, compliance, window, now, testsOf.get(site.id)))
  return {
    enterprise: facts.enterprise, month: window.month, from: window.from, to: window.to, current: window.current, hours: window.hours,
    asOf: window.asOf, generatedAt: now, totals: sumCounts(sites.map((s) => s.counts)), worst: worstItems(sites, now), sites,
  }
}
