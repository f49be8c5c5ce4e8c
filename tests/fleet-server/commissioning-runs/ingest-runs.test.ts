import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { canonicalBytes, verifySignedRun, type SignedRun } from '../../../protocols/commissioning/index.ts'
import { fixture, NOW, type Fixture } from '../api/fixture.ts'
import { commissioningEvent, feed, ingestFor, registerKey, rows, runOf, sign } from './feed.ts'

let f: Fixture
beforeEach(async () => { f = await fixture() })
afterEach(async () => { await f.close() })

const TS = NOW + 1000
const refusals = () => f.store.audit.list({ role: 'admin' }).filter((e) => e.action === 'commissioning-refused')

describe('signed commissioning runs through the ingest', () => {
  it('a run that verifies is kept once, as canonical JSON anyone can verify again with the gateway\'s key', () => {
    const key = registerKey(f.store, 'gw-a1', 'site-a1')
    const ingest = ingestFor(f.store, f.clock)
    const signed = sign(runOf('gw-a1', 'site-a1', NOW - 60_000, { 'ch4-1': 'passed' }), key)
    expect(feed(ingest, 'site-a1', 'gw-a1', [commissioningEvent(10, TS, signed)])).toMatchObject({ ok: true, records: 1 })
    const stored = f.store.db.prepare('SELECT * FROM commissioning_runs').all() as Record<string, unknown>[]
    expect(stored).toHaveLength(1)
    expect(stored[0]).toMatchObject({ site_id: 'site-a1', gateway_id: 'gw-a1', run_id: signed.run && (signed.run as { id: string }).id, hash: signed.hash, key_id: signed.keyId, purpose: 'commissioning', result: 'passed', technician: '李工', received_at: NOW })
    expect(stored[0]!.signed).toBe(canonicalBytes(signed).toString('utf8'))
    const again = JSON.parse(stored[0]!.signed as string) as SignedRun
    expect(verifySignedRun(again, { publicKey: f.store.gatewaySigningKey('gw-a1'), site: 'site-a1', gateway: 'gw-a1' }).ok).toBe(true)
    expect(f.store.db.prepare('SELECT device, system, result FROM commissioning_run_devices').all()).toEqual([{ device: 'ch4-1', system: 'monitoring', result: 'passed' }])

    // delivered again as a new event (the gateway's outbox after a restart), and the same event again: kept once
    const before = f.store.ingestStats()
    expect(feed(ingest, 'site-a1', 'gw-a1', [commissioningEvent(11, TS, signed)])).toMatchObject({ ok: true })
    expect(feed(ingest, 'site-a1', 'gw-a1', [commissioningEvent(11, TS, signed)])).toMatchObject({ ok: true, duplicates: 1 })
    expect(rows(f.store, 'commissioning_runs')).toBe(1)
    expect(f.store.ingestStats().duplicates - before.duplicates).toBe(2)
    expect(refusals()).toEqual([])
  })

  it('refuses a changed byte, another gateway\'s key and a run claiming another site: nothing stored, each counted by code and audited; the batch\'s other events are kept', () => {
    const key = registerKey(f.store, 'gw-a1', 'site-a1')
    const otherKey = registerKey(f.store, 'gw-b1', 'site-b1')
    const ingest = ingestFor(f.store, f.clock)
    const good = sign(runOf('gw-a1', 'site-a1', NOW - 60_000, { 'ch4-1': 'passed' }), key)
    const changed: SignedRun = { ...good, run: { ...(good.run as object), agentVersion: '0.1.1' } }
    const otherGateways = sign(runOf('gw-a1', 'site-a1', NOW - 50_000, { 'ch4-1': 'passed' }), otherKey)
    const otherSite = sign(runOf('gw-a1', 'site-b1', NOW - 40_000, { 'ch4-1': 'passed' }), key)
    const result = feed(ingest, 'site-a1', 'gw-a1', [
      commissioningEvent(20, TS, changed),
      commissioningEvent(21, TS, otherGateways),
      commissioningEvent(22, TS, otherSite),
      { seq: 23, ts: TS, type: 'agent-started', version: '9.9.9', configHash: 'h' },
    ])
    expect(result).toMatchObject({ ok: true })
    expect(rows(f.store, 'commissioning_runs')).toBe(0)
    expect(rows(f.store, 'commissioning_run_devices')).toBe(0)
    expect(f.store.db.prepare(`SELECT count(*) AS n FROM events WHERE type = 'commissioning'`).get()).toEqual({ n: 0 })
    expect(f.store.listGateways({ role: 'admin' }).find((g) => g.id === 'gw-a1')?.agentVersion).toBe('9.9.9')
    expect(f.store.ingestStats().rejected).toMatchObject({ 'commissioning:BAD_SIGNATURE': 1, 'commissioning:OTHER_KEY': 1, 'commissioning:OTHER_SITE': 1 })
    expect(refusals().map((e) => [e.actor, e.siteId, e.detail.gateway, e.detail.site, e.detail.code]).reverse()).toEqual([
      ['gateway:gw-a1', 'site-a1', 'gw-a1', 'site-a1', 'BAD_SIGNATURE'],
      ['gateway:gw-a1', 'site-a1', 'gw-a1', 'site-a1', 'OTHER_KEY'],
      ['gateway:gw-a1', 'site-a1', 'gw-a1', 'site-a1', 'OTHER_SITE'],
    ])
    expect(refusals().every((e) => typeof e.detail.reason === 'string' && (e.detail.reason as string).length > 10)).toBe(true)
  })

  it('a gateway without a registered key has its runs refused (NO_KEY); a run id used again for another run is refused (RUN_ID_REUSED)', () => {
    const ingest = ingestFor(f.store, f.clock)
    const { privateKeyPem } = { privateKeyPem: registerKey(f.store, 'gw-b1', 'site-b1') }
    expect(feed(ingest, 'site-a1', 'gw-a1', [commissioningEvent(30, TS, sign(runOf('gw-a1', 'site-a1', NOW - 60_000, { 'ch4-1': 'passed' }), privateKeyPem))])).toMatchObject({ ok: true })
    expect(f.store.ingestStats().rejected).toMatchObject({ 'commissioning:NO_KEY': 1 })
    const run = runOf('gw-b1', 'site-b1', NOW - 60_000, { 'ch4-1': 'passed' })
    feed(ingest, 'site-b1', 'gw-b1', [commissioningEvent(31, TS, sign(run, privateKeyPem))])
    feed(ingest, 'site-b1', 'gw-b1', [commissioningEvent(32, TS, sign({ ...run, result: 'failed', devices: [{ ...run.devices[0]!, result: 'failed' }] }, privateKeyPem))])
    expect(rows(f.store, 'commissioning_runs')).toBe(1)
    expect(f.store.ingestStats().rejected).toMatchObject({ 'commissioning:RUN_ID_REUSED': 1 })
    expect(refusals().map((e) => e.detail.code)).toEqual(['RUN_ID_REUSED', 'NO_KEY'])
  })

  it('test-mode and test-due events are kept; alarms and trips marked test are shown as tests and leave the unacknowledged count alone', () => {
    const ingest = ingestFor(f.store, f.clock)
    const before = f.store.getSite({ role: 'admin' }, 'site-a1')!.site.unacknowledgedAlarms
    expect(feed(ingest, 'site-a1', 'gw-a1', [
      { seq: 40, ts: TS, type: 'test-mode', state: 'started', devices: ['ch4-2'], interlocks: ['power-cut'], until: TS + 600_000, by: '李工' },
      { seq: 41, ts: TS, type: 'alarm', state: 'raised', device: 'ch4-2', channel: 'ch4', kind: 'level', level: 'alarm', value: 1.9, threshold: 1, unit: '%CH4', test: true },
      { seq: 42, ts: TS, type: 'interlock', interlock: 'power-cut', state: 'tripped', cause: 'ch4 >= 1.5', test: true },
      { seq: 43, ts: TS, type: 'test-due', device: 'ch4-1', test: 'bump', state: 'overdue', dueOn: '2026-05-30', periodDays: 15, source: 'AQ 1029-2019' },
    ])).toMatchObject({ ok: true, records: 4 })
    expect((f.store.db.prepare(`SELECT type FROM events WHERE seq IN (40, 43) ORDER BY seq`).all() as { type: string }[]).map((r) => r.type)).toEqual(['test-mode', 'test-due'])
    const alarms = f.store.listAlarms({ role: 'admin' }, { siteId: 'site-a1' })
    expect(alarms.filter((a) => a.test === true).map((a) => [a.device, a.level, a.state])).toEqual([['ch4-2', 'alarm', 'active']])
    expect(alarms.filter((a) => a.test !== true)).toHaveLength(1)
    expect(f.store.interlockActions({ role: 'admin' }, { siteId: 'site-a1' }).find((a) => a.seq === 42)).toMatchObject({ state: 'tripped', test: true })
    expect(before).toBe(1)
    expect(f.store.getSite({ role: 'admin' }, 'site-a1')!.site).toMatchObject({ unacknowledgedAlarms: before, activeAlarms: 2 })
  })
})

