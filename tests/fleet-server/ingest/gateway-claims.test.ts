import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Ingest } from '../../../fleet-server/src/ingest/index.ts'
import type { SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import { verified } from '../../../fleet-server/src/compliance/index.ts'
import { addDays, shanghaiDay } from '../../../protocols/calendar/index.ts'
import type { AgentEvent, AlarmEvent, SequencedSample } from '../../../protocols/mqtt/index.ts'
import { eventsPayload, inventory, json, memoryStore, rawSamples, samples, seedRegistry, telemetryPayload, topic } from '../store/fixtures.ts'

// hole 6 of issue 15: what a gateway says about who did something and when is checked, not believed
const T0 = Date.parse('2026-11-29T02:00:00Z')
const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE
const SITE = 'site-0-0'
const GW = 'gw-0-0-0'
const admin = { role: 'admin' } as const
const now = { value: T0 }
let store: SqliteStore
let ingest: Ingest

/** the gateway gets its credentials (POST /api/enroll) at `at` */
function enrolAt(at: number): void {
  const clock = now.value
  now.value = at
  store.setGatewayCredentials({ gatewayId: GW, siteId: SITE, username: GW, passwordHash: 'scrypt$irrelevant' })
  now.value = clock
}

const alarm = (seq: number, ts: number, state: AlarmEvent['state'], extra: Partial<AlarmEvent> = {}): AlarmEvent =>
  ({ seq, ts, type: 'alarm', state, device: 'gas-0', channel: 'ch4', kind: 'level', level: 'high', value: 1.2, unit: '%CH4', threshold: 1, ...extra })
const events = (...list: AgentEvent[]) => ingest.handle(topic(SITE, GW, 'events'), eventsPayload(GW, list))
const telemetry = (list: SequencedSample[]) => ingest.handle(topic(SITE, GW, 'telemetry'), telemetryPayload(GW, list))

beforeEach(() => {
  now.value = T0
  store = memoryStore(now)
  seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 2, devicesPerGateway: 1 })
  ingest = new Ingest({ store, clock: () => now.value })
})
afterEach(() => store.close())

describe('a fleet user named in a gateway event', () => {
  it('without a command behind it, the acknowledgement is stored as the gateway\'s local operator\'s, not as admin\'s', () => {
    enrolAt(T0 - DAY)
    expect(events(alarm(1, T0 - 2000, 'raised'), alarm(2, T0 - 1000, 'acknowledged', { by: 'admin' }))).toMatchObject({ ok: true, records: 2 })
    expect(store.listAlarms(admin)).toMatchObject([{ acknowledged: true, acknowledgedBy: `local operator at ${GW}: admin` }])
  })

  it('without a command behind it, an interlock bypass and an already acknowledged raise are the local operator\'s too', () => {
    enrolAt(T0 - DAY)
    events(
      { seq: 1, ts: T0 - 3000, type: 'interlock', interlock: 'ch4-power-off', state: 'bypassed', reason: 'calibration', by: 'admin', until: T0 + 3_600_000 },
      alarm(2, T0 - 2000, 'raised', { acknowledged: true, by: 'admin' }),
    )
    expect(store.interlockActions(admin)).toMatchObject([{ state: 'bypassed', by: `local operator at ${GW}: admin` }])
    expect(store.listAlarms(admin)).toMatchObject([{ acknowledgedBy: `local operator at ${GW}: admin` }])
  })

  it('is kept when the server sent that user\'s command for that alarm or interlock to that gateway', () => {
    enrolAt(T0 - DAY)
    store.recordCommand({ id: 'c-ack', gatewayId: GW, name: 'ack-alarm', sentAt: T0 - 1500, by: 'admin', args: { device: 'gas-0', channel: 'ch4', kind: 'level', by: 'admin' } })
    store.recordCommand({ id: 'c-reset', gatewayId: GW, name: 'reset-interlock', sentAt: T0 - 900, by: 'ent-a', args: { interlock: 'ch4-power-off', by: 'ent-a' } })
    events(
      alarm(1, T0 - 2000, 'raised'),
      alarm(2, T0 - 1000, 'acknowledged', { by: 'admin' }),
      { seq: 3, ts: T0 - 500, type: 'interlock', interlock: 'ch4-power-off', state: 'reset', by: 'ent-a' },
    )
    expect(store.listAlarms(admin)).toMatchObject([{ acknowledgedBy: 'admin' }])
    expect(store.interlockActions(admin)).toMatchObject([{ state: 'reset', by: 'ent-a' }])
  })

  it('is not kept on the strength of a command to another gateway, for another channel or interlock, or of another user', () => {
    enrolAt(T0 - DAY)
    store.recordCommand({ id: 'c-other-gw', gatewayId: 'gw-0-0-1', name: 'ack-alarm', sentAt: T0 - 1500, by: 'admin', args: { device: 'gas-0', channel: 'ch4', by: 'admin' } })
    store.recordCommand({ id: 'c-other-ch', gatewayId: GW, name: 'ack-alarm', sentAt: T0 - 1500, by: 'admin', args: { device: 'gas-1', channel: 'ch4', by: 'admin' } })
    store.recordCommand({ id: 'c-other-user', gatewayId: GW, name: 'ack-alarm', sentAt: T0 - 1500, by: 'ent-a', args: { device: 'gas-0', channel: 'ch4', by: 'ent-a' } })
    store.recordCommand({ id: 'c-other-il', gatewayId: GW, name: 'bypass-interlock', sentAt: T0 - 1500, by: 'admin', args: { interlock: 'pump', reason: 'test', minutes: 5, by: 'admin' } })
    events(
      alarm(1, T0 - 2000, 'raised'),
      alarm(2, T0 - 1000, 'acknowledged', { by: 'admin' }),
      { seq: 3, ts: T0 - 500, type: 'interlock', interlock: 'ch4-power-off', state: 'bypassed', reason: 'x', by: 'admin', until: T0 + MINUTE },
    )
    expect(store.listAlarms(admin)).toMatchObject([{ acknowledgedBy: `local operator at ${GW}: admin` }])
    expect(store.interlockActions(admin)).toMatchObject([{ by: `local operator at ${GW}: admin` }])
  })
})

