import { gunzipSync } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import type { ComplianceCounts, ComplianceEvidence, ComplianceSummary, User } from '../../../fleet-server/src/api/index.ts'
import { COVERAGE_MAX_AGE_MS, type Catalog } from '../../../fleet-server/src/compliance/index.ts'
import type { SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import {
  byKey, DAY_MS, dayIndex, dayOf, expectedRows, goodMinutesOn, JURISDICTIONS, MAIN_AS_OF, minuteBitmaps, popcount,
  startFleetApp, type ExpectedRow, type Fleet, type FleetApp,
} from './compliance-fleet.ts'

const USERS: User[] = [
  { name: 'admin', role: 'admin' },
  { name: 'reg-ys', role: 'regulator', jurisdiction: '涌山镇' },
  { name: 'reg-st', role: 'regulator', jurisdiction: '石潭镇' },
  { name: 'reg-city', role: 'regulator', jurisdiction: '*' },
  { name: 'ent-1', role: 'enterprise', enterpriseId: 'ent-1' },
  { name: 'inst', role: 'installer', siteIds: ['site-000', 'site-001'] },
]
const STATES = ['compliant', 'late', 'overdue', 'due-soon', 'on-track'] as const
const WORST_FIRST = ['overdue', 'late', 'due-soon', 'on-track', 'compliant'] as const

let fixture: FleetApp
let store: SqliteStore
let app: FastifyInstance
let catalog: Catalog
let fleet: Fleet
const as = (name: string) => fixture.as(name)

async function get<T>(user: string, url: string): Promise<T> {
  const reply = await app.inject({ url, headers: await as(user) })
  expect(reply.statusCode, `${url}: ${reply.body}`).toBe(200)
  return reply.json<T>()
}

/** the oracle's summary, counted from its own rows */
function expectedSummary(rows: readonly ExpectedRow[], asOf: string): ComplianceSummary {
  const zero = (): ComplianceCounts => ({ systems: { compliant: 0, late: 0, overdue: 0, 'due-soon': 0, 'on-track': 0 }, sites: { compliant: 0, late: 0, overdue: 0, 'due-soon': 0, 'on-track': 0 } })
  const total = zero()
  const bySiteType: Record<string, ComplianceCounts> = Object.fromEntries(['coal-mine', 'non-coal-mine', 'tailings-pond', 'petrol-station', 'chemical-plant', 'hazmat-fleet'].map((t) => [t, zero()]))
  const byJurisdiction: Record<string, ComplianceCounts> = {}
  const sites = new Map<string, ExpectedRow[]>()
  for (const row of rows) sites.set(row.siteId, [...(sites.get(row.siteId) ?? []), row])
  for (const own of sites.values()) {
    const { siteType, jurisdiction } = own[0]!
    const groups = [total, bySiteType[siteType]!, (byJurisdiction[jurisdiction] ??= zero())]
    const worst = WORST_FIRST.find((s) => own.some((r) => r.status === s))!
    for (const g of groups) {
      for (const r of own) g.systems[r.status as (typeof STATES)[number]]++
      g.sites[worst]++
    }
  }
  // the generated fleet's devices have no profile of the library (no kind): they owe no recurring test
  return { asOf, total, bySiteType, byJurisdiction, periodicTests: { sitesOverdue: 0, testsOverdue: 0, sites: [] } }
}

beforeAll(async () => {
  fixture = await startFleetApp(USERS)
  ;({ store, app, catalog, fleet } = fixture)
}, 60_000)

afterAll(async () => {
  await fixture?.close()
})

describe('GET /api/compliance/summary', () => {
  test.each([MAIN_AS_OF, '2014-01-01', '2024-06-30'])('equals the counts of the independent rows, asOf=%s', async (asOf) => {
    const all = expectedRows(catalog, fleet, asOf)
    expect(await get('admin', `/api/compliance/summary?asOf=${asOf}`)).toEqual(expectedSummary(all, asOf))
    expect(await get('reg-city', `/api/compliance/summary?asOf=${asOf}`)).toEqual(expectedSummary(all, asOf))
  })

  test('default asOf is today; the counts add up to the rows and the sites', async () => {
    const summary = await get<ComplianceSummary>('admin', '/api/compliance/summary')
    const rows = expectedRows(catalog, fleet, MAIN_AS_OF)
    expect(summary.asOf).toBe(MAIN_AS_OF)
    const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0)
    expect(sum(summary.total.systems)).toBe(rows.length)
    expect(sum(summary.total.sites)).toBe(new Set(rows.map((r) => r.siteId)).size)
    expect(Object.keys(summary.byJurisdiction).sort()).toEqual([...JURISDICTIONS].sort())
    for (const state of STATES) expect(summary.total.systems[state], state).toBeGreaterThan(0)
  })

  test('scoped: a regulator its jurisdiction, an enterprise its own sites; an installer is refused', async () => {
    const all = expectedRows(catalog, fleet, MAIN_AS_OF)
    expect(await get('reg-ys', '/api/compliance/summary')).toEqual(expectedSummary(all.filter((r) => r.jurisdiction === '涌山镇'), MAIN_AS_OF))
    const own = new Set(fleet.sites.filter((s) => s.enterpriseId === 'ent-1').map((s) => s.id))
    expect(await get('ent-1', '/api/compliance/summary')).toEqual(expectedSummary(all.filter((r) => own.has(r.siteId)), MAIN_AS_OF))
    expect((await app.inject({ url: '/api/compliance/summary', headers: await as('inst') })).statusCode).toBe(403)
    expect((await app.inject({ url: '/api/compliance/summary' })).statusCode).toBe(401)
    const day = await app.inject({ url: '/api/compliance/summary?asOf=2026-02-30', headers: await as('admin') })
    expect(day.statusCode).toBe(400)
    expect(day.json().message).toBe('querystring/asOf: 2026-02-30 is not a day of the calendar (February 2026 has 28 days)')
  })
})

