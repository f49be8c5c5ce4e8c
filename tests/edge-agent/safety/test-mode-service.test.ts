import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { AlarmTransition } from '../../../edge-agent/src/alarms/evaluator.ts'
import type { InterlockTransition } from '../../../edge-agent/src/interlocks/decision.ts'
import type { InterlockSpec } from '../../../edge-agent/src/interlocks/spec.ts'
import { Outbox } from '../../../edge-agent/src/outbox/index.ts'
import { SafetyService, type SafetySpecs } from '../../../edge-agent/src/safety/service.ts'
import { EventSchema, type AgentEvent } from '../../../protocols/mqtt/index.ts'
import { createValidator } from '../../../protocols/validation/ajv.ts'

const validEvent = createValidator<AgentEvent>(EventSchema)
const TICK_MS = 1000

const CUT: InterlockSpec = {
  id: 'cut', mode: 'any',
  conditions: [{ kind: 'value', device: 'ch4', channel: 'ch4', op: 'above', value: 1.5 }],
  action: { device: 'relay', channel: 'cut_1', value: true, restoreValue: false, feedback: { device: 'relay', channel: 'feed_1', whenTripped: false, whenRestored: true }, feedbackMs: 2000 },
  failSafe: true, silentAfterMs: 60_000, restoreAfterMs: 0, manualReset: false, maxBypassMs: 3_600_000,
}

const SPECS: SafetySpecs = {
  alarms: ['ch4', 'other'].map((device) => ({
    device, channel: 'ch4', unit: '%CH4',
    levels: [{ level: 'alarm', direction: 'high' as const, value: 1.0, restore: 1.0, onDelayMs: 0, offDelayMs: 0, latch: false, source: 'test' }],
    sensorFault: { onDelayMs: 0, latch: false },
  })),
  interlocks: [CUT],
  calibrations: [],
  daily: [],
}

let dir: string
let now: number
let outbox: Outbox
let failWrites: boolean
let recorded: (AlarmTransition | InterlockTransition)[]

function service(): SafetyService {
  const outputs = {
    write: async () => {
      if (failWrites) throw new Error('MODBUS_TIMEOUT: no answer')
    },
    pollSoon: () => {},
  }
  return new SafetyService(SPECS, { store: outbox, outputs, logger: pino({ level: 'silent' }), timeZone: 'UTC', clock: () => now, tickMs: TICK_MS, onRecorded: (t) => recorded.push(t) })
}

