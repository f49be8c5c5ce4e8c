import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { User } from '../../../fleet-server/src/api/index.ts'
import { parseCsv, type Catalog } from '../../../fleet-server/src/compliance/index.ts'
import type { SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import {
  byKey, ENTERPRISES, expectedRows, JURISDICTIONS, MAIN_AS_OF, FLEET_NOW, startFleetApp, type ExpectedRow, type Fleet, type FleetApp,
} from './compliance-fleet.ts'

const USERS: User[] = [
  { name: 'admin', role: 'admin' },
  { name: 'reg-ys', role: 'regulator', jurisdiction: '涌山镇' },
  { name: 'reg-city', role: 'regulator', jurisdiction: '*' },
  { name: 'ent-1', role: 'enterprise', enterpriseId: 'ent-1' },
  { name: 'inst', role: 'installer', siteIds: ['site-000', 'site-001'] },
]

let fixture: FleetApp
let store: SqliteStore
let app: FastifyInstance
let catalog: Catalog
let fleet: Fleet
const as = (name: string) => fixture.as(name)

async function rows(user: string, query = ''): Promise<ExpectedRow[]> {
  const reply = await app.inject({ url: `/api/compliance${query}`, headers: await as(user) })
  expect(reply.statusCode, reply.body).toBe(200)
  return reply.json<ExpectedRow[]>()
}

/** compare with the oracle; coverage as a number close to the oracle's */
function expectSame(actual: readonly ExpectedRow[], expected: readonly ExpectedRow[]) {
  expect(actual.length).toBe(expected.length)
  const a = byKey(actual)
  const e = byKey(expected)
  a.forEach((row, i) => {
    const { coverage, ...rest } = row
    const { coverage: expectedCoverage, ...expectedRest } = e[i]!
    expect(rest).toEqual(expectedRest)
    expect(coverage).toBeCloseTo(expectedCoverage, 12)
  })
}

beforeAll(async () => {
  fixture = await startFleetApp(USERS)
  ;({ store, app, catalog, fleet } = fixture)
}, 60_000)

afterAll(async () => {
  await fixture?.close()
})

describe('GET /api/compliance on a generated fleet', () => {
  test('the fleet is varied enough to mean something', () => {
    expect(fleet.sites.length).toBeGreaterThanOrEqual(200)
    const expected = expectedRows(catalog, fleet, MAIN_AS_OF)
    expect(new Set(fleet.sites.map((s) => s.type)).size).toBe(6)
    expect(new Set(expected.map((r) => r.status))).toEqual(new Set(['compliant', 'late', 'overdue', 'due-soon', 'on-track']))
    expect(expected.filter((r) => r.verified).length).toBeGreaterThan(5)
    expect(expected.filter((r) => !r.verified && r.coverage > 0.9).length).toBeGreaterThan(0)
    expect(expected.some((r) => r.coverage === 0.95)).toBe(true)
  })

  test('every row equals the independent computation (default asOf = today in Shanghai)', async () => {
    const actual = await rows('admin')
    expectSame(actual, expectedRows(catalog, fleet, MAIN_AS_OF))
    // by site id, then one row per system
    const ids = actual.map((r) => r.siteId)
    expect(ids).toEqual([...ids].sort())
    expect(new Set(actual.map((r) => `${r.siteId}/${r.system}`)).size).toBe(actual.length)
  })

  test.each(['2026-05-31', '2026-06-08', '2024-02-29', '2014-01-01', '2013-12-31', '2011-01-01'])('asOf=%s', async (asOf) => {
    expectSame(await rows('admin', `?asOf=${asOf}`), expectedRows(catalog, fleet, asOf))
  })

  test('filters: status, siteType, jurisdiction, and together', async () => {
    const all = expectedRows(catalog, fleet, MAIN_AS_OF)
    for (const status of ['compliant', 'late', 'overdue', 'due-soon', 'on-track']) {
      expectSame(await rows('admin', `?status=${status}`), all.filter((r) => r.status === status))
    }
    for (const siteType of ['coal-mine', 'petrol-station', 'hazmat-fleet', 'chemical-plant']) {
      expectSame(await rows('admin', `?siteType=${siteType}`), all.filter((r) => r.siteType === siteType))
    }
    for (const jurisdiction of JURISDICTIONS) {
      expectSame(await rows('admin', `?jurisdiction=${encodeURIComponent(jurisdiction)}`), all.filter((r) => r.jurisdiction === jurisdiction))
    }
    const asOf = '2024-06-30'
    const some = expectedRows(catalog, fleet, asOf).filter((r) => r.status === 'overdue' && r.siteType === 'tailings-pond' && r.jurisdiction === '石潭镇')
    expect(some.length).toBeGreaterThan(0)
    expectSame(await rows('admin', `?status=overdue&siteType=tailings-pond&jurisdiction=${encodeURIComponent('石潭镇')}&asOf=${asOf}`), some)
  })

  test('roles: regulator its jurisdiction (or the city), enterprise its own sites, installer refused', async () => {
    const all = expectedRows(catalog, fleet, MAIN_AS_OF)
    expectSame(await rows('reg-ys'), all.filter((r) => r.jurisdiction === '涌山镇'))
    expectSame(await rows('reg-city'), all)
    const own = new Set(fleet.sites.filter((s) => s.enterpriseId === 'ent-1').map((s) => s.id))
    expectSame(await rows('ent-1'), all.filter((r) => own.has(r.siteId)))
    // a regulator's jurisdiction filter cannot widen its scope
    expect(await rows('reg-ys', `?jurisdiction=${encodeURIComponent('石潭镇')}`)).toEqual([])
    for (const url of ['/api/compliance', '/api/compliance.csv']) {
      expect((await app.inject({ url, headers: await as('inst') })).statusCode).toBe(403)
      expect((await app.inject({ url })).statusCode).toBe(401)
    }
  })

  test('bad queries answer 400', async () => {
    for (const query of ['?asOf=2026-02-30', '?asOf=2026-6-1', '?asOf=yesterday', '?status=late-ish', '?siteType=farm']) {
      const reply = await app.inject({ url: `/api/compliance${query}`, headers: await as('admin') })
      expect(reply.statusCode, query).toBe(400)
      expect((await app.inject({ url: `/api/compliance.csv${query}`, headers: await as('admin') })).statusCode, query).toBe(400)
    }
  })
})

describe('GET /api/compliance.csv', () => {
  test('UTF-8 with BOM, RFC 4180, the same rows as the JSON', async () => {
    for (const query of ['', `?asOf=2014-01-01&jurisdiction=${encodeURIComponent('城关镇')}`]) {
      const json = await rows('admin', query)
      const reply = await app.inject({ url: `/api/compliance.csv${query}`, headers: await as('admin') })
      expect(reply.statusCode).toBe(200)
      expect(reply.headers['content-type']).toBe('text/csv; charset=utf-8')
      expect(reply.headers['content-disposition']).toMatch(/^attachment; filename="compliance-\d{4}-\d{2}-\d{2}\.csv"$/u)
      expect([...reply.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
      const text = reply.rawPayload.toString('utf8')
      expect(text).toContain('乐平市涌山煤业有限责任公司')
      const [header, ...records] = parseCsv(text).map((r) => r.fields.map((f) => f.value))
      expect(header![0]).toBe('siteId') // the BOM is not part of the first name
      expect(records.length).toBe(json.length)
      const cell = (v: unknown) => (v === null ? '' : String(v))
      records.forEach((fields, i) => {
        const row = json[i]!
        const byName = Object.fromEntries(header!.map((name, k) => [name, fields[k]]))
        const { sanction, ...rest } = row
        for (const [key, value] of Object.entries(rest)) expect(byName[key], `${row.siteId} ${key}`).toBe(cell(value))
        expect(byName.sanctionZh).toBe(sanction?.zh ?? '')
        expect(byName.sanctionEn).toBe(sanction?.en ?? '')
      })
      // names that need quoting came back intact
      if (query === '') for (const e of ENTERPRISES) expect(records.some((f) => f.includes(e.name)), e.name).toBe(records.length > 0 && json.some((r) => r.enterpriseName === e.name))
    }
  })
})

describe('POST /api/commissioning', () => {
  const post = async (user: string | undefined, payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/api/commissioning', headers: user ? await as(user) : {}, payload })

  test('an installer records a system on its assigned site; the report counts it', async () => {
    const site = fleet.sites.find((s) => s.id === 'site-000')! // a coal mine
    const before = (await rows('admin', `?asOf=${MAIN_AS_OF}`)).find((r) => r.siteId === site.id && r.system === 'personnel-positioning')!
    const reply = await post('inst', { siteId: site.id, system: 'personnel-positioning', commissionedOn: '2012-03-01', devices: ['pp-1', 'pp-2'], note: '验收合格, "OK"' })
    expect(reply.statusCode, reply.body).toBe(201)
    const record = reply.json()
    expect(record).toMatchObject({ siteId: site.id, system: 'personnel-positioning', commissionedOn: '2012-03-01', by: 'inst', devices: ['pp-1', 'pp-2'], note: '验收合格, "OK"', accepted: true, createdAt: FLEET_NOW })
    expect(store.commissioningOf(site.id).some((r) => r.id === record.id)).toBe(true)
    fleet.records.push({ siteId: site.id, system: 'personnel-positioning', commissionedOn: '2012-03-01', accepted: true })
    const after = (await rows('admin')).find((r) => r.siteId === site.id && r.system === 'personnel-positioning')!
    expect(after.installedOn).toBe(before.installedOn !== null && before.installedOn < '2012-03-01' ? before.installedOn : '2012-03-01')
    expectSame(await rows('admin'), expectedRows(catalog, fleet, MAIN_AS_OF))
  })

  test('admin may record on any site; today is allowed', async () => {
    const reply = await post('admin', { siteId: 'site-100', system: 'monitoring', commissionedOn: MAIN_AS_OF })
    expect(reply.statusCode, reply.body).toBe(201)
    expect(reply.json()).toMatchObject({ by: 'admin', devices: [], accepted: true })
    expect(reply.json()).not.toHaveProperty('note')
    fleet.records.push({ siteId: 'site-100', system: 'monitoring', commissionedOn: MAIN_AS_OF, accepted: true })
  })

  test('roles and scope: 401, 403, 404', async () => {
    const body = { siteId: 'site-001', system: 'monitoring', commissionedOn: '2020-01-01' }
    expect((await post(undefined, body)).statusCode).toBe(401)
    for (const user of ['reg-city', 'ent-1']) expect((await post(user, body)).statusCode, user).toBe(403)
    expect((await post('inst', { ...body, siteId: 'site-002' })).statusCode).toBe(404) // exists, not assigned
    expect((await post('inst', { ...body, siteId: 'site-nope' })).statusCode).toBe(404)
    expect((await post('admin', { ...body, siteId: 'site-nope' })).statusCode).toBe(404)
    expect(store.commissioningOf('site-002').every((r) => r.by === 'seed')).toBe(true)
  })

  test('validation: unknown system, date format, impossible date, the future, missing and mistyped fields', async () => {
    const body = { siteId: 'site-001', system: 'monitoring', commissionedOn: '2020-01-01' }
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...body, system: 'coffee-machine' }, /system/u],
      [{ ...body, commissionedOn: '2020-1-1' }, /commissionedOn/u],
      [{ ...body, commissionedOn: '01/02/2020' }, /commissionedOn/u],
      [{ ...body, commissionedOn: '2019-02-29' }, /^body\/commissionedOn: 2019-02-29 is not a day of the calendar \(February 2019 has 28 days\)$/u],
      [{ ...body, commissionedOn: '2026-06-02' }, /future/u], // tomorrow in Shanghai
      [{ siteId: 'site-001', system: 'monitoring' }, /commissionedOn/u],
      [{ ...body, devices: [''] }, /devices/u], // (a lone string is coerced to a list: fastify's coerceTypes 'array')
    ]
    for (const [payload, message] of cases) {
      const reply = await post('inst', payload)
      expect(reply.statusCode, JSON.stringify(payload)).toBe(400)
      expect(reply.json().message, JSON.stringify(payload)).toMatch(message)
    }
    expect(store.commissioningOf('site-001').every((r) => r.by === 'seed')).toBe(true)
  })
})