describe('GET /api/compliance/sites/{siteId}', () => {
  /** the oracle's series: per required system, the worst device's good minutes of each day ÷ 1,440 */
  function expectedCoverage(siteId: string, asOf: string, days: number) {
    const site = fleet.sites.find((s) => s.id === siteId)!
    const systems = expectedRows(catalog, fleet, asOf, [site]).map((r) => r.system)
    const dayList = Array.from({ length: days }, (_, i) => dayOf(dayIndex(asOf) - days + 1 + i))
    return systems.map((system) => {
      const devices = fleet.devices.filter((d) => d.siteId === siteId && d.system === system)
      return { system, days: dayList.map((day) => ({ day, coverage: devices.length === 0 ? 0 : Math.min(...devices.map((d) => goodMinutesOn(d.good, day))) / 1440 })) }
    })
  }

  const withDevices = () => [...new Set(fleet.devices.map((d) => d.siteId))]

  test('rows are the report\'s rows of the site; records on or before asOf; coverage per day equals the minutes written', async () => {
    const sites = withDevices()
    expect(sites.length).toBeGreaterThan(10)
    const report = await get<ExpectedRow[]>('admin', '/api/compliance')
    for (const siteId of [...sites.slice(0, 12), 'site-003', 'site-100']) {
      const evidence = await get<ComplianceEvidence>('admin', `/api/compliance/sites/${siteId}`)
      const site = fleet.sites.find((s) => s.id === siteId)!
      expect(evidence.site).toEqual({ id: site.id, name: site.name, type: site.type, jurisdiction: site.jurisdiction, enterpriseName: site.enterpriseName })
      expect(evidence.asOf).toBe(MAIN_AS_OF)
      expect(evidence.rows).toEqual(report.filter((r) => r.siteId === siteId))
      const expected = expectedRows(catalog, fleet, MAIN_AS_OF, [site])
      expect(byKey(evidence.rows).map(({ coverage: _c, ...rest }) => rest)).toEqual(byKey(expected).map(({ coverage: _c, ...rest }) => rest))
      expect(evidence.commissioning.map((r) => [r.system, r.commissionedOn, r.accepted]).sort())
        .toEqual(fleet.records.filter((r) => r.siteId === siteId && r.commissionedOn <= MAIN_AS_OF).map((r) => [r.system, r.commissionedOn, r.accepted]).sort())
      expect(evidence.coverage).toEqual(expectedCoverage(siteId, MAIN_AS_OF, 30))
      expect(evidence.coverage.every((c) => c.days.length === 30 && c.days.at(-1)!.day === MAIN_AS_OF)).toBe(true)
    }
  })

  test('asOf and days choose the series; the days before the window and after it show what was written', async () => {
    const siteId = withDevices()[0]!
    for (const [asOf, days] of [['2026-06-08', 12], ['2026-05-27', 1], ['2026-06-01', 366]] as const) {
      const evidence = await get<ComplianceEvidence>('reg-city', `/api/compliance/sites/${siteId}?asOf=${asOf}&days=${days}`)
      expect(evidence.coverage).toEqual(expectedCoverage(siteId, asOf, days))
      expect(evidence.rows).toEqual((await get<ExpectedRow[]>('admin', `/api/compliance?asOf=${asOf}`)).filter((r) => r.siteId === siteId))
    }
    // the fleet holds full days, partial days and silent devices
    const values = new Set(withDevices().flatMap((id) => expectedCoverage(id, MAIN_AS_OF, 10).flatMap((c) => c.days.map((d) => d.coverage))))
    expect(values.has(1)).toBe(true)
    expect(values.has(0)).toBe(true)
    expect([...values].some((v) => v > 0 && v < 1)).toBe(true)
  })

  test('scope: a regulator of another jurisdiction, another enterprise and an unknown site answer 404; an installer 403', async () => {
    const ys = fleet.sites.find((s) => s.jurisdiction === '涌山镇')!
    expect((await app.inject({ url: `/api/compliance/sites/${ys.id}`, headers: await as('reg-ys') })).statusCode).toBe(200)
    const other = await app.inject({ url: `/api/compliance/sites/${ys.id}`, headers: await as('reg-st') })
    expect(other.statusCode).toBe(404)
    expect(other.json()).toEqual({ error: 'NOT_FOUND', message: `site ${ys.id} not found` })
    const notOwn = fleet.sites.find((s) => s.enterpriseId !== 'ent-1')!
    const own = fleet.sites.find((s) => s.enterpriseId === 'ent-1')!
    expect((await app.inject({ url: `/api/compliance/sites/${notOwn.id}`, headers: await as('ent-1') })).statusCode).toBe(404)
    expect((await app.inject({ url: `/api/compliance/sites/${own.id}`, headers: await as('ent-1') })).statusCode).toBe(200)
    expect((await app.inject({ url: '/api/compliance/sites/site-nope', headers: await as('admin') })).statusCode).toBe(404)
    expect((await app.inject({ url: '/api/compliance/sites/site-000', headers: await as('inst') })).statusCode).toBe(403)
    expect((await app.inject({ url: '/api/compliance/sites/site-000' })).statusCode).toBe(401)
  })

  test('bad queries answer 400', async () => {
    for (const query of ['days=0', 'days=367', 'days=two', 'asOf=2026-02-30', 'asOf=june']) {
      expect((await app.inject({ url: `/api/compliance/sites/site-000?${query}`, headers: await as('admin') })).statusCode, query).toBe(400)
    }
  })
})

