import type { Catalog } from '../compliance/catalog-schema.ts'
import { complianceReport } from '../compliance/report.ts'
import type { MonthlyReport, Scope } from '../model/index.ts'
import type { FleetStore } from '../store/types.ts'
import { composeMonthlyReport } from './compose.ts'
import { monthWindow } from './month.ts'
import { shanghaiDay } from '../../../protocols/calendar/index.ts'

export { composeMonthlyReport } from './compose.ts'
export { FIRST_REPORT_MONTH, MonthError, monthWindow } from './month.ts'
export { gatewayOffline } from './offline.ts'
export { MONTHLY_REPORT_CSP, renderMonthlyHtml } from './render-html.ts'

/**
 * The monthly risk report of an enterprise as the scope sees it (only its sites inside the scope);
 * undefined when the scope sees none of it. Throws MonthError for a malformed or future month.
 */
export function monthlyReport(store: FleetStore, catalog: Catalog, scope: Scope, query: { enterpriseId: string; month: string; now: number }): MonthlyReport | undefined {
  const window = monthWindow(query.month, query.now)
  const facts = store.monthlyFacts({
    scope, enterpriseId: query.enterpriseId, from: window.from, to: window.to, calibrationDueBefore: shanghaiDay(window.monthEnd),
  })
  if (!facts) return undefined
  // the enterprise's own scope narrows the work; the sites the caller sees (facts.sites) filter the rows
  const visible = new Set(facts.sites.map((s) => s.id))
  const rows = facts.sites.length === 0 ? [] : complianceReport(store, catalog, { role: 'enterprise', enterpriseId: query.enterpriseId }, { asOf: window.asOf })
    .filter((r) => visible.has(r.siteId))
  const tests = facts.sites.length === 0 ? [] : store.periodicTests(scope, window.asOf, facts.sites.map((s) => s.id))
  return composeMonthlyReport(facts, rows, window, query.now, tests)
}
