/**
 * Acceptance (issue 7), end to end in Debian's chromium: the regulator's question "which sites have not
 * installed the required safety systems in time", answered by the demo exactly as `npm start` runs it
 * (free ports, a temporary data folder; seeds/demo-fleet.yaml gives the sites their rule start dates
 * and commissioning records).
 *
 * - the city regulator opens 合规 and sees the counts by site type and jurisdiction the server's
 *   summary gives, the overdue site the seed defines (镇桥煤矿) with its days overdue and the licence
 *   sanction, the late site and the due-soon site;
 * - it opens 镇桥煤矿's evidence: deadlines, the commissioning records (one not accepted), a coverage
 *   chart per required system with the 95 % line;
 * - it downloads the CSV export through the page; the file has a BOM and the header line, and its
 *   rows equal GET /api/compliance fetched with the same session and filters;
 * - screenshots: test-results/compliance-*.png.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { ComplianceRow, ComplianceSummary } from '../../../fleet-server/src/api/index.ts'
import { COMPLIANCE_CSV_COLUMNS } from '../../../fleet-server/src/compliance/report.ts'
import { startDemoInBrowser, type DemoInBrowser } from './demo.ts'

/** the seed's overdue mine (rules from 2012-07-01, four systems never installed), its late mine and its due-soon pond */
const OVERDUE = 'leping-zhenqiao-coal'
const LATE = 'leping-legang-limestone'
const DUE_SOON = 'leping-zhongbu-tailings'

const downloads = mkdtempSync(join(tmpdir(), 'regulator-browser-'))
let demo: DemoInBrowser
let url: string
let fleet: DemoInBrowser['fleet']
let page: Page

beforeAll(async () => {
  demo = await startDemoInBrowser('regulator-browser')
  ;({ url, fleet } = demo)
  page = await demo.signIn('regulator', { acceptDownloads: true })
}, 90_000)

afterAll(async () => {
  await demo?.stop()
  rmSync(downloads, { recursive: true, force: true })
}, 30_000)

async function api<T>(path: string): Promise<T> {
  return page.evaluate(async (p) => {
    const res = await fetch(p, { credentials: 'same-origin' })
    if (!res.ok) throw new Error(`${p}: HTTP ${res.status}`)
    return res.json()
  }, path) as Promise<T>
}

/** RFC 4180: quoted fields may hold commas, doubled quotes and line breaks; records end with CRLF. */
function parseCsv(text: string): string[][] {
  const records: string[][] = []
  let record: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++ } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') { record.push(field); field = '' }
    else if (c === '\r' && text[i + 1] === '\n') { record.push(field); records.push(record); record = []; field = ''; i++ }
    else field += c
  }
  if (field !== '' || record.length > 0) { record.push(field); records.push(record) }
  return records
}

/** The CSV's columns that come from the JSON row (then come the commissioning record's: what stands behind installedOn). */
const ROW_COLUMNS = COMPLIANCE_CSV_COLUMNS.slice(0, COMPLIANCE_CSV_COLUMNS.indexOf('sanctionEn') + 1)

/** A report row as the CSV writes it: null as an empty field, the sanction in its two columns. */
function csvRecord(row: ComplianceRow): string[] {
  const values: Record<string, unknown> = { ...row, sanctionZh: row.sanction?.zh ?? null, sanctionEn: row.sanction?.en ?? null }
  return ROW_COLUMNS.map((column) => (values[column] === null || values[column] === undefined ? '' : String(values[column])))
}

