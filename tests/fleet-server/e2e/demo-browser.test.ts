/**
 * Acceptance (issue 6), end to end in Debian's chromium: the demo exactly as `npm start` runs it
 * (fleet server + embedded broker + edge agents polling simulators), on free ports and a temporary
 * data folder, with the scripted methane leak every 60 s.
 *
 * - the regulator's page lists every site with its gateway online;
 * - the leak raises an alarm that shows on the enterprise's coal-mine page (the delay from the
 *   gateway raising it to the row appearing is printed: the UI refreshes every 2 s);
 * - acknowledging it in the page reaches the agent: the gateway's cmd-result shows in the page and
 *   the agent's `acknowledged` event comes back, so the API then reports who acknowledged it;
 * - the commissioning run the demo starts at 镇桥煤矿 shows in its compliance evidence: the passed run
 *   and the monitoring record it made, marked tested and linked to the run, whose page shows each step (the heading power cut tripped and restored with its feedback);
 * - screenshots of the main views are saved to test-results/ (docs/dashboard.png in the README is one).
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Alarm, ComplianceEvidence } from '../../../fleet-server/src/api/index.ts'
import { until } from '../../support/until.ts'
import { startDemoInBrowser, type DemoInBrowser } from './demo.ts'

const COAL_MINE = 'leping-yongshan-coal'
const LEAK_DEVICE = 'ch4-t0-1201'
const COMMISSIONED = 'leping-zhenqiao-coal'

let demo: DemoInBrowser
let url: string
let fleet: DemoInBrowser['fleet']
let pageErrors: string[]

beforeAll(async () => {
  demo = await startDemoInBrowser('demo-browser')
  ;({ url, fleet, pageErrors } = demo)
}, 90_000)

afterAll(async () => {
  await demo?.stop()
}, 30_000)

const signIn = (name: string): Promise<Page> => demo.signIn(name)

async function api<T>(page: Page, path: string): Promise<T> {
  return page.evaluate(async (p) => (await fetch(p, { credentials: 'same-origin' })).json(), path) as Promise<T>
}

it('the regulator sees every site with its gateway online', async () => {
  const page = await signIn('regulator')
  const rows = page.getByTestId('site-row')
  await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(fleet.sites.length)
  // the gateways column reads online/total: every gateway online within the refresh
  await expect.poll(async () => {
    const texts = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelectorAll('td')[4]?.textContent ?? ''))
    return texts.every((t) => t === '1/1')
  }, { timeout: 45_000, interval: 1000 }).toBe(true)
  await page.screenshot({ path: 'test-results/demo-overview.png', fullPage: true })
  await page.context().close()
}, 120_000)

it('a leak raises an alarm in the enterprise page; acknowledging it reaches the agent and comes back', async () => {
  const page = await signIn('enterprise')
  await page.goto(`${url}/#/site/${COAL_MINE}`)
  await page.getByTestId('site-view').waitFor()
  // the leak: wait for the alarm row of the leaking sensor, then see when the gateway raised it
  const alarmRow = page.getByTestId('alarm-row').filter({ hasText: LEAK_DEVICE }).first()
  await alarmRow.waitFor({ timeout: 90_000 })
  const shownAt = Date.now()
  const alarmId = Number(await alarmRow.getAttribute('data-alarm-id'))
  const raised = (await api<Alarm[]>(page, '/api/alarms?active=true')).find((a) => a.id === alarmId)!
  expect(raised).toMatchObject({ siteId: COAL_MINE, device: LEAK_DEVICE, kind: 'level', acknowledged: false })
  console.log(`[e2e] ${LEAK_DEVICE} ${raised.level} raised by the gateway at ${new Date(raised.raisedAt).toISOString()}, shown in the page ${shownAt - raised.raisedAt} ms later`)
  await page.screenshot({ path: 'test-results/demo-alarm.png', fullPage: true })

  await alarmRow.getByTestId('ack-button').click()
  const result = page.locator(`[data-testid="ack-result"][data-alarm-id="${alarmId}"]`)
  await expect.poll(() => result.getAttribute('data-state'), { timeout: 30_000 }).toBe('ok')
  // the agent's acknowledged event came back through MQTT and the ingest
  await expect.poll(async () => {
    const alarms = await api<Alarm[]>(page, '/api/alarms')
    return alarms.find((a) => a.id === alarmId)?.acknowledgedBy
  }, { timeout: 30_000 }).toBe('enterprise')
  await page.screenshot({ path: 'test-results/demo-acknowledged.png' })
  expect(pageErrors).toEqual([])
  await page.context().close()
}, 180_000)

it('the commissioning run at start shows in 镇桥煤矿\'s evidence: the passed run and the tested monitoring record linked to it', async () => {
  const page = await signIn('regulator')
  const evidence = `/api/compliance/sites/${COMMISSIONED}`
  await until('the tested record', async () => (await api<ComplianceEvidence>(page, evidence)).commissioning.some((r) => r.evidence === 'tested'),
    { timeoutMs: 120_000, everyMs: 1000 })
  await page.goto(`${url}/#/compliance/site/${COMMISSIONED}`)
  await page.locator(`[data-testid="evidence"][data-site-id="${COMMISSIONED}"]`).waitFor({ timeout: 30_000 })
  const runs = page.getByTestId('run-row')
  expect(await runs.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.result))).toEqual(['passed'])
  const runId = await runs.first().getAttribute('data-run-id')
  const tested = page.locator('[data-testid="commissioning-row"][data-evidence="tested"]')
  expect(await tested.count()).toBe(1)
  expect(await tested.getAttribute('data-system')).toBe('monitoring')
  const link = tested.getByTestId('run-link')
  expect(await link.getAttribute('data-run-id')).toBe(runId)
  await page.screenshot({ path: 'test-results/demo-commissioning.png', fullPage: true })
  await link.click()
  const sensor = page.locator('[data-testid="run-device"][data-device="ch4-heading-201"]')
  await sensor.waitFor({ timeout: 30_000 })
  expect(await sensor.getByTestId('run-step').evaluateAll((lis) => lis.map((li) => `${(li as HTMLElement).dataset.kind} ${(li as HTMLElement).dataset.result}`)))
    .toEqual(['identity passed', 'zero passed', 'gas passed', 'interlock passed', 'calibration passed'])
  expect(pageErrors).toEqual([])
  await page.context().close()
}, 180_000)
