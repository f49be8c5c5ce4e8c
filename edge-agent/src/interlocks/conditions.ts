import type { Quality } from '../../../protocols/quality.ts'
import { numericValue } from '../alarms/evaluator.ts'
import type { ConditionSpec, InterlockSpec } from './spec.ts'
import type { DeviceHealthState } from './state.ts'

/** The last sample of a channel, as an interlock keeps it. */
export interface Reading {
  value: number | boolean | null | string
  quality: Quality
  ts: number
  reason?: string
}

/** What an interlock knows of its sources when it judges its conditions. */
export interface Sources {
  readings: ReadonlyMap<string, Reading>
  health: ReadonlyMap<string, DeviceHealthState>
  /** a source without a sample has been silent since then */
  startedAt: number
  /** tripped, a value condition lasts until the value is past its restore level (the deadband) */
  tripped: boolean
}

export const describeValue = (v: unknown): string => (v === null || v === undefined ? 'no value' : String(v))

/** A value and a set point or expected value compare equal (booleans as 1 / 0). */
export const sameValue = (value: Reading['value'], expected: number | boolean): boolean =>
  value === expected || numericValue(value as number | boolean) === numericValue(expected)

/** Why the interlock must be tripped now, or undefined when it may be restored. */
export function tripCause(spec: InterlockSpec, sources: Sources, now: number): string | undefined {
  const met: string[] = []
  let unmet = 0
  let untrusted: string | undefined
  for (const condition of spec.conditions) {
    const verdict = judge(condition, spec.silentAfterMs, sources, now)
    if (verdict.untrusted !== undefined) untrusted ??= verdict.untrusted
    if (verdict.met) met.push(verdict.text)
    else unmet++
  }
  if (spec.failSafe && untrusted !== undefined) return `fail-safe: ${untrusted}`
  if (spec.mode === 'any' ? met.length > 0 : unmet === 0) return met.join(spec.mode === 'any' ? '; ' : ' and ')
  return undefined
}

function judge(condition: ConditionSpec, silentAfterMs: number, sources: Sources, now: number): { met: boolean; text: string; untrusted?: string } {
  const health = sources.health.get(condition.device)
  if (condition.kind === 'health') {
    const met = health !== undefined && (condition.states as string[]).includes(health)
    return { met, text: `${condition.device} is ${health ?? 'unknown'}` }
  }
  const key = `${condition.device}/${condition.channel}`
  const reading = sources.readings.get(key)
  const silentMs = now - (reading?.ts ?? sources.startedAt)
  let untrusted: string | undefined
  if (health === 'offline' || health === 'fault') untrusted = `${condition.device} is ${health}`
  else if (silentMs > silentAfterMs) untrusted = `${key} silent for ${silentMs} ms`
  else if (reading && reading.quality !== 'good') untrusted = `${key} ${reading.quality}${reading.reason ? ` (${reading.reason})` : ''}`
  const value = reading && reading.quality === 'good' && untrusted === undefined ? reading.value : undefined
  let met = false
  if (value !== undefined && value !== null) {
    if (condition.op === 'equals') met = sameValue(value, condition.value)
    else {
      const v = numericValue(value as number | boolean)
      const setPoint = numericValue(condition.value)!
      if (v !== undefined) {
        const restore = sources.tripped && condition.restore !== undefined ? condition.restore : undefined
        if (condition.op === 'above') met = restore === undefined ? v >= setPoint : v >= restore
        else met = restore === undefined ? v <= setPoint : v <= restore
      }
    }
  }
  const op = condition.op === 'above' ? '≥' : condition.op === 'below' ? '≤' : '='
  const limit = sources.tripped && condition.restore !== undefined ? `${condition.op === 'above' ? '≥' : '≤'} ${condition.restore} (restore level)` : `${op} ${String(condition.value)}`
  return { met, text: `${key} ${describeValue(value)} ${limit}`, ...(untrusted !== undefined && { untrusted }) }
}
