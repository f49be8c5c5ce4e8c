import type { PeriodicTestsSummary, SiteTestCounts, SiteTests } from '../model/index.ts'

/** The regulator's count of recurring tests: sites with an overdue or due-soon test, most overdue first (then by id). */
export function periodicTestsSummary(sites: readonly SiteTests[]): PeriodicTestsSummary {
  const counted: SiteTestCounts[] = []
  for (const { site, devices } of sites) {
    const states = devices.flatMap((d) => d.tests.map((t) => t.state))
    const overdue = states.filter((s) => s === 'overdue').length
    const dueSoon = states.filter((s) => s === 'due-soon').length
    if (overdue + dueSoon > 0) counted.push({ siteId: site.id, siteName: site.name, siteType: site.type, jurisdiction: site.jurisdiction, overdue, dueSoon })
  }
  counted.sort((a, b) => b.overdue - a.overdue || b.dueSoon - a.dueSoon || a.siteId.localeCompare(b.siteId))
  return {
    sitesOverdue: counted.filter((s) => s.overdue > 0).length,
    testsOverdue: counted.reduce((sum, s) => sum + s.overdue, 0),
    sites: counted,
  }
}
