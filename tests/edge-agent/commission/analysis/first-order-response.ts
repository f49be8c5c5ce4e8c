import type { Reading } from '../../../../edge-agent/src/commission/analysis/index.ts'
import { mulberry32 } from '../../../../edge-agent/src/simulator/scenarios.ts'

/**
 * A sensor's answer to test gas, for property tests: a first-order rise from the baseline toward the
 * gas from appliedAt (90 % of the way after t90S), a first-order fall back after removal, polled every
 * pollMs from a first poll at a phase of its own, with uniform noise of at most ±noise × gas. Pure:
 * the noise comes from a seeded generator.
 */
export interface ResponseSpec {
  gas: number
  baseline: number
  t90S: number
  pollMs: number
  /** the first poll comes this long after the start of the readings */
  phaseMs: number
  /** peak noise as a fraction of the gas */
  noise: number
  seed: number
  appliedAt: number
  /** readings start this long before appliedAt */
  beforeMs: number
  /** readings end this long after appliedAt */
  durationMs: number
  /** the gas is removed this long after appliedAt */
  removedAfterMs?: number
}

const tauMs = (spec: ResponseSpec) => (spec.t90S * 1000) / Math.LN10

/** The reading without noise at `ts`. */
export function trueValue(spec: ResponseSpec, ts: number): number {
  const { gas, baseline, appliedAt, removedAfterMs } = spec
  const rise = (t: number) => baseline + (gas - baseline) * (1 - Math.exp(-(t - appliedAt) / tauMs(spec)))
  if (ts <= appliedAt) return baseline
  if (removedAfterMs === undefined || ts <= appliedAt + removedAfterMs) return rise(ts)
  const removedAt = appliedAt + removedAfterMs
  return baseline + (rise(removedAt) - baseline) * Math.exp(-(ts - removedAt) / tauMs(spec))
}

/** Milliseconds after appliedAt at which the noiseless rise reaches `level`; Infinity when it never does. */
export function msToReach(spec: ResponseSpec, level: number): number {
  const fraction = (level - spec.baseline) / (spec.gas - spec.baseline)
  if (fraction <= 0) return 0
  if (fraction >= 1) return Infinity
  return -tauMs(spec) * Math.log(1 - fraction)
}

export function firstOrderReadings(spec: ResponseSpec): Reading[] {
  const next = mulberry32(spec.seed)
  const readings: Reading[] = []
  const end = spec.appliedAt + spec.durationMs
  for (let ts = spec.appliedAt - spec.beforeMs + spec.phaseMs; ts <= end; ts += spec.pollMs) {
    readings.push({ ts, value: trueValue(spec, ts) + (2 * next() - 1) * spec.noise * spec.gas })
  }
  return readings
}
