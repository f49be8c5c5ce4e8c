import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ChannelAlarmSpec } from '../../../edge-agent/src/alarms/spec.ts'
import type { InterlockSpec } from '../../../edge-agent/src/interlocks/spec.ts'
import { Outbox } from '../../../edge-agent/src/outbox/index.ts'
import { ChangedEntries, loadSafetyState, type SafetyStore } from '../../../edge-agent/src/safety/persisted-state.ts'
import { SafetyService, type SafetySpecs } from '../../../edge-agent/src/safety/service.ts'
import { writePreSplitFile } from '../outbox/pre-split-file.ts'

const METHANE: ChannelAlarmSpec = {
  device: 'ch4', channel: 'ch4', unit: '%CH4',
  levels: [
    { level: 'alarm', direction: 'high', value: 1.0, restore: 1.0, onDelayMs: 0, offDelayMs: 0, latch: false, source: '煤矿安全规程 2016' },
    { level: 'power-off', direction: 'high', value: 1.5, restore: 1.0, onDelayMs: 0, offDelayMs: 0, latch: true, source: '煤矿安全规程 2016' },
  ],
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
  // due on 2026-01-08, due-soon from 2026-01-06
  calibrations: [{ device: 'ch4', calibratedOn: '2026-01-01', intervalDays: 7, dueSoonDays: 2, source: 'AQ 6201 [S]' }],
  daily: [{ device: 'vrm', inBand: 'in_band', total: 'total', minRatio: 0.75, minTotal: 1, alarmAfterDays: 5, timeZone: 'Asia/Shanghai', source: 'GB 20952-2020' }],
}
const T0 = Date.parse('2026-01-06T02:00:00Z')

/** The keys a gateway running the code before the typed state holds after a leak whose cut-off failed. */
const TODAYS_KEYS: [string, string][] = [
  ['alarm:ch4/ch4', JSON.stringify({
    levels: [{ active: true, latched: false }, { active: true, latched: false }], rate: { active: false, latched: false }, fault: { active: false, latched: false },
    alarms: { level: { level: 'power-off', since: T0 - 60_000, acknowledged: false } },
  })],
  ['daily:vrm', JSON.stringify({ day: '2026-01-05', inBand: 3, total: 4, streak: 2, level: 'warning', since: T0 - 120_000, acknowledged: true })],
  ['interlock:cut', JSON.stringify({ tripped: true, phase: 'trip', since: T0 - 60_000, cause: 'ch4/ch4 1.6 ≥ 1.5', resetAccepted: false, failed: 'trip-failed' })],
  ['failed:relay/cut_1/cut', JSON.stringify({ device: 'relay', channel: 'cut_1', level: 'trip-failed', interlock: 'cut', since: T0 - 50_000, acknowledged: false })],
  ['calibration:ch4', 'due-soon:2026-01-08'],
]

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'safety-state-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('the safety state a gateway saved with prefixed keys', () => {
  it('is restored by the service after the upgrade: alarms, daily rule, tripped interlock, failed alarm, calibration notice', () => {
    const path = join(dir, 'outbox.sqlite')
    writePreSplitFile(path, { channels: [], telemetry: [], events: [], safetyState: TODAYS_KEYS, nextSeq: 1 })
    const outbox = new Outbox({ path, clock: () => T0 })
    const writes: unknown[] = []
    const safety = new SafetyService(SPECS, {
      store: outbox, logger: pino({ level: 'silent' }), timeZone: 'Asia/Shanghai', clock: () => T0, tickMs: 60_000,
      outputs: { write: async (device, channel, value) => void writes.push({ device, channel, value }), pollSoon: () => {} },
    })
    try {
      safety.start()
      const status = safety.status()
      expect(status.alarms.map((a) => [a.kind, a.level, a.acknowledged])).toEqual([
        ['daily', 'warning', true], ['level', 'power-off', false], ['interlock-failed', 'trip-failed', false],
      ])
      expect(status.interlocks).toEqual([expect.objectContaining({ id: 'cut', state: 'tripped', since: T0 - 60_000, awaitingReset: true })])
      // the due-soon notice was given before the upgrade: not again
      expect(outbox.nextEvents(0, 10)).toEqual([])
      // the output device answers: the tripped output is written again
      safety.onSamples([{ device: 'relay', channel: 'feed_1', ts: T0, value: true, quality: 'good' }])
      expect(writes).toEqual([{ device: 'relay', channel: 'cut_1', value: true }])
    } finally {
      safety.stop()
      outbox.close()
    }
  })
})

describe('loadSafetyState', () => {
  it('puts each record in its section, by id', () => {
    const store: SafetyStore = {
      commitEvents: () => [],
      loadSafetyState: () => [
        { section: 'calibrationNotices', id: 'ch4', value: { state: 'overdue', dueOn: '2026-01-01' } },
        { section: 'interlocks', id: 'cut', value: { tripped: false } },
      ],
    }
    const state = loadSafetyState(store)
    expect(state.calibrationNotices.get('ch4')).toEqual({ state: 'overdue', dueOn: '2026-01-01' })
    expect([...state.interlocks.keys()]).toEqual(['cut'])
    expect(state.alarms.size + state.dailyRatios.size + state.failedInterlockAlarms.size).toBe(0)
  })
})

describe('ChangedEntries', () => {
  it('gives each changed entry once, with its value at the time of taking, then nothing', () => {
    const changed = new ChangedEntries()
    changed.add('interlocks', 'cut')
    changed.add('interlocks', 'cut')
    changed.add('alarms', 'ch4/ch4')
    expect(changed.size).toBe(2)
    const values = new Map<string, unknown>([['interlocks cut', { tripped: true }]])
    expect(changed.take((section, id) => (values.get(`${section} ${id}`) ?? null) as never)).toEqual([
      { section: 'interlocks', id: 'cut', value: { tripped: true } },
      { section: 'alarms', id: 'ch4/ch4', value: null },
    ])
    expect(changed.size).toBe(0)
    expect(changed.take(() => null)).toEqual([])
  })
})
