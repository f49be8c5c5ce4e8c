import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ChannelAlarmSpec } from '../../../edge-agent/src/alarms/spec.ts'
import type { InterlockSpec, OutputValue } from '../../../edge-agent/src/interlocks/spec.ts'
import { Outbox } from '../../../edge-agent/src/outbox/index.ts'
import { SafetyService, type SafetySpecs } from '../../../edge-agent/src/safety/service.ts'
import type { AgentEvent } from '../../../protocols/mqtt/index.ts'
import { EventSchema } from '../../../protocols/mqtt/index.ts'
import { createValidator } from '../../../protocols/validation/ajv.ts'
import type { Quality } from '../../../protocols/quality.ts'
import { lineProblems } from '../../logs/json-lines.ts'

const validEvent = createValidator<AgentEvent>(EventSchema)

const METHANE: ChannelAlarmSpec = {
  device: 'ch4', channel: 'ch4', unit: '%CH4',
  levels: [
    { level: 'alarm', direction: 'high', value: 1.0, restore: 1.0, onDelayMs: 0, offDelayMs: 0, latch: false, source: '煤矿安全规程 2016' },
    { level: 'power-off', direction: 'high', value: 1.5, restore: 1.0, onDelayMs: 0, offDelayMs: 0, latch: true, source: '煤矿安全规程 2016' },
  ],
  sensorFault: { onDelayMs: 0, latch: false },
}

const INTERLOCK: InterlockSpec = {
  id: 'cut', mode: 'any',
  conditions: [{ kind: 'value', device: 'ch4', channel: 'ch4', op: 'above', value: 1.5 }],
  action: { device: 'relay', channel: 'cut_1', value: true, restoreValue: false, feedback: { device: 'relay', channel: 'feed_1', whenTripped: false, whenRestored: true }, feedbackMs: 2000 },
  failSafe: true, silentAfterMs: 60_000, restoreAfterMs: 0, manualReset: true, maxBypassMs: 3_600_000,
}

const SPECS: SafetySpecs = {
  alarms: [METHANE],
  interlocks: [INTERLOCK],
  calibrations: [{ device: 'ch4', calibratedOn: '2026-01-01', intervalDays: 7, dueSoonDays: 2, source: 'AQ 6201 [S]' }],
  daily: [{ device: 'vrm', inBand: 'in_band', total: 'total', minRatio: 0.75, minTotal: 1, alarmAfterDays: 5, timeZone: 'Asia/Shanghai', source: 'GB 20952-2020' }],
}

let dir: string
let now: number
let outbox: Outbox
const writes: { device: string; channel: string; value: OutputValue }[] = []
let failWrites = false

const outputs = {
  write: async (device: string, channel: string, value: OutputValue) => {
    writes.push({ device, channel, value })
    if (failWrites) throw new Error('MODBUS_TIMEOUT: no answer')
  },
  pollSoon: () => {},
}

function service(logger = pino({ level: 'silent' })): SafetyService {
  return new SafetyService(SPECS, { store: outbox, outputs, logger, timeZone: 'Asia/Shanghai', clock: () => now, tickMs: 60_000 })
}

const gas = (value: number | null, quality: Quality = 'good') => [{ device: 'ch4', channel: 'ch4', ts: now, value, quality }]
const feed = (value: boolean) => [{ device: 'relay', channel: 'feed_1', ts: now, value, quality: 'good' as Quality }]