it('the regulator sees the counts by status, the sites that missed the deadline with the sanction, and the due-soon sites', async () => {
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '合规' }).click()
  await page.getByTestId('compliance-counts').waitFor({ timeout: 30_000 })
  const summary = await api<ComplianceSummary>('/api/compliance/summary')
  const rows = await api<ComplianceRow[]>(`/api/compliance?asOf=${summary.asOf}`)
  expect(await page.getByTestId('compliance-view').getAttribute('data-as-of')).toBe(summary.asOf)

  // the seed's statuses, as the server computes them
  const sitesWith = (status: string) => [...new Set(rows.filter((r) => r.status === status).map((r) => r.siteId))].sort()
  expect(sitesWith('overdue')).toEqual([OVERDUE])
  expect(sitesWith('late')).toEqual([LATE, OVERDUE].sort())
  expect(sitesWith('due-soon')).toEqual([DUE_SOON])
  expect(sitesWith('compliant').length).toBeGreaterThanOrEqual(3)

  // every count cell equals the server's summary: sites (systems)
  for (const [table, groups] of [['counts-by-type', summary.bySiteType], ['counts-by-jurisdiction', summary.byJurisdiction]] as const) {
    for (const [group, counts] of [...Object.entries(groups), ['*', summary.total] as const]) {
      for (const status of ['overdue', 'late', 'due-soon', 'on-track', 'compliant'] as const) {
        const cell = page.locator(`[data-testid="${table}"] tr[data-group="${group}"] td[data-status="${status}"]`)
        expect(await cell.textContent(), `${table} ${group} ${status}`).toBe(`${counts.sites[status]} (${counts.systems[status]})`)
      }
    }
  }
  expect(summary.bySiteType['coal-mine']!.sites.overdue).toBe(1)

  // the sites that missed the deadline: the overdue mine first, with the licence sanction of the mine rule
  const missed = page.getByTestId('overdue-row')
  expect(await missed.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.siteId))).toEqual([OVERDUE, LATE])
  const overdue = page.locator(`[data-testid="overdue-row"][data-site-id="${OVERDUE}"]`)
  const overdueRows = rows.filter((r) => r.siteId === OVERDUE && (r.status === 'overdue' || r.status === 'late'))
  expect(await overdue.getAttribute('data-status')).toBe('overdue')
  expect(await overdue.getByTestId('days-overdue').textContent()).toBe(`${Math.max(...overdueRows.map((r) => r.daysOverdue!))} 天`)
  expect(await overdue.getByTestId('missed-system').evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.system)))
    .toEqual(overdueRows.map((r) => r.system))
  expect(overdueRows.map((r) => r.system)).toEqual(expect.arrayContaining(['emergency-refuge', 'compressed-air-rescue', 'water-supply-rescue', 'communication']))
  expect(await overdue.textContent()).toContain('镇桥煤矿')
  expect(await overdue.textContent()).toContain('紧急避险系统 — 未安装，期限 2015-07-01')
  expect(await overdue.getByTestId('sanction').textContent()).toBe(overdueRows[0]!.sanction!.zh)
  expect(overdueRows[0]!.sanction!.zh).toContain('暂扣安全生产许可证')
  expect(await page.locator(`[data-testid="overdue-row"][data-site-id="${LATE}"]`).getAttribute('data-status')).toBe('late')

  const due = page.locator(`[data-testid="due-soon-row"][data-site-id="${DUE_SOON}"]`)
  const dueRows = rows.filter((r) => r.siteId === DUE_SOON && r.status === 'due-soon')
  expect(await due.getByTestId('days-left').textContent()).toBe(`${Math.min(...dueRows.map((r) => r.daysLeft!))} 天`)
  await page.screenshot({ path: 'test-results/compliance-overview.png', fullPage: true })
}, 90_000)