const reading = (device: string, value: number) => [{ device, channel: 'ch4', ts: now, value, quality: 'good' as const }]
const events = (): AgentEvent[] => outbox.nextEvents(0, 1000)
const brief = (e: AgentEvent): string => {
  const test = 'test' in e && e.test === true ? ' (test)' : ''
  if (e.type === 'alarm') return `alarm ${e.device} ${e.kind} ${e.state}${test}`
  if (e.type === 'interlock') return `interlock ${e.state}${test}`
  if (e.type === 'test-mode') return `test-mode ${e.state} by ${e.by}${e.reason ? `: ${e.reason}` : ''}`
  return e.type
}
const settle = () => new Promise((resolve) => setImmediate(resolve))

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
  dir = mkdtempSync(join(tmpdir(), 'test-mode-'))
  now = Date.parse('2026-12-07T02:00:00Z')
  outbox = new Outbox({ path: join(dir, 'outbox.sqlite'), clock: () => now })
  failWrites = false
  recorded = []
})
afterEach(() => {
  vi.useRealTimers()
  outbox.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('the safety service in a declared test mode', () => {
  it('refuses to declare a test of a device in real gas alarm, or whose interlock is tripped, until that clears', async () => {
    const safety = service()
    safety.start()
    expect(safety.testModeRefusal(['ch4', 'relay'])).toBeUndefined()
    safety.onSamples(reading('ch4', 1.2))
    expect(safety.testModeRefusal(['ch4'])).toMatch(/^ch4\/ch4 is in alarm \(alarm\): /u)
    expect(safety.testModeRefusal(['other'])).toBeUndefined()
    safety.onSamples(reading('ch4', 1.7))
    await settle()
    expect(safety.testModeRefusal(['relay'])).toMatch(/^interlock cut is tripped: /u)
    safety.onSamples(reading('ch4', 0.2))
    now += TICK_MS
    vi.advanceTimersByTime(TICK_MS)
    await settle()
    expect(safety.testModeRefusal(['ch4', 'relay'])).toBeUndefined()
    safety.stop()
  })

  it('marks the alarms and trips of the devices under test, not the others, and stops marking when the mode ends', async () => {
    const safety = service()
    safety.start()
    const mode = safety.startTestMode(['ch4'], 30, '李工')
    expect(mode).toMatchObject({ until: now + 30 * 60_000, interlocks: new Set(['cut']) })
    expect(safety.testMode).toBe(mode)
    safety.onSamples(reading('ch4', 1.7))
    safety.onSamples(reading('other', 1.2))
    await settle()
    expect(safety.endTestMode('李工', 'the commissioning run ended')).toBe(true)
    expect(safety.testMode).toBeUndefined()
    safety.onSamples(reading('ch4', 0.1))
    safety.onSamples(reading('ch4', 1.3))
    const list = events()
    expect(list.map(brief)).toEqual([
      'test-mode started by 李工',
      'alarm ch4 level raised (test)',
      'armed',
      'interlock tripped (test)',
      'alarm other level raised',
      'interlock actuated (test)',
      'test-mode ended by 李工: the commissioning run ended',
      'alarm ch4 level cleared',
      'interlock restored',
      'alarm ch4 level raised',
    ])
    for (const e of list) expect(validEvent(e), JSON.stringify(validEvent.errors)).toBe(true)
    expect(recorded.filter((t) => t.test === true).map((t) => t.state)).toEqual(['raised', 'tripped', 'actuated'])
    safety.stop()
  })

  it('an interlock under test whose write fails raises interlock-failed marked as a test, though it is on a device not under test', async () => {
    failWrites = true
    const safety = service()
    safety.start()
    safety.startTestMode(['ch4'], 30, '李工')
    safety.onSamples(reading('ch4', 1.7))
    await settle()
    expect(events().filter((e) => e.type === 'alarm' && e.kind === 'interlock-failed').map(brief)).toEqual(['alarm relay interlock-failed raised (test)'])
    safety.stop()
  })

  it('ends by itself at its limit, by the agent, and not a tick before', () => {
    const safety = service()
    safety.start()
    const mode = safety.startTestMode(['ch4'], 1, '李工')
    now = mode.until - 1
    vi.advanceTimersByTime(TICK_MS)
    expect(safety.testMode).toBe(mode)
    now = mode.until
    vi.advanceTimersByTime(TICK_MS)
    expect(safety.testMode).toBeUndefined()
    expect(events().map(brief)).toEqual(['test-mode started by 李工', 'test-mode ended by agent: the test mode reached its time limit'])
    safety.stop()
  })

  it('a new test mode ends the running one first; ending with none running says so and records nothing', () => {
    const safety = service()
    safety.start()
    safety.startTestMode(['ch4'], 10, 'a')
    safety.startTestMode(['other'], 10, 'b')
    expect(safety.testMode?.devices).toEqual(new Set(['other']))
    expect(safety.endTestMode('b', 'done')).toBe(true)
    expect(safety.endTestMode('b', 'again')).toBe(false)
    expect(events().map(brief)).toEqual(['test-mode started by a', 'test-mode ended by b: replaced by a new test mode', 'test-mode started by b', 'test-mode ended by b: done'])
    const ended = events().find((e) => e.type === 'test-mode' && e.state === 'ended')
    expect(ended).toMatchObject({ devices: ['ch4'], interlocks: ['cut'] })
    safety.stop()
  })
})
