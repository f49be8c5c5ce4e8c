import { COMPLIANCE_STATES, SITE_TYPES, type ComplianceCounts, type ComplianceSummary, type Scope } from '../model/index.ts'
import { scopedSites, type FleetReport } from './fleet-report.ts'

const zeroCounts = (): ComplianceCounts => ({
  systems: Object.fromEntries(COMPLIANCE_STATES.map((s) => [s, 0])) as ComplianceCounts['systems'],
  sites: Object.fromEntries(COMPLIANCE_STATES.map((s) => [s, 0])) as ComplianceCounts['sites'],
})

/**
 * The regulator's overview: (site, required system) rows by status, and sites counted once by their
 * worst row — in total, by site type (every type) and by jurisdiction (those in scope with a duty).
 */
export function complianceSummary(report: FleetReport, scope: Scope): ComplianceSummary {
  const scopeKey = JSON.stringify(scope)
  const cached = report.summaries.get(scopeKey)
  if (cached) return cached
  const total = zeroCounts()
  const bySiteType: Record<string, ComplianceCounts> = Object.fromEntries(SITE_TYPES.map((t) => [t, zeroCounts()]))
  const byJurisdiction: Record<string, ComplianceCounts> = {}
  for (const { site, rows, worst } of scopedSites(report, scope)) {
    if (worst === undefined) continue
    const type = (bySiteType[site.type] ??= zeroCounts())
    const place = (byJurisdiction[site.jurisdiction] ??= zeroCounts())
    for (const row of rows) {
      total.systems[row.status]++
      type.systems[row.status]++
      place.systems[row.status]++
    }
    total.sites[worst]++
    type.sites[worst]++
    place.sites[worst]++
  }
  const summary: ComplianceSummary = { asOf: report.asOf, total, bySiteType, byJurisdiction }
  report.summaries.set(scopeKey, summary)
  return summary
}