describe('limit and offset', () => {
  test('pages put together are the whole list; X-Total-Count counts every page', async () => {
    const all = await get<ExpectedRow[]>('admin', '/api/compliance')
    expect(all.length).toBeGreaterThan(300)
    const pages: ExpectedRow[] = []
    for (let offset = 0; offset < all.length + 100; offset += 100) {
      const reply = await app.inject({ url: `/api/compliance?limit=100&offset=${offset}`, headers: await as('admin') })
      expect(reply.statusCode).toBe(200)
      expect(reply.headers['x-total-count']).toBe(String(all.length))
      pages.push(...reply.json<ExpectedRow[]>())
    }
    expect(pages).toEqual(all)
    expect(await get('admin', `/api/compliance?offset=${all.length}`)).toEqual([])
    expect(await get('admin', '/api/compliance?offset=7')).toEqual(all.slice(7))
    expect(await get('admin', '/api/compliance?limit=3')).toEqual(all.slice(0, 3))
  })

  test('with filters and scope: a page of the filtered rows', async () => {
    const overdue = await get<ExpectedRow[]>('reg-ys', '/api/compliance?status=overdue')
    expect(overdue.length).toBeGreaterThan(4)
    expect(overdue.every((r) => r.status === 'overdue' && r.jurisdiction === '涌山镇')).toBe(true)
    const reply = await app.inject({ url: '/api/compliance?status=overdue&limit=2&offset=3', headers: await as('reg-ys') })
    expect(reply.json()).toEqual(overdue.slice(3, 5))
    expect(reply.headers['x-total-count']).toBe(String(overdue.length))
  })

  test('the CSV pages the same way', async () => {
    const json = await get<ExpectedRow[]>('admin', '/api/compliance?limit=5&offset=10')
    const reply = await app.inject({ url: '/api/compliance.csv?limit=5&offset=10', headers: await as('admin') })
    expect(reply.statusCode).toBe(200)
    const lines = reply.body.replace(/^\uFEFF/u, '').split('\r\n').filter((l) => l !== '')
    expect(lines).toHaveLength(6)
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(json.map((r) => r.siteId))
  })

  test('a large list is gzipped for a client that accepts it; the same JSON', async () => {
    const plain = await app.inject({ url: '/api/compliance', headers: await as('admin') })
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.rawPayload.length).toBeGreaterThan(64 << 10)
    for (const encoding of ['gzip', 'gzip, deflate, br', 'br;q=1, gzip;q=0.5', '*']) {
      const zipped = await app.inject({ url: '/api/compliance', headers: { ...(await as('admin')), 'accept-encoding': encoding } })
      expect(zipped.headers['content-encoding'], encoding).toBe('gzip')
      expect(zipped.headers.vary).toBe('accept-encoding')
      expect(zipped.headers['x-total-count']).toBe(plain.headers['x-total-count'])
      expect(gunzipSync(zipped.rawPayload).equals(plain.rawPayload)).toBe(true)
      expect(zipped.rawPayload.length).toBeLessThan(plain.rawPayload.length / 4)
    }
    for (const [url, encoding] of [['/api/compliance', 'gzip;q=0'], ['/api/compliance', 'br'], ['/api/compliance?limit=3', 'gzip']]) {
      const reply = await app.inject({ url, headers: { ...(await as('admin')), 'accept-encoding': encoding } })
      expect(reply.headers['content-encoding'], `${url} ${encoding}`).toBeUndefined()
      expect(reply.json<unknown[]>().length).toBeGreaterThan(0)
    }
  })

  test('limit below 1 or a negative offset answer 400', async () => {
    for (const query of ['limit=0', 'limit=-1', 'offset=-1', 'limit=ten']) {
      expect((await app.inject({ url: `/api/compliance?${query}`, headers: await as('admin') })).statusCode, query).toBe(400)
    }
  })
})

