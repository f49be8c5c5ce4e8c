/** Unit: the safety service arms an interlock source near its trip: its line told, the events recorded, the status showing it. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { formatSafetyStatus } from '../../../edge-agent/src/cli/operator.ts'
import { DISARM_AFTER_MS } from '../../../edge-agent/src/interlocks/arming.ts'
import { Outbox } from '../../../edge-agent/src/outbox/index.ts'
import { SafetyService, type SafetySpecs } from '../../../edge-agent/src/safety/service.ts'
import { EventSchema, type AgentEvent } from '../../../protocols/mqtt/index.ts'
import { createValidator } from '../../../protocols/validation/ajv.ts'
import type { Quality } from '../../../protocols/quality.ts'

const validEvent = createValidator<AgentEvent>(EventSchema)

const SPECS: SafetySpecs = {
  alarms: [{
    device: 'ch4', channel: 'ch4', unit: '%CH4',
    levels: [
      { level: 'alarm', direction: 'high', value: 1.0, restore: 1.0, onDelayMs: 0, offDelayMs: 0, latch: false, source: '煤矿安全规程 2016' },
      { level: 'power-off', direction: 'high', value: 1.5, restore: 1.0, onDelayMs: 0, offDelayMs: 0, latch: true, source: '煤矿安全规程 2016' },
    ],
  }],
  interlocks: [{
    id: 'cut', mode: 'any',
    conditions: [{ kind: 'value', device: 'ch4', channel: 'ch4', op: 'above', value: 1.5, restore: 1.0 }],
    action: { device: 'relay', channel: 'cut_1', value: true, restoreValue: false, feedback: { device: 'relay', channel: 'cut_1', whenTripped: true, whenRestored: false }, feedbackMs: 2000 },
    failSafe: true, silentAfterMs: 60_000, restoreAfterMs: 0, manualReset: false, maxBypassMs: 3_600_000,
  }],
  calibrations: [],
  daily: [],
}

let dir: string
let now: number
let outbox: Outbox
let armCalls: { device: string; channels: readonly string[] }[]
let safety: SafetyService

const gas = (value: number | null, quality: Quality = 'good') => [{ device: 'ch4', channel: 'ch4', ts: now, value, quality }]
const armedEvents = () => outbox.nextEvents(0, 1000).filter((e) => e.type === 'armed')

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'arming-'))
  now = Date.parse('2026-01-03T02:00:00Z')
  outbox = new Outbox({ path: join(dir, 'outbox.sqlite'), clock: () => now })
  armCalls = []
  safety = new SafetyService(SPECS, {
    store: outbox,
    outputs: { write: async () => {}, pollSoon: () => {}, arm: (device, channels) => (armCalls.push({ device, channels: [...channels] }), true) },
    logger: pino({ level: 'silent' }), timeZone: 'Asia/Shanghai', clock: () => now, tickMs: 60_000,
  })
  safety.start()
})
afterEach(() => {
  safety.stop()
  outbox.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('arming in the safety service', () => {
  it('gas past the alarm level arms the methane head: its line reads ch4 fast, the event is stored, the alarms screen lists it', () => {
    safety.onSamples(gas(0.6))
    expect(armCalls).toEqual([])
    now += 5000
    safety.onSamples(gas(1.04))
    expect(armCalls).toEqual([{ device: 'ch4', channels: ['ch4'] }])
    const [armed] = armedEvents()
    expect(validEvent(armed)).toBe(true)
    expect(armed).toMatchObject({ type: 'armed', state: 'armed', device: 'ch4', channel: 'ch4', value: 1.04, armAt: 1, trip: 1.5, interlocks: ['cut'], unit: '%CH4' })
    const screen = formatSafetyStatus(safety.status(), () => '02:00:05')
    expect(screen).toContain('armed sources: 1')
    expect(screen).toMatch(/ch4\/ch4 +1\.04 %CH4 +1 \(alarm level alarm 1\) +1\.5 +02:00:05 +cut/u)
  })

  it('disarms once back below restore for a while, and the line is told to go back to the period', () => {
    safety.onSamples(gas(1.2))
    now += 1000
    safety.onSamples(gas(0.7))
    expect(armCalls).toHaveLength(1)
    now += DISARM_AFTER_MS
    safety.onSamples(gas(0.6))
    expect(armCalls).toEqual([{ device: 'ch4', channels: ['ch4'] }, { device: 'ch4', channels: [] }])
    expect(armedEvents().map((e) => e.type === 'armed' && e.state)).toEqual(['armed', 'disarmed'])
    expect(armedEvents().every((e) => validEvent(e))).toBe(true)
    expect(safety.status().armed).toEqual([])
  })

  it('a faulty reading neither arms nor disarms: the interlock fail-safe is what acts on it', () => {
    safety.onSamples(gas(null, 'device-fault'))
    safety.onSamples(gas(3.9, 'out-of-range'))
    expect(armCalls).toEqual([])
    expect(armedEvents()).toEqual([])
  })
})
