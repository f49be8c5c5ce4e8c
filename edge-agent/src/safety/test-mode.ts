import type { TestModeEvent } from '../../../protocols/mqtt/index.ts'
import type { AlarmTransition } from '../alarms/evaluator.ts'
import type { InterlockTransition } from '../interlocks/decision.ts'
import type { InterlockSpec } from '../interlocks/spec.ts'

/**
 * A declared test of some devices: their alarms, and every action of the interlocks they feed or
 * drive, still happen and are recorded, marked as test events, until the mode ends (by the run, or by
 * itself at `until`). Pure data and decisions; the safety service holds the current one.
 */
export interface TestMode {
  devices: ReadonlySet<string>
  interlocks: ReadonlySet<string>
  startedAt: number
  until: number
  by: string
}

/** The interlocks a test of `devices` exercises: a source among them, or its output or feedback on one. */
export function interlocksUnderTest(devices: ReadonlySet<string>, interlocks: readonly InterlockSpec[]): string[] {
  return interlocks
    .filter((spec) => spec.conditions.some((c) => devices.has(c.device)) || devices.has(spec.action.device) || devices.has(spec.action.feedback.device))
    .map((spec) => spec.id)
}

export function testMode(devices: readonly string[], interlocks: readonly InterlockSpec[], { now, minutes, by }: { now: number; minutes: number; by: string }): TestMode {
  const set = new Set(devices)
  return { devices: set, interlocks: new Set(interlocksUnderTest(set, interlocks)), startedAt: now, until: now + minutes * 60_000, by }
}

export function isTestTransition(mode: TestMode | undefined, t: AlarmTransition | InterlockTransition): boolean {
  if (!mode) return false
  if (t.type === 'alarm') return mode.devices.has(t.device) || (t.interlock !== undefined && mode.interlocks.has(t.interlock))
  return mode.interlocks.has(t.interlock)
}

export function testModeEvent(mode: TestMode, state: 'started' | 'ended', ts: number, by: string, reason?: string): Omit<TestModeEvent, 'seq'> {
  return {
    type: 'test-mode', ts, state, devices: [...mode.devices], interlocks: [...mode.interlocks], until: mode.until, by,
    ...(reason !== undefined && { reason: reason.slice(0, 500) }),
  }
}

/** What must not be under test when a test is declared: a gas alarm of the devices, or a trip of an interlock they exercise. */
interface StateToTest {
  alarms: readonly { device: string; channel: string; kind: string; level: string; test?: boolean }[]
  interlocks: readonly { id: string; state: 'normal' | 'tripped' }[]
}

/**
 * Why a test of `devices` cannot be declared now, or undefined: a real gas alarm (level or rate of rise)
 * of one of them, or a tripped interlock the test would exercise. Declared then, the real alarm's
 * escalation and the trip's restore would be recorded as test events and page nobody.
 */
export function testModeRefusal(devices: readonly string[], interlocks: readonly InterlockSpec[], state: StateToTest): string | undefined {
  const set = new Set(devices)
  const underTest = new Set(interlocksUnderTest(set, interlocks))
  const problems = [
    ...state.alarms.filter((a) => set.has(a.device) && (a.kind === 'level' || a.kind === 'rate-of-rise'))
      .map((a) => `${a.device}/${a.channel} is in alarm (${a.kind === 'level' ? a.level : 'rate of rise'})`),
    ...state.interlocks.filter((i) => i.state === 'tripped' && underTest.has(i.id)).map((i) => `interlock ${i.id} is tripped`),
  ]
  if (problems.length === 0) return undefined
  return `${problems.join('; ')}: a test declared now would record the real alarm or trip as a test; clear it (edge-agent alarms, ack, reset) and declare the test again`
}
