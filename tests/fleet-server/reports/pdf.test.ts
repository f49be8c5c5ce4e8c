import type { Browser } from 'playwright-core'
import { launchChromium } from '../../support/chromium.ts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MonthlyReport } from '../../../fleet-server/src/api/index.ts'
import { SESSION_COOKIE } from '../../../fleet-server/src/defaults.ts'
import { fixture, PASSWORD, type Fixture } from '../api/fixture.ts'

/**
 * The monthly report printed to PDF in Debian's chromium, signed in with the session cookie the
 * dashboard uses: at least one page for the summary and one per site.
 */


let f: Fixture
let browser: Browser
let base: string

beforeAll(async () => {
  f = await fixture()
  // a fourth site, so the page count is not a coincidence of the fixture
  f.store.upsertSite({ id: 'site-a4', enterpriseId: 'ent-a', name: '甲四号井', type: 'non-coal-mine', jurisdiction: '涌山镇' })
  base = await f.app.listen({ port: 0, host: '127.0.0.1' })
  browser = await launchChromium()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await f?.close()
})

/** Pages of a PDF: its page objects (`/Type /Page`, not the `/Type /Pages` tree nodes). */
const pdfPages = (pdf: Buffer): number => (pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/gu) ?? []).length

describe('the monthly report in chromium', () => {
  it('opens with the session cookie and prints to A4 PDF with a page per site', async () => {
    const login = await f.app.inject({ method: 'POST', url: '/api/login', payload: { name: 'ent-a', password: PASSWORD } })
    const token = login.json<{ token: string }>().token
    const report = (await f.app.inject({ url: '/api/reports/monthly?enterpriseId=ent-a&month=2026-06&format=json', headers: { authorization: `Bearer ${token}` } })).json<MonthlyReport>()
    expect(report.sites.length).toBe(3)

    const context = await browser.newContext({ timezoneId: 'UTC', locale: 'en-US' })
    await context.addCookies([{ name: SESSION_COOKIE, value: encodeURIComponent(token), url: base, httpOnly: true, sameSite: 'Strict' }])
    const page = await context.newPage()
    const requests: string[] = []
    page.on('request', (request) => requests.push(request.url()))
    const url = `${base}/api/reports/monthly?enterpriseId=ent-a&month=2026-06`
    const response = await page.goto(url)
    expect(response!.status()).toBe(200)
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN')
    expect(await page.locator('h1').textContent()).toBe('月度安全风险分析报告')
    expect(await page.locator('section.site h2').allTextContents()).toEqual(report.sites.map((s) => s.name))
    // self-contained: the page asked for nothing but itself
    expect(requests).toEqual([url])

    await page.emulateMedia({ media: 'print' })
    expect(await page.locator('section.site').evaluateAll((sections) => sections.map((s) => getComputedStyle(s).breakBefore))).toEqual(['page', 'page', 'page'])
    const pdf = await page.pdf({ format: 'A4', printBackground: true })
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    // the page tree agrees with the page objects counted
    expect(Number(/\/Count\s+(\d+)/u.exec(pdf.toString('latin1'))?.[1])).toBe(pdfPages(pdf))
    expect(pdfPages(pdf)).toBeGreaterThanOrEqual(report.sites.length + 1)
    await context.close()
  })
})
