import { directionOf, goodReadings, reached, type GoodReading, type Reading } from './readings.ts'
import type { LevelSpec } from './levels.ts'

/** Without alarm levels, a reading back within this fraction of the gas from the baseline has recovered. */
const RECOVERED_FRACTION = 0.1

export interface RecoveryOptions {
  removedAt: number
  levels: readonly LevelSpec[]
  /** the test gas concentration: judges a sensor with no levels */
  gas: number
  /** default 0 */
  baseline?: number
}

/** Back on the safe side of a level: the agent clears a high level below its restore value, a low one above it. */
const safeOf = (level: LevelSpec, value: number) => (level.direction === 'high' ? value < level.restore : value > level.restore)

/**
 * The first good reading after the gas was removed that is back on the safe side of every level's
 * restore value (for a sensor with no levels: within 10 % of the gas from the baseline); undefined
 * while there is none.
 */
export function recovered(readings: readonly Reading[], { removedAt, levels, gas, baseline = 0 }: RecoveryOptions): GoodReading | undefined {
  const back = levels.length > 0
    ? (value: number) => levels.every((l) => safeOf(l, value))
    : (value: number) => !reached(value, baseline + RECOVERED_FRACTION * (gas - baseline), directionOf(baseline, gas))
  return goodReadings(readings).find((r) => r.ts > removedAt && back(r.value))
}
