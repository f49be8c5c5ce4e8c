/**
 * Issue 15, hole 4 (backdated commissioning) and hole 10's CSV formula injection, performed as the
 * audit did them against the API (inject(), no port), then the trust pieces that close them:
 * append-only records with who and when, plausible dates, a regulator's rejection, corrections that
 * name what they replace, history that cannot be rewritten, and corroboration by live data.
 */
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ComplianceEvidence, User } from '../../../fleet-server/src/api/index.ts'
import { parseCsv } from '../../../fleet-server/src/compliance/index.ts'
import { hashSecret } from '../../../fleet-server/src/mqtt/secrets.ts'
import type { SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import { dayIndex, dayOf, FLEET_NOW, MAIN_AS_OF, startFleetApp, type ExpectedRow, type Fleet, type FleetApp } from './compliance-fleet.ts'

const USERS: User[] = [
  { name: 'admin', role: 'admin' },
  { name: 'reg-city', role: 'regulator', jurisdiction: '*' },
]
const PASSWORD = 'correct horse battery' // the fixture's

let fixture: FleetApp
let store: SqliteStore
let app: FastifyInstance
let fleet: Fleet
const as = (name: string) => fixture.as(name)

async function get<T>(user: string, url: string): Promise<T> {
  const reply = await app.inject({ url, headers: await as(user) })
  expect(reply.statusCode, reply.body).toBe(200)
  return reply.json<T>()
}
const rowOf = async (siteId: string, system: string, query = ''): Promise<ExpectedRow> =>
  (await get<ExpectedRow[]>('admin', `/api/compliance${query}`)).find((r) => r.siteId === siteId && r.system === system)!
const post = async (user: string, url: string, payload: Record<string, unknown>) =>
  app.inject({ method: 'POST', url, headers: await as(user), payload })

const created = new Set<string>()
/** a user of `role` scoped to the site of `row` (an installer assigned to it, a regulator of its jurisdiction) */
async function userFor(role: 'installer' | 'regulator', row: ExpectedRow): Promise<string> {
  const name = `${role}-${row.siteId}`
  if (!created.has(name)) {
    created.add(name)
    const scope = role === 'installer' ? { siteIds: [row.siteId] } : { jurisdiction: row.jurisdiction }
    store.addUser({ name, role, ...scope, passwordHash: await hashSecret(PASSWORD) })
  }
  return name
}

/** a (site, system) row of this status today whose site has nothing recorded for that system */
async function untouchedRow(status: string, used: Set<string>): Promise<ExpectedRow> {
  const rows = await get<ExpectedRow[]>('admin', `/api/compliance?status=${status}`)
  const row = rows.find((r) => !used.has(r.siteId) && (status === 'late' || !fleet.records.some((c) => c.siteId === r.siteId && c.system === r.system)))!
  expect(row, status).toBeDefined()
  used.add(row.siteId)
  return row
}
const used = new Set<string>()

beforeAll(async () => {
  fixture = await startFleetApp(USERS)
  ;({ store, app, fleet } = fixture)
}, 60_000)

afterAll(async () => {
  await fixture?.close()
})

describe('hole 4: backdated commissioning (the attack)', () => {
  test('an installer posting commissionedOn 1900-01-01 for a late system of its site is refused; late stays late; asOf=2015-01-01 answers as before', async () => {
    const late = await untouchedRow('late', used)
    const installer = await userFor('installer', late)
    const history = await get<ExpectedRow[]>('admin', '/api/compliance?asOf=2015-01-01')
    const reply = await post(installer, '/api/commissioning', { siteId: late.siteId, system: late.system, commissionedOn: '1900-01-01' })
    expect(reply.statusCode, reply.body).toBe(400)
    expect(reply.json()).toMatchObject({ message: expect.stringMatching(/^body\/commissionedOn: 1900-01-01 is more than 10 years before/u) })
    expect((await rowOf(late.siteId, late.system)).status).toBe('late')
    expect(await get<ExpectedRow[]>('admin', '/api/compliance?asOf=2015-01-01')).toEqual(history)
  })

  test('a new record does not change what an asOf before its recording answers', async () => {
    const overdue = await untouchedRow('overdue', used)
    const installer = await userFor('installer', overdue)
    const yesterday = dayOf(dayIndex(MAIN_AS_OF) - 1)
    const before = await get<ExpectedRow[]>('admin', `/api/compliance?asOf=${yesterday}`)
    const beforeCsv = (await app.inject({ url: `/api/compliance.csv?asOf=${yesterday}`, headers: await as('admin') })).body
    // a plausible date, on the deadline: today's answer becomes compliant…
    const reply = await post(installer, '/api/commissioning', { siteId: overdue.siteId, system: overdue.system, commissionedOn: overdue.deadline })
    expect(reply.statusCode, reply.body).toBe(201)
    expect((await rowOf(overdue.siteId, overdue.system)).status).toBe('compliant')
    // …but the day before it was recorded still answers overdue: history is not rewritten
    expect(await get<ExpectedRow[]>('admin', `/api/compliance?asOf=${yesterday}`)).toEqual(before)
    expect((await app.inject({ url: `/api/compliance.csv?asOf=${yesterday}`, headers: await as('admin') })).body).toBe(beforeCsv)
    const evidence = await get<ComplianceEvidence>('admin', `/api/compliance/sites/${overdue.siteId}?asOf=${yesterday}`)
    expect(evidence.commissioning.some((r) => r.id === reply.json<{ id: number }>().id)).toBe(false)
  })
})

describe('hole 10: CSV formula injection (the attack)', () => {
  test('an enterprise named =HYPERLINK(…) is exported as text, not a live formula', async () => {
    const name = '=HYPERLINK("http://x","y")'
    store.upsertEnterprise({ id: 'ent-formula', name })
    store.upsertSite({ id: 'site-formula', enterpriseId: 'ent-formula', name: '+SUM(A1:A9)', type: 'coal-mine', jurisdiction: '@城关镇' })
    const reply = await app.inject({ url: '/api/compliance.csv', headers: await as('admin') })
    expect(reply.statusCode).toBe(200)
    const [header, ...records] = parseCsv(reply.body).map((r) => r.fields.map((f) => f.value))
    const mine = records.filter((fields) => fields[0] === 'site-formula')
    expect(mine.length).toBeGreaterThan(0)
    const column = (name: string) => header!.indexOf(name)
    for (const fields of mine) {
      expect(fields[column('enterpriseName')]).toBe(`'${name}`)
      expect(fields[column('siteName')]).toBe("'+SUM(A1:A9)")
      expect(fields[column('jurisdiction')]).toBe("'@城关镇")
    }
    for (const fields of records) for (const cell of fields) expect(cell, cell).not.toMatch(/^[=+\-@\t\r]/u)
  })
})

describe('the trust pieces', () => {
  test('records carry who and when (server time), whatever the body says; the table refuses UPDATE and DELETE', async () => {
    const row = await untouchedRow('overdue', used)
    const installer = await userFor('installer', row)
    const forged = await post(installer, '/api/commissioning', { siteId: row.siteId, system: row.system, commissionedOn: row.deadline, by: 'admin', createdAt: 0 })
    expect(forged.statusCode).toBe(400)
    const reply = await post(installer, '/api/commissioning', { siteId: row.siteId, system: row.system, commissionedOn: row.deadline })
    expect(reply.json()).toMatchObject({ by: installer, createdAt: FLEET_NOW, state: 'effective' })
    const id = reply.json<{ id: number }>().id
    expect(() => store.db.prepare("UPDATE commissioning SET commissioned_on = '1900-01-01' WHERE id = ?").run(id)).toThrow(/append-only/u)
    expect(() => store.db.prepare('DELETE FROM commissioning WHERE id = ?').run(id)).toThrow(/append-only/u)
  })

  test('a date after today is refused, naming the field; exactly 10 years before the duty starts is accepted, one day earlier refused', async () => {
    const row = await untouchedRow('overdue', used)
    const installer = await userFor('installer', row)
    const tenYears = `${String(Number(row.appliesFrom.slice(0, 4)) - 10)}${row.appliesFrom.slice(4)}`
    const tomorrow = dayOf(dayIndex(MAIN_AS_OF) + 1)
    const future = await post(installer, '/api/commissioning', { siteId: row.siteId, system: row.system, commissionedOn: tomorrow })
    expect(future.statusCode).toBe(400)
    expect(future.json().message).toMatch(/^body\/commissionedOn: .*future/u)
    const early = await post(installer, '/api/commissioning', { siteId: row.siteId, system: row.system, commissionedOn: dayOf(dayIndex(tenYears) - 1) })
    expect(early.statusCode).toBe(400)
    expect(early.json().message).toContain(`the duty starts ${row.appliesFrom}`)
    const edge = await post(installer, '/api/commissioning', { siteId: row.siteId, system: row.system, commissionedOn: tenYears })
    expect(edge.statusCode, edge.body).toBe(201)
  })

  test('a regulator of the site rejects a record with a reason: the status no longer counts it; evidence and CSV show the rejection', async () => {
    const row = await untouchedRow('overdue', used)
    const installer = await userFor('installer', row)
    const regulator = await userFor('regulator', row)
    const record = (await post(installer, '/api/commissioning', { siteId: row.siteId, system: row.system, commissionedOn: row.deadline })).json<{ id: number }>()
    expect((await rowOf(row.siteId, row.system)).status).toBe('compliant')
    // roles: the installer and an enterprise may not; a regulator of another jurisdiction sees no such record
    expect((await post(installer, `/api/commissioning/${record.id}/reject`, { reason: 'mine' })).statusCode).toBe(403)
    const elsewhere = `reg-elsewhere-${row.siteId}`
    store.addUser({ name: elsewhere, role: 'regulator', jurisdiction: 'no-such-town', passwordHash: await hashSecret(PASSWORD) })
    expect((await post(elsewhere, `/api/commissioning/${record.id}/reject`, { reason: 'x' })).statusCode).toBe(404)
    expect((await post(regulator, `/api/commissioning/${record.id}/reject`, { reason: '' })).statusCode).toBe(400)
    const rejected = await post(regulator, `/api/commissioning/${record.id}/reject`, { reason: '现场无设备 no devices on site' })
    expect(rejected.statusCode, rejected.body).toBe(201)
    expect(rejected.json()).toMatchObject({ recordId: record.id, by: regulator, reason: '现场无设备 no devices on site', createdAt: FLEET_NOW })
    expect((await post(regulator, `/api/commissioning/${record.id}/reject`, { reason: 'again' })).statusCode).toBe(409)
    expect((await rowOf(row.siteId, row.system)).status).toBe('overdue')
    // both in the audit log, with who and the site (a regulator of the township reads them)
    const audit = store.audit.list({ role: 'regulator', jurisdiction: row.jurisdiction }).filter((e) => e.subject === `commissioning ${record.id}`)
    expect(audit.map((e) => [e.action, e.actor, e.siteId])).toEqual([['commissioning-reject', regulator, row.siteId], ['commissioning-record', installer, row.siteId]])
    expect(audit[0]!.detail).toMatchObject({ reason: '现场无设备 no devices on site' })
    const evidence = await get<ComplianceEvidence>('reg-city', `/api/compliance/sites/${row.siteId}`)
    expect(evidence.commissioning.find((r) => r.id === record.id)).toMatchObject({
      state: 'rejected', accepted: false, rejection: { id: rejected.json<{ id: number }>().id, by: regulator, reason: '现场无设备 no devices on site', createdAt: FLEET_NOW },
    })
    const csv = (await app.inject({ url: `/api/compliance.csv?jurisdiction=${encodeURIComponent(row.jurisdiction)}`, headers: await as('admin') })).body
    const [header, ...records] = parseCsv(csv).map((r) => r.fields.map((f) => f.value))
    const fields = records.find((f) => f[0] === row.siteId && f[header!.indexOf('system')] === row.system)!
    expect(fields[header!.indexOf('rejectedRecords')]).toBe(`#${record.id} ${row.deadline} by ${installer}, rejected by ${regulator}: 现场无设备 no devices on site`)
    expect(fields[header!.indexOf('installedRecordId')]).toBe('')
  })

  test('a correction names the record it replaces: the replaced one no longer counts; a record is replaced once', async () => {
    const row = await untouchedRow('overdue', used)
    const installer = await userFor('installer', row)
    const first = (await post(installer, '/api/commissioning', { siteId: row.siteId, system: row.system, commissionedOn: row.deadline })).json<{ id: number }>()
    const dayAfter = dayOf(dayIndex(row.deadline) + 1)
    const correction = await post(installer, '/api/commissioning', { siteId: row.siteId, system: row.system, commissionedOn: dayAfter, replaces: first.id, note: 'wrong day' })
    expect(correction.statusCode, correction.body).toBe(201)
    expect(correction.json()).toMatchObject({ replaces: first.id, state: 'effective' })
    expect(await rowOf(row.siteId, row.system)).toMatchObject({ status: 'late', installedOn: dayAfter, daysOverdue: 1 })
    expect((await post(installer, '/api/commissioning', { siteId: row.siteId, system: row.system, commissionedOn: row.deadline, replaces: first.id })).statusCode).toBe(409)
    const otherSystem = await post(installer, '/api/commissioning', { siteId: row.siteId, system: row.system === 'monitoring' ? 'emergency-refuge' : 'monitoring', commissionedOn: row.deadline, replaces: correction.json<{ id: number }>().id })
    expect(otherSystem.statusCode).toBe(400)
    expect((await post(installer, '/api/commissioning', { siteId: row.siteId, system: row.system, commissionedOn: row.deadline, replaces: 999_999 })).statusCode).toBe(404)
    const evidence = await get<ComplianceEvidence>('admin', `/api/compliance/sites/${row.siteId}`)
    expect(evidence.commissioning.find((r) => r.id === first.id)).toMatchObject({ state: 'replaced', accepted: false, replacedBy: correction.json<{ id: number }>().id })
  })

  test('corroborated: a device of the system reported on or before the record\'s date + 7 days', async () => {
    const withDevices = fleet.devices.filter((d) => d.good.length > 0)
    const device = withDevices[0]!
    const first = Math.min(...device.good.map(([from]) => from))
    const firstDay = new Date(first + 8 * 3_600_000).toISOString().slice(0, 10)
    const others = fleet.devices.filter((d) => d.siteId === device.siteId && d.system === device.system && d.good.length > 0)
    const earliest = dayOf(Math.min(...others.map((d) => dayIndex(new Date(Math.min(...d.good.map(([a]) => a)) + 8 * 3_600_000).toISOString().slice(0, 10)))))
    const evidence = await get<ComplianceEvidence>('admin', `/api/compliance/sites/${device.siteId}`)
    expect(dayIndex(earliest)).toBeLessThanOrEqual(dayIndex(firstDay))
    const cases = [dayOf(dayIndex(earliest) - 7), dayOf(dayIndex(earliest) - 8)]
    const ids: number[] = []
    for (const commissionedOn of cases) {
      const reply = await post('admin', '/api/commissioning', { siteId: device.siteId, system: device.system, commissionedOn })
      expect(reply.statusCode, reply.body).toBe(201)
      ids.push(reply.json<{ id: number }>().id)
    }
    expect(evidence.asOf).toBe(MAIN_AS_OF)
    const after = await get<ComplianceEvidence>('admin', `/api/compliance/sites/${device.siteId}`)
    expect(ids.map((id) => after.commissioning.find((r) => r.id === id)!.corroborated)).toEqual([true, false])
  })
})
