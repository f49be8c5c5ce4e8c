import type { LevelCheck } from '../../../../protocols/commissioning/index.ts'
import { clipped, inUnit, seconds } from './figures.ts'
import { extremeAfter, goodReadings, reached, type Direction, type GoodReading, type Reading } from './readings.ts'

/** An alarm level of the channel, as the agent's alarm spec has it. */
export interface LevelSpec {
  level: string
  direction: 'high' | 'low'
  setPoint: number
  /** the value the level clears at (== setPoint when it has no deadband) */
  restore: number
  /** the condition must hold this long before the agent raises it; default 0 */
  onDelayMs?: number
}

/** One of the agent's alarm events (protocols/mqtt AlarmEvent) of this device and channel during the step. */
export interface AlarmSeen {
  ts: number
  state: 'raised' | 'escalated' | 'de-escalated' | 'cleared' | 'acknowledged' | 'changed'
  kind: string
  level: string
  from?: string
  value?: number | null
  threshold?: number
}

const sign = (level: LevelSpec): Direction => (level.direction === 'high' ? 1 : -1)

/** The levels the gas passes: high set points below the gas concentration, low ones above it. */
export function levelsPassedBy(levels: readonly LevelSpec[], gas: number): LevelSpec[] {
  return levels.filter((l) => (l.direction === 'high' ? l.setPoint < gas : l.setPoint > gas))
}

/**
 * The agent reports only the most severe level raised: a reading that jumps past two set points at
 * once raises the upper one alone. So a level counts as raised by an event naming it or a level of
 * the same direction beyond it.
 */
function atOrBeyond(level: LevelSpec, levels: readonly LevelSpec[]): Set<string> {
  return new Set(levels.filter((l) => l.direction === level.direction && sign(level) * (l.setPoint - level.setPoint) >= 0).map((l) => l.level))
}

const isRaise = (a: AlarmSeen) => a.kind === 'level' && (a.state === 'raised' || a.state === 'escalated')

/** The level stops being raised: the level alarm cleared, or de-escalated to a level short of it. */
const isClear = (a: AlarmSeen, names: Set<string>) => a.kind === 'level' && (a.state === 'cleared' || (a.state === 'de-escalated' && !names.has(a.level)))

export interface LevelCheckInput {
  unit: string
  appliedAt: number
  readings: readonly Reading[]
  levels: readonly LevelSpec[]
  alarms: readonly AlarmSeen[]
}

/**
 * Each level must be raised at its set point: the agent judges every sample, so the raise comes with
 * the first good reading past the set point (after its on-delay) or, at the latest, the next one.
 * Raised while every reading was still on the safe side: the set point is not the one the record claims.
 */
export function checkLevel(level: LevelSpec, { unit, appliedAt, readings, levels, alarms }: LevelCheckInput): LevelCheck {
  const good = goodReadings(readings)
  const names = atOrBeyond(level, levels)
  const raiseIndex = alarms.findIndex((a) => isRaise(a) && names.has(a.level))
  const raise = alarms[raiseIndex]
  const crossing = good.findIndex((r) => reached(r.value, level.setPoint, sign(level)))
  const setPoint = `level ${level.level} (set point ${inUnit(level.setPoint, unit)})`
  const base = { level: level.level, direction: level.direction, setPoint: level.setPoint }
  if (raise === undefined) {
    const peak = extremeAfter(readings, appliedAt, sign(level))
    const reason = crossing >= 0
      ? `${setPoint} never raised although the reading reached ${inUnit(good[crossing]!.value, unit)}: check the level's configuration`
      : `${setPoint} never raised: the reading ${level.direction === 'high' ? 'peaked' : 'bottomed out'} at ${peak === null ? 'no good value' : inUnit(peak, unit)}`
    return { ...base, result: 'failed', reason: clipped(reason) }
  }
  const value = typeof raise.value === 'number' ? raise.value : lastAtOrBefore(good, raise.ts)?.value
  const cleared = alarms.slice(raiseIndex + 1).find((a) => isClear(a, names))
  const seen = { ...base, raisedAt: raise.ts, ...(value !== undefined && { value }), ...(cleared && { clearedAt: cleared.ts }) }
  const at = value === undefined ? '' : ` at ${inUnit(value, unit)}`
  if (crossing < 0 || raise.ts < good[crossing]!.ts) {
    return { ...seen, result: 'failed', reason: clipped(`${setPoint} raised${at} while the reading had not reached its set point: the set point in effect is not ${inUnit(level.setPoint, unit)}`) }
  }
  const expected = good.findIndex((r, i) => i >= crossing && r.ts >= good[crossing]!.ts + (level.onDelayMs ?? 0))
  const latest = expected < 0 ? Infinity : (good[expected + 1] ?? good[expected]!).ts
  if (raise.ts > latest) {
    const late = (raise.ts - good[crossing]!.ts) / 1000
    return { ...seen, result: 'failed', reason: clipped(`${setPoint} raised${at}, ${seconds(late)} after the reading passed its set point: later than the next reading`) }
  }
  return { ...seen, result: 'passed' }
}

function lastAtOrBefore(readings: readonly GoodReading[], ts: number): GoodReading | undefined {
  let last: GoodReading | undefined
  for (const r of readings) if (r.ts <= ts) last = r
  return last
}
