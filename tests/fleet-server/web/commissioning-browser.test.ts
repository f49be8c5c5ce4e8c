import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { GasStep, Run } from '../../../protocols/commissioning/index.ts'
import type { AgentEvent } from '../../../protocols/mqtt/index.ts'
import { fixture, NOW, PASSWORD, type Fixture } from '../api/fixture.ts'
import { commissioningEvent, feed, ingestFor, registerKey, runOf, sign } from '../commissioning-runs/feed.ts'
import { launchChromium } from '../../support/chromium.ts'
import { freePort } from '../../support/ports.ts'
import { fixturePage, WEB_ROOT } from './test-server.ts'

/**
 * The evidence of signed test runs (issue 17) in chromium against the real app and its store: two
 * runs of gw-a1 (site-a1, a coal mine) signed with its registered key and fed through the real
 * ingest — one failed (the alarm level never raised), then one passed, which made a 'tested'
 * commissioning record for monitoring — beside a record entered by hand; and a test alarm that
 * must not raise the unacknowledged-alarm banner.
 */

const DAY = 86_400_000
// events of gw-a1 after its enrolment (registerKey, at NOW): the ingest refuses older ones
const FAILED_REASON = 'level alarm not raised: the reading peaked at 0.62 %CH4, below its set point 1'

let f: Fixture
let url: string
let browser: Browser
let page: Page
const pageErrors: string[] = []
let passedRun: Run
let failedRun: Run

/** gw-a1's run whose gas never reached the alarm level: no T90, the level not raised, the reason given */
function failedRunOf(): Run {
  const run = runOf('gw-a1', 'site-a1', NOW - 3 * DAY, { 'ch4-1': 'failed' })
  const device = run.devices[0]!
  const steps = device.steps.map((step) => {
    if (step.kind !== 'gas') return step
    const failed: GasStep = {
      ...step, result: 'failed', plateau: 0.62, error: -0.69, t90S: null, recoveryS: null,
      levels: [{ level: 'alarm', direction: 'high', setPoint: 1, result: 'failed', reason: 'not raised' }],
      readings: { t0: step.readings.t0, points: [[0, 0.02], [5000, 0.3], [20000, 0.6], [40000, 0.62]] },
      reasons: [FAILED_REASON],
    }
    return failed
  })
  return { ...run, devices: [{ ...device, steps }] }
}