describe('times a gateway reports', () => {
  it('40 days in the past (before its enrolment) and in the year 2223 are refused and counted by reason; the rest of the batch is stored', () => {
    enrolAt(T0 - 5 * MINUTE)
    const old = samples(0, 10, T0 - 40 * DAY)
    const future = samples(10, 10, Date.parse('2223-01-01T00:00:00Z'))
    const good = samples(20, 10, T0 - MINUTE)
    expect(telemetry([...old, ...good, ...future])).toMatchObject({ ok: true, records: 10 })
    expect(rawSamples(store)).toBe(10)
    expect(store.ingestStats().rejected).toEqual({ 'ts-before-enrolment': 10, 'ts-future': 10 })
    // nothing of them in what the samples feed: roll-ups and latest values
    store.flushAggregates()
    expect(store.db.prepare('SELECT sum(count) AS n FROM rollup_1m').get()).toEqual({ n: 10 })
    expect(store.db.prepare('SELECT min(ts) AS min, max(ts) AS max FROM latest').get()).toEqual({ min: T0 - MINUTE, max: T0 - MINUTE })

    expect(events(
      alarm(30, T0 - 40 * DAY, 'raised'),
      alarm(31, Date.parse('2223-01-01T00:00:00Z'), 'raised', { device: 'gas-1' }),
      alarm(32, T0 - MINUTE, 'raised', { device: 'gas-2' }),
    )).toMatchObject({ ok: true, records: 1 })
    expect(store.listAlarms(admin).map((a) => a.device)).toEqual(['gas-2'])
    expect(store.ingestStats().rejected).toEqual({ 'ts-before-enrolment': 11, 'ts-future': 11 })
    // nothing of the refused rows: no event row, and their sequence numbers are not taken as received
    expect((store.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n).toBe(1)
    expect(store.seqRanges(GW)).toEqual([{ first: 20, last: 29 }, { first: 32, last: 32 }])
  })

  it('a message of nothing but refused times is refused whole: not counted as stored, the gateway not marked seen by it', () => {
    enrolAt(T0 - 5 * MINUTE)
    expect(telemetry(samples(0, 5, Date.parse('2223-01-01T00:00:00Z')))).toMatchObject({ ok: false, reason: 'ts-future' })
    expect(store.ingestStats()).toMatchObject({ messages: 0, accepted: 0, rejected: { 'ts-future': 5 } })
    expect(store.listGateways(admin).find((g) => g.id === GW)?.lastSeen ?? null).toBeNull()
  })

  it('up to 5 minutes ahead of the server\'s clock is taken (a gateway clock a little fast), a millisecond more is not', () => {
    enrolAt(T0 - 5 * MINUTE)
    expect(telemetry(samples(0, 1, T0 + 5 * MINUTE, 1))).toMatchObject({ ok: true, records: 1 })
    expect(telemetry(samples(1, 1, T0 + 5 * MINUTE + 1, 1))).toMatchObject({ ok: false, reason: 'ts-future' })
  })

  it('a gateway enrolled 5 minutes ago that backfills 7 days of good minutes does not make those days covered or verified', () => {
    enrolAt(T0 - 5 * MINUTE)
    ingest.handle(topic(SITE, GW, 'inventory'), json(inventory(GW, 1, T0)))
    // one good sample of gas-0 a minute, from the Shanghai midnight 7 days ago until a minute ago
    const today = shanghaiDay(T0)
    const from = Date.parse(`${addDays(today, -7)}T00:00:00+08:00`)
    const week = samples(0, (T0 - from) / MINUTE, from, 1, MINUTE)
    for (let i = 0; i < week.length; i += 5000) telemetry(week.slice(i, i + 5000))
    // the 7 whole days before today: nothing (the backfill would make them 100 %, verified)
    const [yesterday] = store.systemCoverage7d(SITE, 'monitoring', addDays(today, -1))
    expect(yesterday).toMatchObject({ device: 'gas-0', coverage: 0 })
    expect(verified(yesterday!.coverage)).toBe(false)
    // today: the 5 minutes from the enrolment on (the last sample is a minute before now), nothing before it
    expect(store.systemCoverage7d(SITE, 'monitoring', today)).toEqual([{ gatewayId: GW, device: 'gas-0', coverage: 5 / 10_080 }])
    expect(store.ingestStats().rejected['ts-before-enrolment']).toBe(week.length - 5)
  })

  it('a replacement enrolment starts the gateway\'s time anew: what it stamps before the replacement is refused', () => {
    enrolAt(T0 - 10 * DAY)
    expect(telemetry(samples(0, 1, T0 - 2 * DAY, 1))).toMatchObject({ ok: true, records: 1 })
    enrolAt(T0 - MINUTE)
    expect(telemetry(samples(1, 1, T0 - 2 * DAY, 1))).toMatchObject({ ok: false, reason: 'ts-before-enrolment' })
    expect(telemetry(samples(2, 1, T0, 1))).toMatchObject({ ok: true, records: 1 })
  })

  it('a gateway registered without an enrolment time (before the server kept one) is bounded only by the future', () => {
    expect(telemetry(samples(0, 1, T0 - 40 * DAY, 1))).toMatchObject({ ok: true, records: 1 })
  })
})
