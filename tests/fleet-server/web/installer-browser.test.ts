import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { enrollSecretHash } from '../../../fleet-server/src/auth/tokens.ts'
import { fixture, PASSWORD, type Fixture } from '../api/fixture.ts'
import { launchChromium } from '../../support/chromium.ts'
import { freePort } from '../../support/ports.ts'
import { fixturePage, WEB_ROOT } from './test-server.ts'

/**
 * The installer view in chromium against the real app (its routes, its store, its content security
 * policy) serving the dashboard: the installer `inst` is assigned site-a2 (a tailings pond) only.
 */

/** what the catalog (seeds/regulations.yaml) requires of a tailings pond, in its order */
const TAILINGS_POND = ['monitoring', 'personnel-positioning', 'emergency-refuge', 'compressed-air-rescue', 'water-supply-rescue', 'communication', 'tailings-monitoring']

let f: Fixture
let url: string
let browser: Browser
let page: Page
const pageErrors: string[] = []

beforeAll(async () => {
  f = await fixture({ webRoot: WEB_ROOT })
  const port = await freePort()
  await f.app.listen({ port, host: '127.0.0.1' })
  url = `http://127.0.0.1:${port}`
  browser = await launchChromium()
  page = await fixturePage(browser, pageErrors)
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await f?.close()
})

const site = (id: string) => page.locator(`[data-testid="installer-site"][data-site-id="${id}"]`)

describe('the installer view in chromium', () => {
  it('an installer signs in and sees its assigned site with the required systems no device reports for; no other site', async () => {
    await page.goto(url)
    await page.getByTestId('login-form').waitFor()
    await page.getByLabel('用户名').fill('inst')
    await page.getByLabel('密码').fill(PASSWORD)
    await page.getByLabel('密码').press('Enter')
    await site('site-a2').waitFor()
    expect(await page.getByTestId('installer-site').count()).toBe(1)
    const main = await page.locator('main').textContent()
    for (const other of ['甲煤矿', '乙化工厂', 'gw-a1', 'gw-b1']) expect(main).not.toContain(other)
    expect(await site('site-a2').locator('h3').textContent()).toContain('甲尾矿库')

    const missing = site('site-a2').getByTestId('missing-system')
    expect(await missing.evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.system))).toEqual(TAILINGS_POND)
    expect(await missing.first().textContent()).toBe('安全监控系统')
    // the monitoring device is there, grouped under its system (its readings are too old to count as reporting)
    const monitoring = site('site-a2').locator('[data-testid="installer-system"][data-system="monitoring"]')
    expect(await monitoring.getByTestId('installer-device').textContent()).toContain('ch4-1')
    const gateway = site('site-a2').locator('[data-testid="installer-gateway"][data-gateway-id="gw-a2"]')
    expect(await gateway.getByTestId('gateway-enrolled').getAttribute('data-enrolled')).toBe('false')
  })

  it('mints a token: the short code, the token and its QR code (an SVG) are shown once, and the code enrols', async () => {
    await site('site-a2').getByTestId('mint-button').click()
    const minted = site('site-a2').getByTestId('minted-token')
    await minted.waitFor()
    const shortCode = (await minted.getByTestId('short-code').textContent())!
    expect(shortCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/u)
    expect(await minted.getByTestId('provision-command').textContent()).toMatch(new RegExp(`^edge-agent provision --server ${url} --token \\S{43} --config /etc/edge-agent/gateway.yaml$`, 'u'))
    expect(await minted.locator('[data-testid="qr"] svg').count()).toBe(1)
    expect(await minted.locator('[data-testid="qr"] svg path').count()).toBeGreaterThan(0)
    // what the page shows is the token the server stored (by its hash), for the installer's site
    expect(f.store.enrollToken(enrollSecretHash(shortCode), f.clock.now)).toMatchObject({ siteId: 'site-a2' })
    // the 2 s refresh keeps it on the page until it is closed
    await page.waitForRequest((r) => r.url().endsWith('/api/installer/sites'))
    await page.waitForResponse((r) => r.url().endsWith('/api/installer/sites'))
    expect(await minted.getByTestId('short-code').textContent()).toBe(shortCode)

    const enrolled = await f.app.inject({ method: 'POST', url: '/api/enroll', payload: { token: shortCode, gatewayId: 'gw-a2', siteId: 'site-a2' } })
    expect(enrolled.statusCode).toBe(200)
    await minted.getByTestId('mint-dismiss').click()
    expect(await site('site-a2').getByTestId('minted-token').count()).toBe(0)
  })

  it('an enrolled gateway offers to replace its credentials: the token minted names it', async () => {
    const gateway = site('site-a2').locator('[data-testid="installer-gateway"][data-gateway-id="gw-a2"]')
    await expect.poll(() => gateway.getByTestId('gateway-enrolled').getAttribute('data-enrolled'), { timeout: 10_000 }).toBe('true')
    await gateway.getByTestId('replace-button').click()
    const minted = site('site-a2').getByTestId('minted-token')
    await minted.waitFor()
    expect(await minted.textContent()).toContain('gw-a2')
    const shortCode = (await minted.getByTestId('short-code').textContent())!
    expect(f.store.enrollToken(enrollSecretHash(shortCode), f.clock.now)).toMatchObject({ siteId: 'site-a2', replaces: 'gw-a2' })
    expect(f.store.audit.list({ role: 'admin' }).filter((e) => e.action === 'enroll-token-mint').map((e) => [e.actor, e.siteId, e.detail.replaces]))
      .toEqual([['inst', 'site-a2', 'gw-a2'], ['inst', 'site-a2', null]])
  })

  it('raised no page error and no content security policy violation', () => {
    expect(pageErrors).toEqual([])
  })
})
