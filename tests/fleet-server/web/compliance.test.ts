import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../../support/chromium.ts'
import { freePort } from '../../support/ports.ts'
import { fixturePage, startTestServer, WEB_ROOT, type TestServer } from './test-server.ts'
import { PASSWORD, USER } from './fixtures.ts'
import { complianceRows, complianceSummary, DEFAULT_AS_OF } from './compliance-fixtures.ts'

/**
 * The compliance views (#/compliance, #/compliance/site/{id}) in Debian's chromium against the
 * fixture API (compliance-fixtures.ts): counts by site type and jurisdiction, the sites that missed
 * the deadline with the sanction, the due-soon list, the filters and the CSV link, a site's evidence
 * with its coverage charts, the English UI, and the monthly report links on the site page.
 */

const load = (file: string): Promise<any> => import(pathToFileURL(join(WEB_ROOT, file)).href)

let server: TestServer
let browser: Browser
let page: Page
const pageErrors: string[] = []

beforeAll(async () => {
  server = await startTestServer(await freePort())
  browser = await launchChromium()
  page = await fixturePage(browser, pageErrors)
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

const overdueRow = (siteId: string) => page.locator(`[data-testid="overdue-row"][data-site-id="${siteId}"]`)
const cell = (table: string, group: string, status: string) =>
  page.locator(`[data-testid="${table}"] tr[data-group="${group}"] td[data-status="${status}"]`)

describe('compliance views in chromium', () => {
  it('shows the compliance link in the header and the counts by site type and jurisdiction', async () => {
    await page.goto(server.url)
    await page.getByLabel('用户名').fill(USER.name)
    await page.getByLabel('密码').fill(PASSWORD)
    await page.getByRole('button', { name: '登录' }).click()
    await page.getByTestId('site-row').first().waitFor()
    const nav = page.getByRole('navigation', { name: '主导航' })
    expect(await nav.getByRole('link').allTextContents()).toEqual(['站点总览', '合规'])
    await nav.getByRole('link', { name: '合规' }).click()
    await page.getByTestId('compliance-counts').waitFor()
    expect(await page.getByTestId('nav-compliance').getAttribute('aria-current')).toBe('page')
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toMatch(new RegExp(`^安全系统安装合规情况 ?（截至 ${DEFAULT_AS_OF}）$`))

    // headers: the statuses in Chinese, worst first
    expect(await page.locator('[data-testid="counts-by-type"] thead th').allTextContents())
      .toEqual(['分组', '逾期未装', '逾期安装', '即将到期', '未到期', '按期安装'])
    // sites (systems): the coal mine counts as overdue once, with its two overdue systems
    expect(await cell('counts-by-type', 'coal-mine', 'overdue').textContent()).toBe('1 (2)')
    expect(await cell('counts-by-type', 'coal-mine', 'late').textContent()).toBe('0 (1)')
    expect(await cell('counts-by-type', 'coal-mine', 'compliant').textContent()).toBe('0 (3)')
    expect(await cell('counts-by-type', 'tailings-pond', 'late').textContent()).toBe('1 (1)')
    expect(await page.locator('[data-testid="counts-by-type"] tr[data-group="hazmat-fleet"] th').textContent()).toBe('危化品运输')
    expect(await cell('counts-by-type', '*', 'compliant').textContent()).toBe('1 (6)')
    expect(await cell('counts-by-jurisdiction', '乐港镇', 'due-soon').textContent()).toBe('1 (1)')
    expect(await cell('counts-by-jurisdiction', '*', 'overdue').textContent()).toBe('1 (2)')
    expect(server.requests).toContain('GET /api/compliance/summary')
  })

  it('lists the sites that missed the deadline, worst first, with days overdue, the systems and the sanction', async () => {
    const rows = page.getByTestId('overdue-row')
    expect(await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.siteId))).toEqual(['ys-coal-1', 'zb-tailings-1'])
    const coal = overdueRow('ys-coal-1')
    expect(await coal.getAttribute('data-status')).toBe('overdue')
    expect(await coal.getByTestId('days-overdue').textContent()).toBe('4715 天')
    expect(await coal.getByTestId('missed-system').evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.system)))
      .toEqual(['emergency-refuge', 'compressed-air-rescue', 'water-supply-rescue'])
    expect(await coal.textContent()).toContain('紧急避险系统 — 未安装，期限 2014-01-01，已逾期 4715 天')
    expect(await coal.textContent()).toContain('供水施救系统 — 2014-05-01 安装，晚于期限 120 天')
    expect(await coal.getByTestId('sanction').textContent()).toBe('逾期未安装的，依法暂扣安全生产许可证、生产许可证')
    expect(await overdueRow('zb-tailings-1').getByTestId('sanction').textContent()).toBe('规划未规定处罚')
    expect(await overdueRow('zb-tailings-1').textContent()).toContain('逾期安装')

    const due = page.getByTestId('due-soon-row')
    expect(await due.count()).toBe(1)
    expect(await due.getAttribute('data-site-id')).toBe('lg-petrol-1')
    expect(await due.getByTestId('days-left').textContent()).toBe('45 天')
    expect(await due.textContent()).toContain('阻隔防爆')
    expect(await due.textContent()).toContain('2027-01-13')
  })

  it('filters by date and site type, and the CSV link carries the same filters', async () => {
    const csv = page.getByTestId('csv-link')
    expect(await csv.getAttribute('href')).toBe(`/api/compliance.csv?asOf=${DEFAULT_AS_OF}`)
    expect(await csv.getAttribute('download')).toBe(`compliance-${DEFAULT_AS_OF}.csv`)
    // sites with recurring tests overdue or due soon, linked to their site page
    const testSites = () => page.getByTestId('tests-overdue-site').evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-site-id')}:${r.textContent}`))
    expect(await testSites()).toEqual(['ys-coal-1:涌山煤矿 煤矿 · 涌山镇20', 'lg-petrol-1:乐港加油站 加油站 · 乐港镇01'])
    expect(await page.locator('#tests-overdue-heading').textContent()).toBe('定期测试逾期的场所（1）')
    await page.getByLabel('截至日期').fill('2026-06-30')
    await page.getByLabel('类型').selectOption('coal-mine')
    await page.getByTestId('filters-apply').click()
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/compliance?asOf=2026-06-30&siteType=coal-mine')
    await expect.poll(() => page.getByTestId('compliance-view').getAttribute('data-as-of')).toBe('2026-06-30')
    expect(server.requests).toContain('GET /api/compliance?asOf=2026-06-30&siteType=coal-mine')
    expect(server.requests).toContain('GET /api/compliance/summary?asOf=2026-06-30')
    expect(await page.getByTestId('csv-link').getAttribute('href')).toBe('/api/compliance.csv?asOf=2026-06-30&siteType=coal-mine')
    expect(await page.getByTestId('overdue-row').count()).toBe(1)
    expect(await page.getByTestId('no-due-soon').textContent()).toBe('90 天内没有到期的站点')
    await expect.poll(testSites).toEqual(['ys-coal-1:涌山煤矿 煤矿 · 涌山镇20'])
    // the export itself, fetched with the page's session: a BOM, the header, one line per row
    const bytes = await page.evaluate(async (href) => [...new Uint8Array(await (await fetch(href!)).arrayBuffer())], await page.getByTestId('csv-link').getAttribute('href'))
    expect(bytes.slice(0, 3)).toEqual([0xef, 0xbb, 0xbf])
    const text = Buffer.from(bytes.slice(3)).toString('utf8')
    expect(text.trim().split('\r\n')).toHaveLength(1 + complianceRows().filter((r) => r.siteType === 'coal-mine').length)
    // a filter the live refresh does not undo (the view re-renders only when its data changes)
    await page.getByLabel('类型').selectOption('petrol-station')
    await page.getByTestId('filters-apply').focus()
    await page.waitForTimeout(2_500)
    expect(await page.getByLabel('类型').inputValue()).toBe('petrol-station')
  })

  it('opens a site\'s evidence from the keyboard: deadlines, installation, commissioning records, coverage charts', async () => {
    await page.goto(`${server.url}/#/compliance`)
    const link = overdueRow('ys-coal-1').getByTestId('evidence-link')
    await link.waitFor()
    expect(await link.getAttribute('aria-label')).toBe('涌山煤矿 的合规证据')
    await link.focus()
    await page.keyboard.press('Enter')
    const evidence = page.locator('[data-testid="evidence"][data-site-id="ys-coal-1"]')
    await evidence.waitFor()
    expect(await evidence.getAttribute('data-status')).toBe('overdue')
    const rows = page.getByTestId('evidence-row')
    expect(await rows.count()).toBe(6)
    const refuge = page.locator('[data-testid="evidence-row"][data-system="emergency-refuge"]')
    expect(await refuge.getByTestId('deadline').textContent()).toBe('2014-01-01')
    expect(await refuge.getByTestId('installed-on').textContent()).toBe('未安装')
    expect(await refuge.textContent()).toContain('逾期 4715 天')
    const monitoring = page.locator('[data-testid="evidence-row"][data-system="monitoring"]')
    expect(await monitoring.getByTestId('installed-on').textContent()).toBe('2012-05-01')
    expect(await monitoring.getByTestId('verified').textContent()).toBe('✓ 已验证')
    expect(await monitoring.getByTestId('coverage').textContent()).toBe('99.1 %')
    expect(await page.getByTestId('evidence-sanction').textContent()).toContain('暂扣安全生产许可证')

    const records = page.getByTestId('commissioning-row')
    expect(await records.count()).toBe(6)
    const refused = page.locator('[data-testid="commissioning-row"][data-accepted="false"][data-system="emergency-refuge"]')
    expect(await refused.textContent()).toContain('未通过验收')
    expect(await refused.textContent()).toContain('验收未通过：避难硐室供氧不足')
    // a regulator's rejection, with who and why; live-data corroboration per record
    const rejected = page.locator('[data-testid="commissioning-row"][data-state="rejected"][data-system="compressed-air-rescue"]')
    expect(await rejected.textContent()).toContain('已被驳回')
    expect(await rejected.getByTestId('rejection').textContent()).toContain('reg-ys 驳回：现场无压风自救装置')
    expect(await page.locator('[data-testid="commissioning-row"][data-system="monitoring"]').getByTestId('corroborated').textContent()).toBe('有数据佐证')
    expect(await page.locator('[data-testid="commissioning-row"][data-system="communication"]').getByTestId('corroborated').textContent()).toBe('无数据佐证')

    const charts = page.getByTestId('coverage-chart')
    expect(await charts.count()).toBe(6)
    const chart = page.locator('[data-testid="coverage-chart"][data-system="monitoring"]')
    expect(await chart.locator('rect').count()).toBe(30)
    expect(await chart.locator('rect.coverage-low').count()).toBe(1)
    expect(await chart.getByTestId('coverage-line').count()).toBe(1)
    expect(await chart.getAttribute('aria-label')).toBe('安全监控系统：30 天中有 29 天数据覆盖率达到 95 %')
    expect(server.requests).toContain('GET /api/compliance/sites/ys-coal-1?days=30')
    await page.screenshot({ path: 'test-results/compliance-fixture-evidence.png', fullPage: true })

    await page.getByTestId('back-link').click()
    await page.getByTestId('compliance-counts').waitFor()
  })

  it('speaks English: headings, statuses, systems and the English sanction', async () => {
    await page.getByTestId('lang-toggle').click()
    await expect.poll(() => page.getByRole('heading', { level: 2 }).textContent()).toContain(`Safety system compliance (as of ${DEFAULT_AS_OF})`)
    expect(await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link').allTextContents()).toEqual(['Fleet overview', 'Compliance'])
    expect(await page.locator('[data-testid="counts-by-type"] thead th').allTextContents())
      .toEqual(['Group', 'Overdue', 'Installed late', 'Due soon', 'On track', 'Compliant'])
    const coal = overdueRow('ys-coal-1')
    expect(await coal.getByTestId('days-overdue').textContent()).toBe('4715 days')
    expect(await coal.textContent()).toContain('Emergency refuge — not installed, due 2014-01-01, 4715 days overdue')
    expect(await coal.getByTestId('sanction').textContent()).toBe('If not installed in time, the safety production licence and the production licence are suspended according to law.')
    expect(await overdueRow('zb-tailings-1').getByTestId('sanction').textContent()).toBe('The plan names no sanction')
    expect(await page.getByTestId('csv-link').textContent()).toContain('Export CSV')
    await page.screenshot({ path: 'test-results/compliance-fixture-en.png', fullPage: true })

    await overdueRow('ys-coal-1').getByTestId('evidence-link').click()
    await page.getByTestId('evidence').waitFor()
    expect(await page.getByRole('heading', { name: 'Commissioning records' }).count()).toBe(1)
    expect(await page.locator('[data-testid="coverage-chart"][data-system="monitoring"]').getAttribute('aria-label'))
      .toBe('Gas and environment monitoring: 29 of 30 days with at least 95 % data coverage')
    await page.getByTestId('lang-toggle').click()
  })

  it('links the site page to the enterprise\'s monthly risk reports and the compliance evidence', async () => {
    await page.goto(`${server.url}/#/site/ys-coal-1`)
    await page.getByTestId('site-view').waitFor()
    const links = page.getByTestId('report-link')
    expect(await links.count()).toBe(2)
    const months = await links.evaluateAll((as) => as.map((a) => (a as HTMLElement).dataset.month!))
    for (const [i, month] of months.entries()) {
      expect(month).toMatch(/^\d{4}-\d{2}$/)
      expect(await links.nth(i).getAttribute('href')).toBe(`/api/reports/monthly?enterpriseId=ent-ys&month=${month}`)
    }
    expect(months[0]! < months[1]!).toBe(true)
    await page.getByTestId('compliance-link').click()
    await page.locator('[data-testid="evidence"][data-site-id="ys-coal-1"]').waitFor()
    expect(pageErrors).toEqual([])
    expect(server.schemaErrors).toEqual([])
  })
})

