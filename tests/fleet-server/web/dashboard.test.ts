import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../../support/chromium.ts'
import { freePort } from '../../support/ports.ts'
import { fixturePage, startTestServer, type TestServer } from './test-server.ts'
import { PASSWORD, USER } from './fixtures.ts'

/**
 * The dashboard end to end in Debian's chromium, against a fixture API shaped by
 * fleet-server/src/api/schemas.ts. The browser runs in UTC so the Asia/Shanghai times prove the
 * conversion.
 */


let server: TestServer
let browser: Browser
let page: Page
const pageErrors: string[] = []
const foreignRequests: string[] = []

beforeAll(async () => {
  server = await startTestServer(await freePort())
  browser = await launchChromium()
  page = await fixturePage(browser, pageErrors)
  page.on('request', (req) => {
    const url = req.url()
    if (!url.startsWith(server.url) && !url.startsWith('data:')) foreignRequests.push(url)
  })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

const row = (testid: string, attr: string, id: string) => page.locator(`[data-testid="${testid}"][${attr}="${id}"]`)

describe('web dashboard in chromium', () => {
  it('asks for a login and refuses a wrong password', async () => {
    await page.goto(server.url)
    const form = page.getByTestId('login-form')
    await form.waitFor()
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN')
    await page.getByLabel('用户名').fill(USER.name)
    await page.getByLabel('密码').fill('wrong')
    await page.getByRole('button', { name: '登录' }).click()
    await expect.poll(() => form.getByRole('alert').textContent()).toBe('用户名或密码错误')
  })

  it('signs in and lists the sites with their health', async () => {
    await page.getByLabel('密码').fill(PASSWORD)
    await page.getByLabel('密码').press('Enter')
    await page.getByTestId('site-row').first().waitFor()
    expect(await page.getByTestId('site-row').count()).toBe(4)
    expect(await page.getByTestId('user-role').textContent()).toBe('企业')

    const coal = row('site-row', 'data-site-id', 'ys-coal-1')
    const coalText = await coal.textContent()
    for (const text of ['涌山煤矿', '煤矿', '涌山镇', '1/1', '3/1/0', '1 条未确认', '严重']) expect(coalText).toContain(text)
    expect(await row('site-row', 'data-site-id', 'lg-petrol-1').textContent()).toContain('乐港镇')
    expect(await row('site-row', 'data-site-id', 'lg-petrol-1').textContent()).toContain('正常')
    expect(await row('site-row', 'data-site-id', 'zb-tailings-1').textContent()).toContain('尾矿库')
    // the worst site comes first
    expect(await page.getByTestId('site-row').first().getAttribute('data-site-id')).toBe('ys-coal-1')
    expect(await page.getByTestId('alarm-banner').textContent()).toContain('1 条未确认的报警')
  })

  it('opens the coal mine: gateway, readings, a bad quality, the trend chart, interlocks', async () => {
    await page.getByRole('link', { name: '涌山煤矿', exact: true }).click()
    await page.getByTestId('site-view').waitFor()
    expect(await page.getByTestId('gateway-state').first().textContent()).toBe('在线')

    const t1 = row('device-row', 'data-device-id', 'ch4-t1')
    await expect.poll(() => t1.textContent()).toContain('1.62 %')
    expect(await t1.textContent()).toContain('即将到期')
    await t1.getByTestId('trend-chart').waitFor()
    expect(await t1.locator('svg path.trend-line').count()).toBe(1)
    expect(await t1.locator('svg path.trend-band').count()).toBe(1)
    expect(await t1.getByTestId('trend-chart').getAttribute('aria-label')).toContain('ch4')

    const t2 = row('device-row', 'data-device-id', 'ch4-t2')
    const t2Reading = t2.getByTestId('reading')
    expect(await t2Reading.getAttribute('data-quality')).toBe('comm-fail')
    expect(await t2Reading.getByTestId('reading-value').textContent()).toBe('通讯故障')
    expect(await t2.textContent()).toContain('已过期')
    expect(await row('device-row', 'data-device-id', 'relay-1').textContent()).toContain('关')

    // recurring tests: overdue first, each with its due date and where the last one comes from
    const tests = page.getByTestId('periodic-test')
    expect(await tests.evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-device')} ${r.getAttribute('data-test')}:${r.getAttribute('data-state')}`)))
      .toEqual(['ch4-t2 calibration:overdue', 'ch4-t1 calibration:due-soon', 'ch4-t1 bump:ok'])
    const overdue = await tests.first().textContent()
    for (const text of ['ch4-t2', '标校', '已过期', '2026-09-16', '逾期 75 天', '2026-09-01（网关登记）', '15 天']) expect(overdue).toContain(text)
    expect(await tests.nth(2).textContent()).toContain('2026-11-20（签名试验记录）')
    // the devices table shows the recurring test's due date where the server gave one
    expect(await t2.textContent()).toContain('2026-09-16')
    expect(await t2.textContent()).not.toContain('2026-10-01')

    const interlocks = await page.getByTestId('interlock-row').allTextContents()
    expect(interlocks.join('\n')).toContain('2026-11-29 10:00:00')
    expect(interlocks.join('\n')).toContain('已跳闸')
  })

  it('acknowledges the alarm and shows the gateway answer', async () => {
    const alarm = row('alarm-row', 'data-alarm-id', '101')
    expect(await alarm.textContent()).toContain('断电')
    expect(await alarm.textContent()).toContain('1.5 %')
    await alarm.getByTestId('ack-button').click()
    const result = alarm.getByTestId('ack-result')
    await expect.poll(() => result.textContent(), { timeout: 10_000 }).toContain('网关已确认：已确认 1 条报警')
    expect(await result.getAttribute('data-state')).toBe('ok')
    expect(server.requests.filter((r) => r === 'POST /api/alarms/101/ack')).toHaveLength(1)
    expect(server.requests.filter((r) => r.startsWith('GET /api/commands/cmd-1')).length).toBeGreaterThanOrEqual(2)
    // the refreshed row names who acknowledged, the result stays, the banner goes
    await expect.poll(() => alarm.textContent()).toContain(USER.name)
    expect(await alarm.getByTestId('ack-result').textContent()).toContain('网关已确认')
    await expect.poll(() => page.getByTestId('alarm-banner').count()).toBe(0)
  })

  it('shows a new alarm within 5 seconds, keeping the scroll position', async () => {
    await page.evaluate(() => window.scrollTo(0, 200))
    const before = await page.evaluate(() => window.scrollY)
    server.fleet.raisePetrolAlarm()
    await page.getByTestId('alarm-banner').waitFor({ timeout: 5_000 })
    expect(await page.getByTestId('alarm-banner').textContent()).toContain('乐港加油站')
    expect(await page.evaluate(() => window.scrollY)).toBe(before)
  })

  it('works from the keyboard and keeps the focus across refreshes', async () => {
    await page.getByRole('link', { name: /乐港加油站/ }).focus()
    await page.keyboard.press('Enter')
    await page.locator('[data-testid="site-view"][data-site-id="lg-petrol-1"]').waitFor()
    const button = row('alarm-row', 'data-alarm-id', '202').getByTestId('ack-button')
    await button.focus()
    await page.waitForTimeout(2_500) // at least one live refresh re-renders the table
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.focusKey)).toBe('ack:202')
    await page.keyboard.press('Enter')
    await expect.poll(() => row('alarm-row', 'data-alarm-id', '202').getByTestId('ack-result').getAttribute('data-state'), { timeout: 10_000 }).toBe('ok')
  })

  it('pauses the live refresh while a form is being typed into', async () => {
    await page.evaluate(() => {
      const form = document.createElement('form')
      form.id = 'probe-form'
      form.innerHTML = '<label>note <input id="probe-input"></label>'
      document.body.append(form)
    })
    await page.locator('#probe-input').focus()
    await page.keyboard.type('abc')
    await page.waitForTimeout(300)
    const before = server.requests.filter((r) => r === 'GET /api/sites').length
    await page.waitForTimeout(4_500)
    expect(server.requests.filter((r) => r === 'GET /api/sites').length).toBe(before)
    expect(await page.locator('#status').textContent()).toBe('正在输入，自动刷新已暂停')
    await page.locator('#probe-input').blur()
    await expect.poll(() => server.requests.filter((r) => r === 'GET /api/sites').length, { timeout: 5_000 }).toBeGreaterThan(before)
    await page.evaluate(() => document.getElementById('probe-form')?.remove())
  })

  it('switches to English, keeps it across a reload, and saves a screenshot', async () => {
    await page.getByRole('link', { name: '返回站点总览' }).click()
    await page.getByRole('link', { name: '涌山煤矿', exact: true }).click()
    await row('device-row', 'data-device-id', 'ch4-t1').getByTestId('trend-chart').waitFor()
    await page.getByTestId('lang-toggle').click()
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('en')
    const text = await page.locator('body').textContent()
    for (const label of ['Active alarms', 'Gateways', 'Interlock history', 'Online', 'Communication failure', 'Sign out', 'Gas and environment monitoring']) {
      expect(text).toContain(label)
    }
    await page.reload()
    await page.getByTestId('site-view').waitFor()
    expect(await page.getByTestId('lang-toggle').textContent()).toBe('中文')
    await row('device-row', 'data-device-id', 'ch4-t1').getByTestId('trend-chart').waitFor()
    await page.goto(`${server.url}/#/`)
    await page.getByTestId('site-row').first().waitFor()
    expect(await row('site-row', 'data-site-id', 'ys-coal-1').textContent()).toContain('Coal mine')
    mkdirSync('test-results', { recursive: true })
    await page.screenshot({ path: 'test-results/dashboard-overview.png', fullPage: true })
    await page.getByRole('link', { name: '涌山煤矿', exact: true }).click()
    await row('device-row', 'data-device-id', 'ch4-t1').getByTestId('trend-chart').waitFor()
    mkdirSync('test-results', { recursive: true })
    await page.screenshot({ path: 'test-results/dashboard.png', fullPage: true })
  })

  it('signs out back to the login form', async () => {
    await page.getByTestId('logout').click()
    await page.getByTestId('login-form').waitFor()
    expect(await page.getByTestId('site-row').count()).toBe(0)
  })

  it('made no request elsewhere, raised no page error, sent only schema-valid bodies', () => {
    expect(foreignRequests).toEqual([])
    expect(pageErrors).toEqual([])
    expect(server.schemaErrors).toEqual([])
  })
})
