import { describe, expect, it } from 'vitest'
import type { AlarmTransition } from '../../../edge-agent/src/alarms/evaluator.ts'
import type { InterlockTransition } from '../../../edge-agent/src/interlocks/decision.ts'
import type { InterlockSpec } from '../../../edge-agent/src/interlocks/spec.ts'
import { interlocksUnderTest, isTestTransition, testMode, testModeEvent, testModeRefusal } from '../../../edge-agent/src/safety/test-mode.ts'
import { EventSchema, type AgentEvent } from '../../../protocols/mqtt/index.ts'
import { createValidator } from '../../../protocols/validation/ajv.ts'

const validEvent = createValidator<AgentEvent>(EventSchema)
const T0 = Date.UTC(2026, 11, 7, 2, 0, 0)

function interlock(id: string, sources: string[], output: string, feedback = output): InterlockSpec {
  return {
    id, mode: 'any',
    conditions: sources.map((device) => ({ kind: 'value' as const, device, channel: 'ch4', op: 'above' as const, value: 1.5 })),
    action: { device: output, channel: 'cut_1', value: true, restoreValue: false, feedback: { device: feedback, channel: 'feed_1', whenTripped: false, whenRestored: true }, feedbackMs: 2000 },
    failSafe: true, silentAfterMs: 60_000, restoreAfterMs: 0, manualReset: false, maxBypassMs: 3_600_000,
  }
}

const SPECS = [
  interlock('by-source', ['ch4-1'], 'cut-1'),
  interlock('by-second-source', ['co-1', 'ch4-2'], 'cut-2'),
  interlock('by-output', ['ch4-9'], 'cut-3'),
  interlock('by-feedback', ['ch4-9'], 'cut-4', 'fb-4'),
  interlock('unrelated', ['ch4-9'], 'cut-9'),
]

const alarm = (device: string, extra: Partial<AlarmTransition> = {}): AlarmTransition =>
  ({ type: 'alarm', ts: T0, device, channel: 'ch4', kind: 'level', state: 'raised', level: 'alarm', value: 1.2, ...extra }) as AlarmTransition
const tripOf = (id: string): InterlockTransition => ({ type: 'interlock', ts: T0, interlock: id, state: 'tripped' }) as InterlockTransition

describe('interlocksUnderTest', () => {
  it('an interlock is under test when any source, its output or its feedback device is', () => {
    expect(interlocksUnderTest(new Set(['ch4-1']), SPECS)).toEqual(['by-source'])
    expect(interlocksUnderTest(new Set(['ch4-2']), SPECS)).toEqual(['by-second-source'])
    expect(interlocksUnderTest(new Set(['cut-3']), SPECS)).toEqual(['by-output'])
    expect(interlocksUnderTest(new Set(['fb-4']), SPECS)).toEqual(['by-feedback'])
    expect(interlocksUnderTest(new Set(['ch4-9']), SPECS)).toEqual(['by-output', 'by-feedback', 'unrelated'])
    expect(interlocksUnderTest(new Set(['nobody']), SPECS)).toEqual([])
  })
})

describe('testMode and isTestTransition', () => {
  const mode = testMode(['ch4-1', 'cut-3'], SPECS, { now: T0, minutes: 15, by: '李工' })

  it('lasts the minutes asked from now, and names the interlocks its devices exercise', () => {
    expect(mode).toEqual({ devices: new Set(['ch4-1', 'cut-3']), interlocks: new Set(['by-source', 'by-output']), startedAt: T0, until: T0 + 15 * 60_000, by: '李工' })
  })

  it('no test mode: nothing is a test', () => {
    expect(isTestTransition(undefined, alarm('ch4-1'))).toBe(false)
    expect(isTestTransition(undefined, tripOf('by-source'))).toBe(false)
  })

  it('alarms of a device under test are tests; of another device, not', () => {
    expect(isTestTransition(mode, alarm('ch4-1'))).toBe(true)
    expect(isTestTransition(mode, alarm('ch4-2'))).toBe(false)
  })

  it('an interlock-failed alarm names its interlock: a test when that interlock is under test, whatever device it is on', () => {
    expect(isTestTransition(mode, alarm('cut-1', { kind: 'interlock-failed', level: 'trip-failed', interlock: 'by-source' }))).toBe(true)
    expect(isTestTransition(mode, alarm('cut-9', { kind: 'interlock-failed', level: 'trip-failed', interlock: 'unrelated' }))).toBe(false)
  })

  it('interlock events are tests only for the interlocks under test', () => {
    expect(isTestTransition(mode, tripOf('by-source'))).toBe(true)
    expect(isTestTransition(mode, tripOf('by-output'))).toBe(true)
    expect(isTestTransition(mode, tripOf('by-second-source'))).toBe(false)
  })
})

