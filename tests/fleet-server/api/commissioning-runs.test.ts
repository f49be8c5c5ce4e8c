import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { canonicalBytes, verifySignedRun, type SignedRun } from '../../../protocols/commissioning/index.ts'
import type { Commissioning, CommissioningRun, CommissioningRunSummary, ComplianceEvidence, ComplianceRow } from '../../../fleet-server/src/api/index.ts'
import { commissioningEvent, feed, ingestFor, registerKey, rows, runOf, sign } from '../commissioning-runs/feed.ts'
import { fixture, NOW, type Fixture } from './fixture.ts'

let f: Fixture
beforeEach(async () => { f = await fixture() })
afterEach(async () => { await f.close() })

const DAY = 86_400_000
const TS = NOW + 1000

/** site-a1 (a coal mine) gets a second methane sensor of `monitoring` on gw-a1, and gw-a1 a signing key */
function twoSensors(): string {
  f.store.storeInventory('gw-a1', 'site-a1', {
    v: 1, gw: 'gw-a1', ts: NOW - 60_000,
    devices: ['ch4-1', 'ch4-2'].map((device, i) => ({ device, profile: 'gas-ch4', profileVersion: '1', bus: 'rs485-1', unit: i + 1, vendor: 'ACME', model: 'GJC4', system: 'monitoring' })),
  }, NOW - 60_000)
  return registerKey(f.store, 'gw-a1', 'site-a1')
}

async function get<T>(url: string, user = 'admin'): Promise<T> {
  const reply = await f.app.inject({ url, headers: await f.as(user) })
  if (reply.statusCode !== 200) throw new Error(`${url}: ${reply.statusCode} ${reply.body}`)
  return reply.json<T>()
}
const monitoringRow = async () => (await get<ComplianceRow[]>('/api/compliance')).find((r) => r.siteId === 'site-a1' && r.system === 'monitoring')!
const records = async () => (await get<ComplianceEvidence>('/api/compliance/sites/site-a1')).commissioning

describe('signed runs as the evidence behind installedOn', () => {
  it('installedOn is set when every device of the system passed, not before: dated the day of the run that completed the set, shown as tested', async () => {
    const key = twoSensors()
    const ingest = ingestFor(f.store, f.clock)
    const first = sign(runOf('gw-a1', 'site-a1', NOW - 2 * DAY, { 'ch4-1': 'passed' }), key)
    expect(feed(ingest, 'site-a1', 'gw-a1', [commissioningEvent(10, TS, first)])).toMatchObject({ ok: true, records: 1 })
    expect((await monitoringRow()).installedOn).toBeNull()
    expect(await records()).toEqual([])

    const second = sign(runOf('gw-a1', 'site-a1', NOW - DAY, { 'ch4-2': 'passed' }), key)
    expect(feed(ingest, 'site-a1', 'gw-a1', [commissioningEvent(11, TS, second)])).toMatchObject({ ok: true, records: 1 })
    expect((await monitoringRow()).installedOn).toBe('2026-05-31')
    const [tested] = await records()
    expect(tested).toMatchObject<Partial<Commissioning>>({
      system: 'monitoring', commissionedOn: '2026-05-31', evidence: 'tested', state: 'effective', accepted: true, devices: ['ch4-1', 'ch4-2'], by: '李工',
      runIds: [(first.run as { id: string }).id, (second.run as { id: string }).id],
    })
    const audit = f.store.audit.list({ role: 'admin' }).find((e) => e.action === 'commissioning-tested')
    expect(audit).toMatchObject({ actor: 'gateway:gw-a1', siteId: 'site-a1', detail: { system: 'monitoring', commissionedOn: '2026-05-31' } })

    // a later run passing both again leaves the first date alone: no second tested record
    feed(ingest, 'site-a1', 'gw-a1', [commissioningEvent(12, TS, sign(runOf('gw-a1', 'site-a1', NOW - 60_000, { 'ch4-1': 'passed', 'ch4-2': 'passed' }), key))])
    expect((await records()).filter((r) => r.evidence === 'tested')).toHaveLength(1)
    expect((await monitoringRow()).installedOn).toBe('2026-05-31')
  })

  it('a failed device sets no installedOn', async () => {
    const key = twoSensors()
    const ingest = ingestFor(f.store, f.clock)
    feed(ingest, 'site-a1', 'gw-a1', [commissioningEvent(10, TS, sign(runOf('gw-a1', 'site-a1', NOW - DAY, { 'ch4-1': 'passed', 'ch4-2': 'failed' }), key))])
    expect(rows(f.store, 'commissioning_runs')).toBe(1)
    expect((await monitoringRow()).installedOn).toBeNull()
    expect(await records()).toEqual([])
    const [listed] = await get<CommissioningRunSummary[]>('/api/sites/site-a1/commissioning-runs')
    expect(listed).toMatchObject({ result: 'failed', devices: [{ device: 'ch4-1', result: 'passed' }, { device: 'ch4-2', result: 'failed' }] })
  })

  it('records posted by hand answer evidence entered, beside the tested ones', async () => {
    const key = twoSensors()
    const posted = await f.app.inject({ method: 'POST', url: '/api/commissioning', headers: await f.as('admin'), payload: { siteId: 'site-a1', system: 'monitoring', commissionedOn: '2026-05-20' } })
    expect(posted.statusCode).toBe(201)
    expect(posted.json()).toMatchObject({ evidence: 'entered' })
    expect(posted.json()).not.toHaveProperty('runIds')
    feed(ingestFor(f.store, f.clock), 'site-a1', 'gw-a1', [commissioningEvent(10, TS, sign(runOf('gw-a1', 'site-a1', NOW - DAY, { 'ch4-1': 'passed', 'ch4-2': 'passed' }), key))])
    expect((await records()).map((r) => [r.commissionedOn, r.evidence, r.by])).toEqual([['2026-05-20', 'entered', 'admin'], ['2026-05-31', 'tested', '李工']])
    // installedOn is the first effective record's date, entered or tested, as before
    expect((await monitoringRow()).installedOn).toBe('2026-05-20')
  })
})