it('opens the overdue site\'s evidence: deadlines, commissioning records and a coverage chart per system', async () => {
  await page.locator(`[data-testid="overdue-row"][data-site-id="${OVERDUE}"]`).getByTestId('evidence-link').click()
  const evidence = page.locator(`[data-testid="evidence"][data-site-id="${OVERDUE}"]`)
  await evidence.waitFor({ timeout: 30_000 })
  expect(await evidence.getAttribute('data-status')).toBe('overdue')
  const seedSite = fleet.sites.find((s) => s.id === OVERDUE)!
  const systems = await page.getByTestId('evidence-row').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.system))
  expect(systems).toHaveLength(6)
  for (const system of systems) {
    const row = page.locator(`[data-testid="evidence-row"][data-system="${system}"]`)
    expect(await row.getByTestId('deadline').textContent()).toBe('2015-07-01')
  }
  expect(await page.locator('[data-testid="evidence-row"][data-system="personnel-positioning"]').getByTestId('installed-on').textContent()).toBe('2016-03-15')
  expect(await page.locator('[data-testid="evidence-row"][data-system="emergency-refuge"]').getByTestId('installed-on').textContent()).toBe('未安装')
  expect(await page.getByTestId('evidence-sanction').textContent()).toContain('暂扣安全生产许可证')

  // the seed's records, entered by hand (the demo's commissioning run at start may add a tested one beside them)
  const records = page.locator('[data-testid="commissioning-row"][data-evidence="entered"]')
  expect(await records.count()).toBe(seedSite.commissioning!.length)
  expect(await page.locator('[data-testid="commissioning-row"][data-accepted="false"]').textContent()).toContain('未通过验收')

  const charts = page.getByTestId('coverage-chart')
  expect(await charts.count()).toBe(systems.length)
  for (const chart of await charts.all()) {
    expect(await chart.locator('rect').count()).toBe(30)
    expect(await chart.getByTestId('coverage-line').count()).toBe(1)
    expect(await chart.getAttribute('aria-label')).toMatch(/：30 天中有 \d+ 天数据覆盖率达到 95 %$/u)
  }
  await page.screenshot({ path: 'test-results/compliance-evidence.png', fullPage: true })
  await page.getByTestId('back-link').click()
  await page.getByTestId('compliance-counts').waitFor({ timeout: 30_000 })
}, 60_000)

it('downloads the CSV export through the page: BOM, header line, and the rows of GET /api/compliance', async () => {
  const link = page.getByTestId('csv-link')
  const href = (await link.getAttribute('href'))!
  expect(href).toMatch(/^\/api\/compliance\.csv\?asOf=\d{4}-\d{2}-\d{2}$/u)
  const jsonPath = `/api/compliance${new URL(href, url).search}`

  // coverage is live (the report is recomputed at most every 60 s): compare a download with the JSON
  // fetched right before and after it, when those two agree
  let compared = false
  for (let attempt = 0; attempt < 3 && !compared; attempt++) {
    const before = await api<ComplianceRow[]>(jsonPath)
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
    expect(download.suggestedFilename()).toMatch(/^compliance-\d{4}-\d{2}-\d{2}\.csv$/u)
    const file = join(downloads, `download-${attempt}.csv`)
    await download.saveAs(file)
    const after = await api<ComplianceRow[]>(jsonPath)
    const bytes = readFileSync(file)
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const records = parseCsv(bytes.subarray(3).toString('utf8'))
    expect(records[0]).toEqual([...COMPLIANCE_CSV_COLUMNS])
    if (JSON.stringify(before) !== JSON.stringify(after)) continue
    expect(records.slice(1).map((r) => r.slice(0, ROW_COLUMNS.length))).toEqual(before.map(csvRecord))
    expect(records.length - 1).toBe(before.length)
    // a row with an installation names the record behind it and who entered it; one without, none
    const column = (name: (typeof COMPLIANCE_CSV_COLUMNS)[number]) => COMPLIANCE_CSV_COLUMNS.indexOf(name)
    for (const r of records.slice(1)) {
      const installed = r[column('installedOn')] !== ''
      expect([r[column('installedRecordId')] !== '', r[column('installedBy')] !== '', r[column('corroborated')] !== ''], r.join(',')).toEqual([installed, installed, installed])
    }
    // quoted fields survive: the English sanction of the mine rule holds commas
    const sanctionEn = before.find((r) => r.sanction)!.sanction!.en
    expect(sanctionEn).toContain(',')
    expect(records.slice(1).some((r) => r[column('sanctionEn')] === sanctionEn)).toBe(true)
    compared = true
  }
  expect(compared).toBe(true)
  await page.screenshot({ path: 'test-results/compliance-csv.png' })
  expect(demo.pageErrors).toEqual([])
}, 90_000)