describe('testModeEvent', () => {
  const mode = testMode(['ch4-1'], SPECS, { now: T0, minutes: 60, by: '李工' })

  it('started: the devices, interlocks and limit, no reason; a valid event', () => {
    const event = testModeEvent(mode, 'started', T0, '李工')
    expect(event).toEqual({ type: 'test-mode', ts: T0, state: 'started', devices: ['ch4-1'], interlocks: ['by-source'], until: T0 + 3_600_000, by: '李工' })
    expect(validEvent({ ...event, seq: 1 }), JSON.stringify(validEvent.errors)).toBe(true)
  })

  it('ended: the reason, clipped to what the event may carry', () => {
    const event = testModeEvent(mode, 'ended', T0 + 1000, 'agent', 'x'.repeat(600))
    expect(event.reason).toBe('x'.repeat(500))
    expect(validEvent({ ...event, seq: 2 }), JSON.stringify(validEvent.errors)).toBe(true)
  })
})

describe('testModeRefusal', () => {
  const specs = [interlock('cut-a', ['ch4-a'], 'kdg'), interlock('cut-b', ['ch4-b'], 'kdg-b')]
  const alarm = (device: string, kind: string, level = 'alarm') => ({ device, channel: 'ch4', kind, level })
  const calm = { alarms: [], interlocks: [{ id: 'cut-a', state: 'normal' as const }, { id: 'cut-b', state: 'normal' as const }] }

  it('nothing in alarm and nothing tripped: the test may be declared', () => {
    expect(testModeRefusal(['ch4-a', 'kdg'], specs, calm)).toBeUndefined()
  })

  it('a real gas alarm of a device to test (level or rate of rise) refuses it, naming the device, channel and level', () => {
    expect(testModeRefusal(['ch4-a'], specs, { ...calm, alarms: [alarm('ch4-a', 'level', 'power-off')] }))
      .toBe('ch4-a/ch4 is in alarm (power-off): a test declared now would record the real alarm or trip as a test; clear it (edge-agent alarms, ack, reset) and declare the test again')
    expect(testModeRefusal(['ch4-a'], specs, { ...calm, alarms: [alarm('ch4-a', 'rate-of-rise')] })).toMatch(/^ch4-a\/ch4 is in alarm \(rate of rise\)/u)
  })

  it('other alarms do not: another device\'s gas alarm, or a flatline or sensor fault of the device (commissioning is how those get fixed)', () => {
    expect(testModeRefusal(['ch4-a'], specs, { ...calm, alarms: [alarm('ch4-b', 'level'), alarm('ch4-a', 'flatline'), alarm('ch4-a', 'sensor-fault')] })).toBeUndefined()
  })

  it('a tripped interlock the test would exercise refuses it; one it would not, does not', () => {
    const trippedA = { alarms: [], interlocks: [{ id: 'cut-a', state: 'tripped' as const }, { id: 'cut-b', state: 'normal' as const }] }
    expect(testModeRefusal(['kdg'], specs, trippedA)).toMatch(/^interlock cut-a is tripped: /u)
    expect(testModeRefusal(['ch4-b'], specs, trippedA)).toBeUndefined()
  })
})
