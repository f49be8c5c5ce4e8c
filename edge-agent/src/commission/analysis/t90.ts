import { directionOf, goodReadings, reached, type Reading } from './readings.ts'

export interface T90Options {
  appliedAt: number
  baseline: number
  plateau: number
}

/**
 * Seconds from appliedAt until the reading reached 90 % of the way from the baseline to the plateau,
 * interpolated linearly between the two good readings that bracket that level; null when it never did
 * (or there is no way to go: plateau = baseline).
 */
export function t90Seconds(readings: readonly Reading[], { appliedAt, baseline, plateau }: T90Options): number | null {
  if (plateau === baseline) return null
  const target = baseline + 0.9 * (plateau - baseline)
  const direction = directionOf(baseline, plateau)
  const good = goodReadings(readings)
  const index = good.findIndex((r) => r.ts >= appliedAt && reached(r.value, target, direction))
  if (index < 0) return null
  const at = good[index]!
  const before = good[index - 1]
  const reachedAt = before === undefined || reached(before.value, target, direction)
    ? at.ts
    : before.ts + ((target - before.value) / (at.value - before.value)) * (at.ts - before.ts)
  return Math.max(0, reachedAt - appliedAt) / 1000
}