beforeAll(async () => {
  f = await fixture({ webRoot: WEB_ROOT })
  const key = registerKey(f.store, 'gw-a1', 'site-a1')
  const ingest = ingestFor(f.store, f.clock)
  failedRun = failedRunOf()
  passedRun = runOf('gw-a1', 'site-a1', NOW - 2 * DAY, { 'ch4-1': 'passed' })
  expect(feed(ingest, 'site-a1', 'gw-a1', [commissioningEvent(40, NOW + 1000, sign(failedRun, key)), commissioningEvent(41, NOW + 1100, sign(passedRun, key))]))
    .toMatchObject({ ok: true })
  f.store.addCommissioning({ siteId: 'site-a1', system: 'personnel-positioning', commissionedOn: '2026-05-20', by: 'admin', devices: ['pos-1'], createdAt: NOW - DAY })
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

const record = (evidence: string) => page.locator(`[data-testid="commissioning-row"][data-evidence="${evidence}"]`)
const step = (kind: string) => page.locator(`[data-testid="run-step"][data-kind="${kind}"]`)

describe('test runs and test alarms in chromium', () => {
  it('a test alarm does not raise the banner an ordinary one raises, and shows on the site page marked as a test', async () => {
    await page.goto(url)
    await page.getByLabel('用户名').fill('admin')
    await page.getByLabel('密码').fill(PASSWORD)
    await page.getByLabel('密码').press('Enter')
    // the fixture's ordinary alarms (one per gateway) raise the banner
    await page.getByTestId('alarm-banner').waitFor()

    // they clear; a test alarm is raised on gw-a1 during a declared test
    const ingest = ingestFor(f.store, f.clock)
    const cleared = (seq: number): AgentEvent => ({ seq, ts: NOW + 2000, type: 'alarm', state: 'cleared', device: 'ch4-1', channel: 'ch4', kind: 'level', level: 'alarm' })
    for (const [site, gateway] of [['site-a1', 'gw-a1'], ['site-a2', 'gw-a2'], ['site-b1', 'gw-b1']] as const) {
      expect(feed(ingest, site, gateway, [cleared(50)])).toMatchObject({ ok: true })
    }
    expect(feed(ingest, 'site-a1', 'gw-a1', [{
      seq: 51, ts: NOW + 2100, type: 'alarm', state: 'raised', device: 'ch4-1', channel: 'ch4', kind: 'level', level: 'alarm', value: 1.04, threshold: 1, unit: '%', test: true,
    }, { seq: 52, ts: NOW + 2200, type: 'interlock', interlock: 'ch4-1-power-cut', state: 'tripped', cause: 'ch4 >= 1', test: true }])).toMatchObject({ ok: true })

    await page.goto(`${url}/#/site/site-a1`)
    const row = page.getByTestId('alarm-row')
    await row.waitFor()
    expect(await row.count()).toBe(1)
    expect(await row.getAttribute('data-test')).toBe('true')
    expect(await row.getByTestId('test-badge').textContent()).toBe('试验')
    expect(await page.getByTestId('alarm-banner').count()).toBe(0)
    // the test trip is marked too, the fixture's ordinary one is not
    const trips = page.getByTestId('interlock-row')
    expect(await trips.evaluateAll((rows) => rows.map((r) => [r.querySelector('th')?.textContent, (r as HTMLElement).dataset.test])))
      .toEqual([['ch4-1-power-cut 试验', 'true'], ['power-cut', 'false']])
  })

  it('the site\'s compliance evidence tells the tested record (linked to its run) from the one entered by hand, and lists the runs', async () => {
    await page.goto(`${url}/#/compliance/site/site-a1`)
    await page.getByTestId('runs').waitFor()
    expect(await record('tested').getAttribute('data-system')).toBe('monitoring')
    expect(await record('tested').getByTestId('evidence-kind').textContent()).toContain('网关实测')
    expect(await record('entered').getAttribute('data-system')).toBe('personnel-positioning')
    expect(await record('entered').getByTestId('evidence-kind').textContent()).toContain('人工录入')
    expect(await record('entered').getByTestId('run-link').count()).toBe(0)
    const link = record('tested').getByTestId('run-link')
    expect(await link.getAttribute('data-run-id')).toBe(passedRun.id)

    // newest first: the passed run, then the failed one with its reason
    const runs = page.getByTestId('run-row')
    expect(await runs.evaluateAll((rows) => rows.map((r) => [(r as HTMLElement).dataset.runId, (r as HTMLElement).dataset.result])))
      .toEqual([[passedRun.id, 'passed'], [failedRun.id, 'failed']])
    expect(await runs.first().textContent()).toContain('T90 19.6 s（限值 30 s）')
    expect(await runs.nth(1).textContent()).toContain(FAILED_REASON)
    await link.click()
    await page.locator(`[data-testid="run"][data-run-id="${passedRun.id}"]`).waitFor()
  })

  it('the run\'s evidence: who, when, the signature verified, each step with its figures, and the readings chart with its markers', async () => {
    const run = page.getByTestId('run')
    expect(await run.getAttribute('data-result')).toBe('passed')
    expect(await page.getByTestId('technician').textContent()).toBe('李工 · 乐平安装公司')
    expect(await page.getByTestId('gateway').textContent()).toBe('gw-a1')
    expect(await page.getByTestId('signature').textContent()).toContain('签名已验证')
    expect(await page.getByTestId('hash').textContent()).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(await page.getByTestId('key-id').textContent()).toMatch(/^[0-9a-f]{16}$/)
    expect(await page.getByTestId('run-step').evaluateAll((steps) => steps.map((s) => `${(s as HTMLElement).dataset.kind}:${(s as HTMLElement).dataset.result}`)))
      .toEqual(['identity:passed', 'zero:passed', 'gas:passed', 'interlock:passed', 'calibration:passed'])
    expect(await step('gas').getByTestId('figure-t90').textContent()).toBe('19.6 s（限值 30 s）')
    expect(await step('gas').getByTestId('figure-levels').textContent()).toContain('报警（设定值 1 %CH4）：通气后 7 s 触发，读数 1.04 %CH4')
    expect(await step('interlock').getByTestId('figure-sequence').textContent()).toContain('反馈 550 ms 内确认（限值 2000 ms）')

    const chart = step('gas').getByTestId('gas-chart')
    expect(await chart.evaluate((el) => el.namespaceURI)).toBe('http://www.w3.org/2000/svg')
    expect(await chart.getByTestId('moment').evaluateAll((lines) => lines.map((l) => `${l.getAttribute('data-kind')}@${l.getAttribute('data-seconds')}`)))
      .toEqual(['applied@0', 't90@19.6', 'removed@70'])
    expect(await chart.locator('[data-testid="setpoint-line"][data-level="alarm"]').getAttribute('data-set-point')).toBe('1')
    expect(await chart.getByTestId('readings-line').getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+)+$/)
    expect(await chart.getByTestId('level-raised').count()).toBe(1)
  })

  it('a failed run shows the failed step, no T90 and the reason verbatim; in English too', async () => {
    await page.getByTestId('back-link').click()
    await page.locator(`[data-testid="run-row"][data-run-id="${failedRun.id}"]`).getByTestId('run-open').click()
    await page.locator(`[data-testid="run"][data-run-id="${failedRun.id}"]`).waitFor()
    expect(await page.getByTestId('run').getAttribute('data-result')).toBe('failed')
    expect(await step('gas').getAttribute('data-result')).toBe('failed')
    expect(await step('gas').getByTestId('step-reason').allTextContents()).toEqual([FAILED_REASON])
    expect(await step('gas').getByTestId('figure-t90').textContent()).toBe('未达到（限值 30 s）')
    expect(await step('gas').getByTestId('gas-chart').getByTestId('moment').evaluateAll((lines) => lines.map((l) => l.getAttribute('data-kind'))))
      .toEqual(['applied', 'removed'])
    expect(await step('gas').getByTestId('level-raised').count()).toBe(0)

    await page.getByTestId('lang-toggle').click()
    await expect.poll(() => page.getByRole('heading', { level: 2 }).textContent()).toContain('Commissioning run')
    expect(await step('gas').getByTestId('figure-t90').textContent()).toBe('not reached (limit 30 s)')
    expect(await step('gas').getByTestId('figure-levels').textContent()).toBe('Alarm (set point 1 %CH4): not raised')
    expect(pageErrors).toEqual([])
  })
})