describe('compliance view helpers', () => {
  it('counts sites by their worst row exactly as the server summary does', async () => {
    const { summarise } = await load('views/compliance.js')
    const rows = complianceRows()
    const mine = summarise(rows, DEFAULT_AS_OF)
    const server = complianceSummary(rows, DEFAULT_AS_OF)
    expect(mine.total).toEqual(server.total)
    expect(mine.byJurisdiction).toEqual(server.byJurisdiction)
    for (const [type, counts] of Object.entries(mine.bySiteType)) expect(counts).toEqual(server.bySiteType[type])
  })

  it('draws one bar per day and the 95 % line', async () => {
    const { coverageBars, HEIGHT } = await load('views/coverage-chart.js')
    const { bars, line, okDays } = coverageBars([{ day: '2026-11-27', coverage: 1 }, { day: '2026-11-28', coverage: 0.5 }, { day: '2026-11-29', coverage: 0 }])
    expect(bars).toHaveLength(3)
    expect(okDays).toBe(1)
    expect(bars.map((b: { ok: boolean }) => b.ok)).toEqual([true, false, false])
    expect(bars[2].height).toBe(0)
    expect(bars[0].y).toBeLessThan(line)
    expect(line).toBeGreaterThan(0)
    expect(line).toBeLessThan(HEIGHT / 4)
  })
})