describe('the cached report', () => {
  test('a new commissioning record shows at once in the list, the summary and the evidence', async () => {
    const row = (await get<ExpectedRow[]>('admin', '/api/compliance?status=overdue'))[0]!
    const summaryBefore = await get<ComplianceSummary>('admin', '/api/compliance/summary')
    const reply = await app.inject({ method: 'POST', url: '/api/commissioning', headers: await as('admin'), payload: { siteId: row.siteId, system: row.system, commissionedOn: MAIN_AS_OF } })
    expect(reply.statusCode, reply.body).toBe(201)
    fleet.records.push({ siteId: row.siteId, system: row.system, commissionedOn: MAIN_AS_OF, accepted: true })
    const after = (await get<ExpectedRow[]>('admin', '/api/compliance')).find((r) => r.siteId === row.siteId && r.system === row.system)!
    expect(after).toMatchObject({ status: 'late', installedOn: MAIN_AS_OF, daysOverdue: row.daysOverdue })
    const summary = await get<ComplianceSummary>('admin', '/api/compliance/summary')
    expect(summary.total.systems.overdue).toBe(summaryBefore.total.systems.overdue - 1)
    expect(summary.total.systems.late).toBe(summaryBefore.total.systems.late + 1)
    expect(summary).toEqual(expectedSummary(expectedRows(catalog, fleet, MAIN_AS_OF), MAIN_AS_OF))
    const evidence = await get<ComplianceEvidence>('admin', `/api/compliance/sites/${row.siteId}`)
    expect(evidence.rows.find((r) => r.system === row.system)!.status).toBe('late')
    expect(evidence.commissioning.some((r) => r.system === row.system && r.commissionedOn === MAIN_AS_OF && r.by === 'admin')).toBe(true)
  })

  test('a site imported or changed shows at once', async () => {
    const site = fleet.sites.find((s) => s.type === 'hazmat-fleet')!
    store.upsertSite({ id: site.id, enterpriseId: site.enterpriseId, name: '改名的车队', type: 'coal-mine', jurisdiction: site.jurisdiction })
    Object.assign(site, { name: '改名的车队', type: 'coal-mine' })
    store.upsertSite({ id: 'site-new', enterpriseId: 'ent-0', name: '新矿', type: 'tailings-pond', jurisdiction: '城关镇' })
    fleet.sites.push({ id: 'site-new', enterpriseId: 'ent-0', enterpriseName: '乐平市涌山煤业有限责任公司', name: '新矿', type: 'tailings-pond', jurisdiction: '城关镇' })
    const rows = await get<ExpectedRow[]>('admin', '/api/compliance')
    expect(rows.filter((r) => r.siteId === site.id)).toHaveLength(6)
    expect(rows.filter((r) => r.siteId === 'site-new')).toHaveLength(7)
    const expected = expectedRows(catalog, fleet, MAIN_AS_OF)
    expect(byKey(rows).map(({ coverage: _c, ...rest }) => rest)).toEqual(byKey(expected).map(({ coverage: _c, ...rest }) => rest))
    expect(await get('admin', '/api/compliance/summary')).toEqual(expectedSummary(expected, MAIN_AS_OF))
  })

  test(`new coverage shows within ${COVERAGE_MAX_AGE_MS / 1000} s, not necessarily at once`, async () => {
    const realNow = performance.now() // the cached report's coverage was read before this
    vi.useFakeTimers({ toFake: ['performance'] })
    try {
      // a silent device alone in its (site, required system)
      const required = expectedRows(catalog, fleet, MAIN_AS_OF)
      const device = fleet.devices.find((d) => d.good.length === 0 && fleet.devices.filter((o) => o.siteId === d.siteId && o.system === d.system).length === 1 &&
        required.some((r) => r.siteId === d.siteId && r.system === d.system))!
      expect(device).toBeDefined()
      const key = (r: ExpectedRow) => r.siteId === device.siteId && r.system === device.system
      await get('admin', '/api/compliance')
      // the silent device reported all of the 7 days (written as the ingest would)
      const { from, to } = { from: Date.parse(`${MAIN_AS_OF}T00:00:00+08:00`) - 6 * DAY_MS, to: Date.parse(`${MAIN_AS_OF}T00:00:00+08:00`) + DAY_MS }
      const add = store.db.prepare('INSERT INTO device_minutes (gateway_id, device, day, minutes, bits) VALUES (?, ?, ?, ?, ?)')
      for (const [day, bits] of minuteBitmaps([[from, to]])) add.run(device.gatewayId, device.id, day, popcount(bits), bits)
      device.good = [[from, to]]
      const stale = (await get<ExpectedRow[]>('admin', '/api/compliance')).find(key)!
      // a commissioning record makes the report anew at once, but keeps coverage younger than the bound
      // (dated the day the duty starts, or today when that is later: plausible dates only, issue 15)
      const commissionedOn = stale.appliesFrom < MAIN_AS_OF ? stale.appliesFrom : MAIN_AS_OF
      const recorded = await app.inject({ method: 'POST', url: '/api/commissioning', headers: await as('admin'), payload: { siteId: device.siteId, system: device.system, commissionedOn } })
      expect(recorded.statusCode, recorded.body).toBe(201)
      fleet.records.push({ siteId: device.siteId, system: device.system, commissionedOn, accepted: true })
      const recomputed = (await get<ExpectedRow[]>('admin', '/api/compliance')).find(key)!
      expect(stale.installedOn === null || stale.installedOn > commissionedOn).toBe(true)
      expect(recomputed).toMatchObject({ installedOn: commissionedOn, coverage: stale.coverage })
      vi.advanceTimersByTime(realNow + COVERAGE_MAX_AGE_MS)
      const fresh = (await get<ExpectedRow[]>('admin', '/api/compliance')).find(key)!
      const expected = expectedRows(catalog, fleet, MAIN_AS_OF).find(key)!
      expect(fresh.coverage).toBeCloseTo(expected.coverage, 12)
      expect(fresh.coverage).toBeGreaterThan(stale.coverage)
      // the evidence's series is read fresh
      const evidence = await get<ComplianceEvidence>('admin', `/api/compliance/sites/${device.siteId}?days=7`)
      const series = evidence.coverage.find((c) => c.system === device.system)!
      const others = fleet.devices.filter((d) => d.siteId === device.siteId && d.system === device.system)
      expect(series.days.map((d) => d.coverage)).toEqual(series.days.map((d) => Math.min(...others.map((o) => goodMinutesOn(o.good, d.day))) / 1440))
    } finally {
      vi.useRealTimers()
    }
  })
})
