import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ComplianceSummary, MonthlyReport, SiteDetail } from '../../../fleet-server/src/api/index.ts'
import { commissioningEvent, feed, ingestFor, registerKey, runOf, sign } from '../commissioning-runs/feed.ts'
import { fixture, NOW, type Fixture } from './fixture.ts'

/**
 * Issue 17's acceptance on the server: a catalytic methane sensor of a coal mine (site-a1) whose
 * gateway's inventory says it was calibrated 16 days before the fixture's today (2026-06-01 in
 * Shanghai) shows overdue on the site answer, in the regulator's summary and in the monthly report;
 * a signed run passing its calibration and test gas makes it ok from the run's day on.
 */

let f: Fixture
beforeEach(async () => { f = await fixture() })
afterEach(async () => { await f.close() })

const SIXTEEN_DAYS_AGO = '2026-05-16'

function methaneSensor(): void {
  f.store.storeInventory('gw-a1', 'site-a1', {
    v: 1, gw: 'gw-a1', ts: NOW - 60_000,
    devices: [{ device: 'ch4-1', profile: 'ccri-gjc4-catalytic-methane', profileVersion: '1.0.0', bus: 'rs485-1', unit: 1, vendor: 'CCTEG', model: 'GJC4', system: 'monitoring', calibratedOn: SIXTEEN_DAYS_AGO }],
  }, NOW - 60_000)
}

async function get<T>(url: string, user = 'admin'): Promise<T> {
  const reply = await f.app.inject({ url, headers: await f.as(user) })
  expect(reply.statusCode, `${url}: ${reply.body}`).toBe(200)
  return reply.json<T>()
}
const siteTests = async () => (await get<SiteDetail>('/api/sites/site-a1', 'ent-a')).periodicTests
const regulatorSummary = async () => (await get<ComplianceSummary>('/api/compliance/summary', 'reg-ys')).periodicTests
const reportSite = async (month: string) => (await get<MonthlyReport>(`/api/reports/monthly?enterpriseId=ent-a&month=${month}&format=json`, 'ent-a')).sites.find((s) => s.id === 'site-a1')!

describe('recurring tests on the server', () => {
  it('calibrated 16 days ago: overdue on the site answer, in the regulator\'s summary and in the monthly report', async () => {
    methaneSensor()
    expect(await siteTests()).toEqual([{
      gatewayId: 'gw-a1', device: 'ch4-1', profile: 'ccri-gjc4-catalytic-methane', kind: 'catalytic-methane-sensor', system: 'monitoring',
      tests: [
        // the profile's 10-day interval is shorter than the coal mine's 15 days: it decides, as at the gateway
        expect.objectContaining({ test: 'calibration', state: 'overdue', lastOn: SIXTEEN_DAYS_AGO, lastFrom: 'inventory', dueOn: '2026-05-26', daysLeft: -6, periodDays: 10 }),
        // never tested with gas: overdue from the start, no due date
        expect.objectContaining({ test: 'bump', state: 'overdue', periodDays: 30 }),
      ],
    }])
    const [, bump] = (await siteTests())![0]!.tests
    expect(bump).not.toHaveProperty('dueOn')

    expect(await regulatorSummary()).toEqual({
      sitesOverdue: 1, testsOverdue: 2,
      sites: [{ siteId: 'site-a1', siteName: '甲煤矿', siteType: 'coal-mine', jurisdiction: '涌山镇', overdue: 2, dueSoon: 0 }],
    })
    // the other sites' devices have no profile of the library: nothing owed, nothing listed
    expect((await get<ComplianceSummary>('/api/compliance/summary', 'ent-b')).periodicTests).toEqual({ sitesOverdue: 0, testsOverdue: 0, sites: [] })

    const june = await reportSite('2026-06')
    expect(june.counts.testsOverdue).toBe(2)
    expect(june.periodicTests).toEqual([
      expect.objectContaining({ gatewayId: 'gw-a1', device: 'ch4-1', test: 'bump', periodDays: 30 }),
      expect.objectContaining({ gatewayId: 'gw-a1', device: 'ch4-1', test: 'calibration', dueOn: '2026-05-26', daysOverdue: 6, lastOn: SIXTEEN_DAYS_AGO, lastFrom: 'inventory' }),
    ])
    const html = await f.app.inject({ url: '/api/reports/monthly?enterpriseId=ent-a&month=2026-06&lang=en', headers: await f.as('ent-a') })
    expect(html.body).toContain('data-test="calibration"')
    expect(html.body).toContain('Recurring tests overdue')
  })

  it('a signed run passing its calibration and test gas makes both ok from the run\'s day; the month before still shows them overdue', async () => {
    methaneSensor()
    const key = registerKey(f.store, 'gw-a1', 'site-a1')
    // sampleRun's device steps: a span gas step and a calibration step (its calibratedOn after the run counts as the run's day)
    const run = runOf('gw-a1', 'site-a1', NOW - 60_000, { 'ch4-1': 'passed' })
    expect(feed(ingestFor(f.store, f.clock), 'site-a1', 'gw-a1', [commissioningEvent(10, NOW, sign(run, key))])).toMatchObject({ ok: true })

    const [device] = (await siteTests())!
    expect(device!.tests).toEqual([
      expect.objectContaining({ test: 'calibration', state: 'ok', lastOn: '2026-06-01', lastFrom: 'run', runId: run.id, dueOn: '2026-06-11' }),
      expect.objectContaining({ test: 'bump', state: 'ok', lastOn: '2026-06-01', lastFrom: 'run', runId: run.id, dueOn: '2026-07-01' }),
    ])
    expect(await regulatorSummary()).toEqual({ sitesOverdue: 0, testsOverdue: 0, sites: [] })
    const june = await reportSite('2026-06')
    expect([june.counts.testsOverdue, june.periodicTests]).toEqual([0, []])
    // May is judged on its last day, before the run: the calibration was 5 days overdue then
    const may = await reportSite('2026-05')
    expect(may.periodicTests.map((t) => [t.test, t.daysOverdue])).toEqual([['bump', undefined], ['calibration', 5]])
  })

  it('a profile the server does not know: the kind the inventory names decides (the coal mine\'s 15 days, no maker\'s interval); without a kind nothing is owed', async () => {
    const custom = { profile: 'site-made-ch4', profileVersion: '1', bus: 'rs485-1', vendor: 'ACME', model: 'X1', calibratedOn: SIXTEEN_DAYS_AGO }
    f.store.storeInventory('gw-a1', 'site-a1', {
      v: 1, gw: 'gw-a1', ts: NOW - 60_000,
      devices: [{ device: 'ch4-9', unit: 9, kind: 'catalytic-methane-sensor', ...custom }, { device: 'x-1', unit: 10, ...custom }],
    }, NOW - 60_000)
    const tests = (await siteTests())!
    expect(tests.map((d) => d.device)).toEqual(['ch4-9'])
    expect(tests[0]!.tests[0]).toMatchObject({ test: 'calibration', state: 'overdue', dueOn: '2026-05-31', daysLeft: -1, periodDays: 15, source: expect.stringContaining('15 days') })
  })
})
