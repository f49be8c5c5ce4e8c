import type { ZeroStep } from '../../../../protocols/commissioning/index.ts'
import { clipped, inUnit } from './figures.ts'
import { goodReadings, meanOf, within, type Reading } from './readings.ts'
import { toSeries } from './series.ts'

/** Fewer good readings than this say nothing about the zero. */
export const ZERO_MIN_READINGS = 3

export interface ZeroInput {
  channel: string
  unit: string
  /** the largest |mean| that still counts as zero, in the channel's unit */
  tolerance: number
  /** the channel's readings in clean air, in time order */
  readings: readonly Reading[]
}

/** The zero check: the mean of the good readings in clean air within ±tolerance of zero. */
export function zeroStep({ channel, unit, tolerance, readings }: ZeroInput): ZeroStep {
  const good = goodReadings(readings)
  const mean = meanOf(good)
  const reason = good.length < ZERO_MIN_READINGS
    ? `only ${good.length} good reading${good.length === 1 ? '' : 's'} in clean air (${ZERO_MIN_READINGS} needed): check the sensor's communication and warm-up`
    : !within(mean!, tolerance)
      ? `mean ${inUnit(mean!, unit)} is outside ±${tolerance.toFixed(2)} of zero: purge with clean air or zero the sensor`
      : undefined
  return {
    kind: 'zero',
    result: reason === undefined ? 'passed' : 'failed',
    channel,
    unit,
    tolerance,
    mean,
    readings: toSeries(readings),
    ...(reason !== undefined && { reason: clipped(reason) }),
  }
}
