/** One sample of the channel under test; null when it was not good (comm-fail, fault, warming-up). */
export interface Reading {
  ts: number
  value: number | null
}

export interface GoodReading {
  ts: number
  value: number
}

/** The readings of a step are in time order; every analysis looks at the good ones only. */
export function goodReadings(readings: readonly Reading[]): GoodReading[] {
  return readings.filter((r): r is GoodReading => r.value !== null && Number.isFinite(r.value))
}

export function meanOf(readings: readonly GoodReading[]): number | null {
  if (readings.length === 0) return null
  return readings.reduce((sum, r) => sum + r.value, 0) / readings.length
}

/**
 * Where the reading stood before the gas: the mean of the good readings before appliedAt, or —
 * when there is none — the first good reading from appliedAt on (the gas has not reached the sensor yet).
 */
export function baselineBefore(readings: readonly Reading[], appliedAt: number): number | null {
  const good = goodReadings(readings)
  return meanOf(good.filter((r) => r.ts < appliedAt)) ?? good.find((r) => r.ts >= appliedAt)?.value ?? null
}

/** +1 when the gas drives the reading up from the baseline, -1 when it drives it down. */
export type Direction = 1 | -1

export const directionOf = (from: number, to: number): Direction => (to >= from ? 1 : -1)

/** The value is at or past `target` going in `direction`. */
export const reached = (value: number, target: number, direction: Direction) => direction * (value - target) >= 0

/** The extreme the reading reached in `direction` from appliedAt on (the peak, or the trough). */
export function extremeAfter(readings: readonly Reading[], appliedAt: number, direction: Direction): number | null {
  const values = goodReadings(readings).filter((r) => r.ts >= appliedAt).map((r) => r.value)
  if (values.length === 0) return null
  return direction === 1 ? Math.max(...values) : Math.min(...values)
}

/** |value| ≤ tolerance, forgiving the float rounding of a mean (0.1 + 0.1 + 0.1 = 0.30000000000000004). */
export const within = (value: number, tolerance: number) => Math.abs(value) <= tolerance * (1 + 1e-12) + 1e-12