describe('a run that arrives before the inventory naming its devices\' system', () => {
  it('installs the system once the inventory arrives', () => {
    const key = registerKey(f.store, 'gw-a1', 'site-a1')
    const ingest = ingestFor(f.store, f.clock)
    const tested = () => f.store.commissioningOf('site-a1').filter((r) => r.evidence === 'tested').map((r) => [r.system, r.commissionedOn, r.devices])
    feed(ingest, 'site-a1', 'gw-a1', [commissioningEvent(10, TS, sign(runOf('gw-a1', 'site-a1', NOW - 86_400_000, { 'ch4-1': 'passed', 'pp-7': 'passed' }), key))])
    // ch4-1 is monitoring (the fixture's inventory); pp-7 is in no inventory yet
    expect(tested()).toEqual([['monitoring', '2026-05-31', ['ch4-1']]])
    expect(ingest.handle('fleet/v1/site-a1/gw-a1/inventory', Buffer.from(JSON.stringify({
      v: 1, gw: 'gw-a1', ts: TS,
      devices: [
        { device: 'ch4-1', profile: 'gas-ch4', profileVersion: '1', bus: 'rs485-1', unit: 1, vendor: 'ACME', model: 'GJC4', system: 'monitoring' },
        { device: 'pp-7', profile: 'pp-base', profileVersion: '1', bus: 'rs485-1', unit: 7, vendor: 'ACME', model: 'KJ-1', system: 'personnel-positioning' },
      ],
    })))).toMatchObject({ ok: true })
    expect(tested()).toEqual([['monitoring', '2026-05-31', ['ch4-1']], ['personnel-positioning', '2026-05-31', ['pp-7']]])
  })
})
