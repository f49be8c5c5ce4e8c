import type { GasStep, LevelCheck, TestGas } from '../../../../protocols/commissioning/index.ts'
import { clipped, inUnit, roundedSeconds, seconds } from './figures.ts'
import { checkLevel, levelsPassedBy, type AlarmSeen, type LevelSpec } from './levels.ts'
import { plateauReached } from './plateau.ts'
import { baselineBefore, directionOf, extremeAfter, goodReadings, meanOf, within, type Reading } from './readings.ts'
import { recovered } from './recovery.ts'
import { toSeries } from './series.ts'
import { t90Seconds } from './t90.ts'

/** A reading that moved less than this fraction of the way to the gas did not respond to it. */
const NO_RESPONSE = 0.1
const MAX_LISTED = 16

export interface GasLimits {
  t90LimitS: number
  recoveryLimitS: number
  /** the largest |plateau − gas| / gas a span test accepts */
  errorTolerance: number
}

export interface GasInput {
  test: 'bump' | 'span'
  channel: string
  unit: string
  gas: TestGas
  appliedAt: number
  removedAt?: number
  /** every reading of the step, in time order, from before appliedAt to the end */
  readings: readonly Reading[]
  /** the baseline's readings when they were taken apart (the zero step's); without a good one: those before appliedAt */
  baselineReadings?: readonly Reading[]
  levels: readonly LevelSpec[]
  /** the agent's level alarm events of this device and channel during the step, in order */
  alarms: readonly AlarmSeen[]
  limits: GasLimits
}

/**
 * The test gas step: baseline, plateau (where the reading settled, or the extreme it reached when it
 * never did), the plateau's error against the gas, T90, every level the gas passes raised at its set
 * point, and the recovery after the gas was removed. One sentence per failure, with the figures.
 */
export function gasStep(input: GasInput): GasStep {
  const { test, channel, unit, gas, appliedAt, removedAt, readings, levels, alarms, limits } = input
  const concentration = gas.concentration
  const baseline = meanOf(goodReadings(input.baselineReadings ?? [])) ?? baselineBefore(readings, appliedAt)
  const from = baseline ?? 0
  const direction = directionOf(from, concentration)
  const underGas = removedAt === undefined ? readings : readings.filter((r) => r.ts < removedAt)
  const extreme = extremeAfter(readings, appliedAt, direction)
  const plateau = plateauReached(underGas, { appliedAt, gas: concentration, baseline: from })?.plateau ?? extreme
  const responded = plateau !== null && Math.abs(plateau - from) >= NO_RESPONSE * Math.abs(concentration - from)
  const t90 = responded ? t90Seconds(readings, { appliedAt, baseline: from, plateau }) : null
  const t90S = t90 === null ? null : roundedSeconds(t90 * 1000)
  const error = plateau === null ? null : (plateau - concentration) / concentration
  const back = removedAt === undefined ? undefined : recovered(readings, { removedAt, levels, gas: concentration, baseline: from })
  const recoveryS = removedAt === undefined || back === undefined ? null : roundedSeconds(back.ts - removedAt)
  const checks: LevelCheck[] = levelsPassedBy(levels, concentration).map((l) => checkLevel(l, { unit, appliedAt, readings, levels, alarms }))

  const reasons: string[] = []
  if (plateau === null) reasons.push('no good reading after the gas was applied')
  else if (!responded) reasons.push(`the reading did not respond to ${inUnit(concentration, unit)} of ${gas.name}: it went from ${inUnit(from, unit)} to ${inUnit(plateau, unit)} only`)
  else if (t90S === null) reasons.push(`the reading never reached 90 % of the way to its plateau ${inUnit(plateau, unit)}`)
  else if (t90S > limits.t90LimitS) reasons.push(`T90 ${seconds(t90S)} exceeds ${limits.t90LimitS} s`)
  if (test === 'span' && error !== null && !within(error, limits.errorTolerance)) {
    reasons.push(`plateau ${inUnit(plateau!, unit)} is ${(error * 100).toFixed(1)} % off the gas ${inUnit(concentration, unit)} (tolerance ±${(limits.errorTolerance * 100).toFixed(1)} %): calibrate the span`)
  }
  for (const check of checks) if (check.result === 'failed') reasons.push(check.reason!)
  if (removedAt !== undefined) {
    if (recoveryS === null) reasons.push(notRecovered(readings, removedAt, limits.recoveryLimitS, unit))
    else if (recoveryS > limits.recoveryLimitS) reasons.push(`recovery ${seconds(recoveryS)} exceeds ${limits.recoveryLimitS} s`)
  }

  return {
    kind: 'gas',
    test,
    result: reasons.length === 0 ? 'passed' : 'failed',
    channel,
    unit,
    gas,
    appliedAt,
    ...(removedAt !== undefined && { removedAt }),
    baseline,
    plateau,
    error,
    errorTolerance: limits.errorTolerance,
    t90S,
    t90LimitS: limits.t90LimitS,
    recoveryS,
    recoveryLimitS: limits.recoveryLimitS,
    levels: checks.slice(0, MAX_LISTED),
    readings: readings.length > 0 ? toSeries(readings) : toSeries(readings, undefined, appliedAt),
    reasons: reasons.slice(0, MAX_LISTED).map(clipped),
  }
}

function notRecovered(readings: readonly Reading[], removedAt: number, limitS: number, unit: string): string {
  const last = goodReadings(readings).at(-1)
  const still = last === undefined || last.ts <= removedAt ? '' : `: the reading was still ${inUnit(last.value, unit)} ${seconds((last.ts - removedAt) / 1000)} after the gas was removed`
  return `did not recover within ${limitS} s${still}`
}