describe('GET /api/sites/{id}/commissioning-runs and GET /api/gateways/{id}/commissioning-runs/{runId}', () => {
  it('list newest first with each device\'s T90 and recovery; the run whole verifies again from the answer', async () => {
    const key = twoSensors()
    const ingest = ingestFor(f.store, f.clock)
    const older = sign(runOf('gw-a1', 'site-a1', NOW - 2 * DAY, { 'ch4-1': 'passed' }), key)
    const newer = sign(runOf('gw-a1', 'site-a1', NOW - DAY, { 'ch4-2': 'passed' }, { purpose: 'periodic' }), key)
    feed(ingest, 'site-a1', 'gw-a1', [commissioningEvent(10, TS, older), commissioningEvent(11, TS, newer)])
    const list = await get<CommissioningRunSummary[]>('/api/sites/site-a1/commissioning-runs')
    expect(list.map((r) => [r.runId, r.purpose])).toEqual([[(newer.run as { id: string }).id, 'periodic'], [(older.run as { id: string }).id, 'commissioning']])
    expect(list[0]).toMatchObject({
      gatewayId: 'gw-a1', siteId: 'site-a1', result: 'passed', technician: { name: '李工', company: '乐平安装公司' }, receivedAt: NOW, hash: newer.hash, keyId: newer.keyId,
      devices: [{ device: 'ch4-2', system: 'monitoring', result: 'passed', failures: [], gas: [{ channel: 'ch4', test: 'span', result: 'passed', t90S: 19.6, t90LimitS: 30, recoveryS: 21.5, recoveryLimitS: 60, gas: 'CH4 in air 2 %CH4' }] }],
    })
    expect(await get<unknown[]>('/api/sites/site-a1/commissioning-runs?limit=1')).toHaveLength(1)

    const runId = (older.run as { id: string }).id
    const whole = await get<CommissioningRun>(`/api/gateways/gw-a1/commissioning-runs/${encodeURIComponent(runId)}`)
    expect(whole).toMatchObject({ gatewayId: 'gw-a1', runId, hash: older.hash, keyId: older.keyId, signature: older.signature, verified: true, receivedAt: NOW })
    expect(whole.run).toEqual(older.run)
    const again: SignedRun = { run: whole.run, hash: whole.hash, signature: whole.signature, keyId: whole.keyId }
    expect(canonicalBytes(again)).toEqual(canonicalBytes(older))
    expect(verifySignedRun(again, { publicKey: f.store.gatewaySigningKey('gw-a1'), site: 'site-a1', gateway: 'gw-a1' }).ok).toBe(true)
  })

  it('answers within the caller\'s scope only: another enterprise, an installer of another site and an unknown run answer 404', async () => {
    const key = twoSensors()
    const signed = sign(runOf('gw-a1', 'site-a1', NOW - DAY, { 'ch4-1': 'passed' }), key)
    feed(ingestFor(f.store, f.clock), 'site-a1', 'gw-a1', [commissioningEvent(10, TS, signed)])
    const runUrl = `/api/gateways/gw-a1/commissioning-runs/${encodeURIComponent((signed.run as { id: string }).id)}`
    for (const user of ['admin', 'reg-ys', 'ent-a']) {
      expect((await f.app.inject({ url: '/api/sites/site-a1/commissioning-runs', headers: await f.as(user) })).statusCode, user).toBe(200)
      expect((await f.app.inject({ url: runUrl, headers: await f.as(user) })).statusCode, user).toBe(200)
    }
    for (const user of ['ent-b', 'inst']) {
      expect((await f.app.inject({ url: '/api/sites/site-a1/commissioning-runs', headers: await f.as(user) })).statusCode, user).toBe(404)
      expect((await f.app.inject({ url: runUrl, headers: await f.as(user) })).statusCode, user).toBe(404)
    }
    expect((await f.app.inject({ url: '/api/gateways/gw-a1/commissioning-runs/gw-a1:1', headers: await f.as('admin') })).statusCode).toBe(404)
    expect((await f.app.inject({ url: '/api/sites/site-a1/commissioning-runs' })).statusCode).toBe(401)
  })

  it('refused runs are in GET /api/audit (a regulator of the site reads them) with the gateway, site, code and reason, and nowhere in the runs', async () => {
    const key = twoSensors()
    const other = registerKey(f.store, 'gw-b1', 'site-b1')
    const good = sign(runOf('gw-a1', 'site-a1', NOW - DAY, { 'ch4-1': 'passed' }), key)
    const changedByte: SignedRun = { ...good, signature: `${good.signature.slice(0, 10)}${good.signature[10] === 'A' ? 'B' : 'A'}${good.signature.slice(11)}` }
    feed(ingestFor(f.store, f.clock), 'site-a1', 'gw-a1', [
      commissioningEvent(10, TS, changedByte),
      commissioningEvent(11, TS, sign(runOf('gw-a1', 'site-a1', NOW - DAY, { 'ch4-1': 'passed' }), other)),
      commissioningEvent(12, TS, sign(runOf('gw-a1', 'site-b1', NOW - DAY, { 'ch4-1': 'passed' }), key)),
    ])
    expect(await get<unknown[]>('/api/sites/site-a1/commissioning-runs')).toEqual([])
    const audit = (await get<{ entries: { action: string; siteId?: string; detail: Record<string, unknown> }[] }>('/api/audit?limit=50', 'reg-ys')).entries
      .filter((e) => e.action === 'commissioning-refused')
    expect(audit.map((e) => [e.siteId, e.detail.gateway, e.detail.site, e.detail.code]).reverse()).toEqual([
      ['site-a1', 'gw-a1', 'site-a1', 'BAD_SIGNATURE'], ['site-a1', 'gw-a1', 'site-a1', 'OTHER_KEY'], ['site-a1', 'gw-a1', 'site-a1', 'OTHER_SITE'],
    ])
    expect(audit.every((e) => String(e.detail.reason).includes('gw-a1') || String(e.detail.reason).includes('site'))).toBe(true)
    expect(f.store.ingestStats().rejected).toEqual({ 'commissioning:BAD_SIGNATURE': 1, 'commissioning:OTHER_KEY': 1, 'commissioning:OTHER_SITE': 1 })
    expect((await monitoringRow()).installedOn).toBeNull()
  })

  it('a test alarm is answered as a test by GET /api/alarms and is not counted as unacknowledged', async () => {
    feed(ingestFor(f.store, f.clock), 'site-a1', 'gw-a1', [
      { seq: 20, ts: TS, type: 'alarm', state: 'raised', device: 'ch4-9', channel: 'ch4', kind: 'level', level: 'alarm', value: 1.9, threshold: 1, unit: '%CH4', test: true },
    ])
    const alarms = await get<{ device: string; test?: boolean }[]>('/api/alarms?active=true')
    expect(alarms.filter((a) => a.device === 'ch4-9').map((a) => a.test)).toEqual([true])
    expect(alarms.filter((a) => a.device !== 'ch4-9').every((a) => a.test === undefined)).toBe(true)
    const site = (await get<{ id: string; activeAlarms: number; unacknowledgedAlarms: number }[]>('/api/sites')).find((s) => s.id === 'site-a1')
    expect(site).toMatchObject({ activeAlarms: 2, unacknowledgedAlarms: 1 })
  })
})
