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
