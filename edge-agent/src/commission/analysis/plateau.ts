import { baselineBefore, directionOf, goodReadings, reached, type GoodReading, type Reading } from './readings.ts'

export const PLATEAU_WINDOW_MS = 10_000
/** the reading's drift over the window that still counts as settled, as a fraction of the gas */
const SETTLED_DRIFT = 0.01
const MIN_WINDOW_READINGS = 5
/**
 * A first-order sensor takes ln 2 ≈ 0.69 of its time constant to go halfway; a window of twice that
 * time spans more than a time constant, so a drift under 1 % of the gas over it means less than about
 * 1 % still to come. A fixed 10 s window would call a slow sensor (T90 60 s) settled 3 % short.
 */
const WINDOW_PER_HALF_RISE = 2

export interface PlateauOptions {
  appliedAt: number
  /** the test gas concentration */
  gas: number
  /** default: the mean of the good readings before appliedAt (see baselineBefore) */
  baseline?: number
  /** the shortest window judged; longer for a sensor slow to go halfway */
  windowMs?: number
}

export interface Plateau {
  /** the mean of the good readings of the settled window */
  plateau: number
  /** the time of the last reading of that window: when the runner could know */
  at: number
}

/** Least-squares slope of the readings, per millisecond. */
function slopeOf(window: readonly GoodReading[]): number {
  const n = window.length
  const t0 = window[0]!.ts
  const meanT = window.reduce((s, r) => s + (r.ts - t0), 0) / n
  const meanV = window.reduce((s, r) => s + r.value, 0) / n
  let num = 0
  let den = 0
  for (const r of window) {
    num += (r.ts - t0 - meanT) * (r.value - meanV)
    den += (r.ts - t0 - meanT) ** 2
  }
  return den === 0 ? 0 : num / den
}

/**
 * The first time the reading under gas settled: at least one window after it first went halfway from
 * the baseline to the gas, the least-squares slope over the window (at least 5 good readings) times the
 * window is within 1 % of the gas. The slope, not max − min, so noise does not hold the answer back.
 * The same readings give the same answer live (called on each new reading) and afterwards.
 */
export function plateauReached(readings: readonly Reading[], options: PlateauOptions): Plateau | undefined {
  const { appliedAt, gas } = options
  const baseline = options.baseline ?? baselineBefore(readings, appliedAt) ?? 0
  const direction = directionOf(baseline, gas)
  const good = goodReadings(readings).filter((r) => r.ts >= appliedAt)
  const halfway = good.findIndex((r) => reached(r.value, baseline + (gas - baseline) / 2, direction))
  if (halfway < 0) return undefined
  const halfwayAt = good[halfway]!.ts
  const windowMs = Math.max(options.windowMs ?? PLATEAU_WINDOW_MS, WINDOW_PER_HALF_RISE * (halfwayAt - appliedAt))
  let first = halfway
  for (let last = halfway; last < good.length; last++) {
    const at = good[last]!.ts
    if (at < halfwayAt + windowMs) continue
    while (good[first]!.ts < at - windowMs) first++
    const window = good.slice(first, last + 1)
    if (window.length < MIN_WINDOW_READINGS) continue
    if (Math.abs(slopeOf(window) * windowMs) > SETTLED_DRIFT * gas) continue
    return { plateau: window.reduce((s, r) => s + r.value, 0) / window.length, at }
  }
  return undefined
}
