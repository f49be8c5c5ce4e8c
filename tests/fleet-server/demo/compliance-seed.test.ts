import { describe, expect, it } from 'vitest'
import type { ComplianceRow } from '../../../fleet-server/src/api/index.ts'
import { complianceReport, loadCatalog } from '../../../fleet-server/src/compliance/index.ts'
import { seedStore } from '../../../fleet-server/src/demo/seed-store.ts'
import { defaultSeedFile, loadDemoFleet, parseDemoFleet } from '../../../fleet-server/src/demo/seed.ts'
import { openSqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import { formatProblem } from '../../../protocols/validation/index.ts'
import { readFileSync } from 'node:fs'

// The demo's regulator view (`npm start`, 合规): seeds/demo-fleet.yaml gives the sites their rule start
// dates and commissioning records so that the report has a site of every kind the regulator acts on.
// Relative dates (rulesFromDaysAgo, daysAgo) count back from the day the demo starts, so the statuses
// hold whatever day the demo runs.

const fleet = loadDemoFleet(defaultSeedFile())

async function reportOn(today: string): Promise<ComplianceRow[]> {
  const store = openSqliteStore(':memory:')
  try {
    await seedStore(store, fleet, { today, now: Date.parse(`${today}T02:00:00Z`) })
    return complianceReport(store, loadCatalog(), { role: 'admin' }, { asOf: today })
  } finally {
    store.close()
  }
}

const worst = (rows: ComplianceRow[]) => {
  const order = ['overdue', 'late', 'due-soon', 'on-track', 'compliant']
  const sites = new Map<string, string>()
  for (const r of rows) {
    const prev = sites.get(r.siteId)
    if (prev === undefined || order.indexOf(r.status) < order.indexOf(prev)) sites.set(r.siteId, r.status)
  }
  return Object.fromEntries([...sites].sort())
}

describe('the demo compliance report', () => {
  for (const today of ['2026-11-30', '2028-02-29', '2031-06-15']) {
    it(`has an overdue, a late, a due-soon, on-track and compliant sites on ${today}`, async () => {
      const rows = await reportOn(today)
      expect(worst(rows)).toEqual({
        'leping-jiedu-hazmat-depot': 'on-track',
        'leping-legang-limestone': 'late',
        'leping-legang-station': 'on-track',
        'leping-tashan-fine-chemicals': 'compliant',
        'leping-tashan-station': 'compliant',
        'leping-yongshan-coal': 'compliant',
        'leping-zhenqiao-coal': 'overdue',
        'leping-zhongbu-tailings': 'due-soon',
      })
      const overdue = rows.filter((r) => r.status === 'overdue')
      expect(overdue.map((r) => r.system)).toEqual(['emergency-refuge', 'compressed-air-rescue', 'water-supply-rescue', 'communication'])
      expect(overdue.every((r) => r.deadline === '2015-07-01' && r.sanction?.zh.includes('暂扣安全生产许可证'))).toBe(true)
      const due = rows.filter((r) => r.status === 'due-soon')
      expect(due.every((r) => r.daysLeft! > 30 && r.daysLeft! <= 90)).toBe(true)
    })
  }

  it('stores the commissioning records, the refused refuge chamber not accepted', async () => {
    const store = openSqliteStore(':memory:')
    await seedStore(store, fleet, { today: '2026-11-30' })
    const records = store.commissioningOf('leping-zhenqiao-coal')
    expect(records.map((r) => [r.system, r.commissionedOn, r.accepted])).toEqual([
      ['monitoring', '2014-11-20', true], ['emergency-refuge', '2015-05-06', false], ['personnel-positioning', '2016-03-15', true],
    ])
    expect(store.commissioningOf('leping-zhongbu-tailings').map((r) => r.commissionedOn)).toEqual(['2024-01-25', '2024-12-30'])
    store.close()
  })

  it('reports a start date given twice and a record without a date', () => {
    const text = readFileSync(defaultSeedFile(), 'utf8')
      .replace('    rulesFromDaysAgo: 200\n', '    rulesFromDaysAgo: 200\n    rulesFrom: 2025-02-30\n')
      .replace('{ system: monitoring, daysAgo: 700 }', '{ system: monitoring }')
    const problems = parseDemoFleet('demo-fleet.yaml', text).problems.map(formatProblem)
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/sites\[7\]\.rulesFromDaysAgo: give rulesFrom or rulesFromDaysAgo, not both$/u),
      expect.stringMatching(/sites\[7\]\.rulesFrom: 2025-02-30 is not a day of the calendar \(February 2025 has 28 days\)$/u),
      expect.stringMatching(/sites\[3\]\.commissioning\[1\]: give commissionedOn or daysAgo \(exactly one\)$/u),
    ]))
    expect(problems).toHaveLength(3)
  })
})