function events(): AgentEvent[] {
  return outbox.nextEvents(0, 1000)
}
const brief = (list: AgentEvent[]) => list.map((e) => (e.type === 'alarm' ? `alarm ${e.kind} ${e.state} ${e.level}` : e.type === 'interlock' ? `interlock ${e.state}` : e.type === 'calibration' ? `calibration ${e.state}` : e.type))

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'safety-'))
  now = Date.parse('2026-01-03T02:00:00Z')
  outbox = new Outbox({ path: join(dir, 'outbox.sqlite'), clock: () => now })
  writes.length = 0
  failWrites = false
})
afterEach(() => {
  outbox.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('safety service', () => {
  it('a leak: write started first, then every transition committed to the outbox as valid events, in order', async () => {
    const safety = service()
    safety.start()
    safety.onSamples(gas(0.2))
    safety.onSamples(gas(1.2))
    now += 1000
    safety.onSamples(gas(1.6))
    expect(writes).toEqual([{ device: 'relay', channel: 'cut_1', value: true }])
    await new Promise((resolve) => setImmediate(resolve))
    now += 300
    safety.onSamples(feed(false))
    const list = events()
    expect(brief(list)).toEqual(['alarm level raised alarm', 'armed', 'alarm level escalated power-off', 'interlock tripped', 'interlock actuated', 'interlock confirmed'])
    for (const e of list) expect(validEvent(e), JSON.stringify(validEvent.errors)).toBe(true)
    expect(list.map((e) => e.seq)).toEqual([...list.map((e) => e.seq)].sort((a, b) => a - b))
    safety.stop()
  })

  it('commands: ack, reset refused then accepted, bypass with expiry; unknown interlock and bad args refused', async () => {
    const safety = service()
    safety.start()
    safety.onSamples(gas(1.7))
    await new Promise((resolve) => setImmediate(resolve))
    expect(await safety.handleCommand('reset-interlock', { interlock: 'cut', by: 'op' })).toMatchObject({ ok: false })
    safety.onSamples(gas(0.1))
    expect(await safety.handleCommand('ack-alarm', { device: 'ch4', channel: 'ch4', by: 'op' })).toMatchObject({ ok: true, message: '1 alarm acknowledged' })
    expect(await safety.handleCommand('ack-alarm', { device: 'ch4', channel: 'ch4' })).toMatchObject({ ok: false })
    expect(await safety.handleCommand('reset-interlock', { interlock: 'cut', by: 'op' })).toMatchObject({ ok: true })
    expect(writes.map((w) => w.value)).toEqual([true, false])
    expect(await safety.handleCommand('reset-interlock', { interlock: 'nope' })).toMatchObject({ ok: false, message: 'no interlock "nope"; interlocks: cut' })
    expect(await safety.handleCommand('bypass-interlock', { interlock: 'cut', reason: 'x', minutes: 5 })).toMatchObject({ ok: false, message: expect.stringContaining('reason') })
    expect(await safety.handleCommand('bypass-interlock', { interlock: 'cut', reason: 'calibration', minutes: 61 })).toMatchObject({ ok: false })
    expect(await safety.handleCommand('bypass-interlock', { interlock: 'cut', reason: 'calibration', minutes: 30, by: 'tech' })).toMatchObject({ ok: true })
    expect(await safety.handleCommand('launch', {})).toMatchObject({ ok: false })
    const status = (await safety.handleCommand('safety-status', {})).data as ReturnType<SafetyService['status']>
    expect(status.interlocks[0]).toMatchObject({ id: 'cut', bypass: { reason: 'calibration', by: 'tech' } })
    expect(brief(events())).toContain('interlock bypassed')
    safety.stop()
  })

  it('a write that fails raises interlock-failed, which can be acknowledged and shows in the status', async () => {
    failWrites = true
    const safety = service()
    safety.start()
    safety.onSamples(gas(1.7))
    await new Promise((resolve) => setImmediate(resolve))
    expect(brief(events())).toEqual(['alarm level raised power-off', 'armed', 'interlock tripped', 'interlock failed', 'alarm interlock-failed raised trip-failed'])
    expect(safety.status().alarms.map((a) => a.kind)).toEqual(['level', 'interlock-failed'])
    expect(await safety.handleCommand('ack-alarm', { all: true, by: 'op' })).toMatchObject({ ok: true, message: '2 alarms acknowledged' })
    safety.stop()
  })

  it('the state survives a restart: still tripped, still latched, the output written again', async () => {
    const first = service()
    first.start()
    first.onSamples(gas(1.7))
    await new Promise((resolve) => setImmediate(resolve))
    first.stop()
    writes.length = 0
    const second = service()
    second.start()
    expect(writes).toEqual([])
    second.onSamples(feed(false))
    expect(writes).toEqual([{ device: 'relay', channel: 'cut_1', value: true }])
    expect(second.status()).toMatchObject({ alarms: [{ kind: 'level', level: 'power-off', latched: false }], interlocks: [{ state: 'tripped', awaitingReset: true }] })
    second.stop()
  })

  it('the daily A/L rule: counters kept across a restart within the day, judged at midnight in the gateway\'s zone, acknowledged', async () => {
    const counters = (inBand: number, total: number) => [
      { device: 'vrm', channel: 'total', ts: now, value: total, quality: 'good' as Quality },
      { device: 'vrm', channel: 'in_band', ts: now, value: inBand, quality: 'good' as Quality },
    ]
    const first = service()
    first.start()
    first.onSamples(counters(10, 20))
    first.stop()
    const second = service()
    second.start()
    now += 15 * 3_600_000 // 02:00Z + 15 h = 01:00 the next day in Shanghai
    second.onSamples(counters(0, 0))
    expect(second.status().alarms).toMatchObject([{ device: 'vrm', channel: 'in_band', kind: 'daily', level: 'warning', acknowledged: false }])
    expect(await second.handleCommand('ack-alarm', { device: 'vrm', channel: 'in_band', kind: 'daily', by: 'station manager' })).toMatchObject({ ok: true })
    expect(brief(events())).toEqual(['alarm daily raised warning', 'alarm daily acknowledged warning'])
    second.stop()
  })

  it('calibration: due-soon then overdue, each once, in the gateway\'s time zone', () => {
    now = Date.parse('2026-01-06T00:00:00Z')
    const safety = service()
    safety.start()
    safety.stop()
    now = Date.parse('2026-01-08T16:30:00Z') // 00:30 on the 9th in Shanghai: overdue (due on the 8th)
    const again = service()
    again.start()
    again.stop()
    const calibrations = events().filter((e) => e.type === 'calibration')
    expect(calibrations.map((e) => [e.state, e.type === 'calibration' && e.dueOn])).toEqual([['due-soon', '2026-01-08'], ['overdue', '2026-01-08']])
  })
})

describe('the safety log', () => {
  it('each transition is one JSON line with pino\'s level, the event under "event", and a text that says what happened', async () => {
    const lines: string[] = []
    const safety = service(pino({ level: 'debug' }, { write: (line: string) => lines.push(line) }))
    safety.start()
    for (const [value, quality] of [[0.2, 'good'], [1.2, 'good'], [1.6, 'good'], [null, 'comm-fail'], [0, 'warming-up'], [0.3, 'good']] as const) {
      now += 1000
      safety.onSamples(gas(value, quality))
      await new Promise((resolve) => setImmediate(resolve))
    }
    safety.stop()
    expect(lines.flatMap((line) => lineProblems(line.trimEnd()))).toEqual([])
    const records = lines.map((line) => JSON.parse(line) as { level: number; msg: string; event?: AgentEvent })
    const alarms = records.filter((r) => r.event?.type === 'alarm')
    expect(alarms.map((r) => [r.level, r.msg])).toEqual([
      [40, 'alarm raised: ch4/ch4 level alarm (1.2 %CH4)'],
      [40, 'alarm escalated: ch4/ch4 level power-off (1.6 %CH4), was alarm'],
      [40, 'alarm raised: ch4/ch4 sensor-fault comm-fail'],
      [40, 'alarm changed: ch4/ch4 sensor-fault warming-up, was comm-fail'],
      [30, 'alarm cleared: ch4/ch4 sensor-fault: good again (0.3 %CH4), was warming-up'],
    ])
    // the line carries the event as recorded in the outbox (without its sequence number)
    const recorded = events().filter((e) => e.type === 'alarm').map(({ seq: _, ...event }) => event)
    expect(alarms.map((r) => r.event)).toEqual(recorded)
    expect(records.filter((r) => r.event?.type === 'interlock').map((r) => r.msg)).toEqual(['interlock cut tripped: ch4/ch4 1.6 ≥ 1.5', 'interlock cut actuated'])
  })
})
