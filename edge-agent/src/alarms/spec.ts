/**
 * What the alarm evaluator needs to know about one channel, resolved once from the profile's default
 * levels, the preset an installer picked and the device's overrides (edge-agent/src/config). Pure data.
 */

type Direction = 'high' | 'low'

export interface LevelSpec {
  /** name of the level, e.g. alarm, power-off, level-1, red */
  level: string
  direction: Direction
  /** set point: active at or above it (high), at or below it (low) */
  value: number
  /** clears only when the value is below it (high) or above it (low); equal to value means no deadband */
  restore: number
  /** the condition must hold this long before the level is raised */
  onDelayMs: number
  /** the condition must be gone this long before the level clears */
  offDelayMs: number
  /** stays raised after the condition is gone until someone acknowledges it */
  latch: boolean
  /** the standard and clause the figure comes from */
  source: string
}

interface RateOfRiseSpec {
  /** raised when the value rises this much per minute or faster, in the channel's unit */
  perMinute: number
  /** over this window (the rate is measured across it) */
  windowMs: number
  /** clears when the rate falls below this; default half of perMinute */
  restorePerMinute: number
  latch: boolean
  source: string
}

interface FlatlineSpec {
  /** a reading that stays within `tolerance` for this long is a covered or stuck sensor */
  windowMs: number
  /** largest spread of good readings that still counts as "the same value" */
  tolerance: number
}

export interface SensorFaultSpec {
  /** a bad quality must last this long before the sensor-fault alarm is raised (0: at once) */
  onDelayMs: number
  latch: boolean
}

export interface ChannelAlarmSpec {
  device: string
  channel: string
  unit?: string
  /** the preset the levels came from, when one was picked */
  preset?: string
  /** every level of the channel, in the order of severity within each direction (least severe first) */
  levels: LevelSpec[]
  rateOfRise?: RateOfRiseSpec
  /** raise a sensor-fault alarm when the channel's quality is not good; absent: no such alarm */
  sensorFault?: SensorFaultSpec
  flatline?: FlatlineSpec
}

/** One calibration duty: the device's last calibration and its interval. */
export interface CalibrationSpec {
  device: string
  /** YYYY-MM-DD, as configured; absent when the config gives none (the test history may know one) */
  calibratedOn?: string
  intervalDays: number
  /** a due-soon event this many days before the due date */
  dueSoonDays: number
  source: string
}
