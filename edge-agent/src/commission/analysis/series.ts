import type { Series } from '../../../../protocols/commissioning/index.ts'
import type { Reading } from './readings.ts'

export const SERIES_MAX_POINTS = 4000

/**
 * The readings as the record keeps them: milliseconds after the first reading, thinned evenly (first
 * and last kept) to at most maxPoints. `t0` when there is no reading at all.
 */
export function toSeries(readings: readonly Reading[], maxPoints = SERIES_MAX_POINTS, t0 = readings[0]?.ts ?? 0): Series {
  const count = Math.max(0, Math.min(readings.length, Math.floor(maxPoints)))
  const picked = readings.length <= count || count < 2
    ? readings.slice(0, count)
    : Array.from({ length: count }, (_, i) => readings[Math.round((i * (readings.length - 1)) / (count - 1))]!)
  return { t0, points: picked.map((r) => [Math.max(0, Math.round(r.ts - t0)), r.value] as [number, number | null]) }
}
