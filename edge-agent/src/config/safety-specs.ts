import type { AlarmLevel, Channel, Profile } from '../../../hardware-profiles/schema.ts'
import { presetById } from '../alarms/presets.ts'
import type { CalibrationSpec, ChannelAlarmSpec, LevelSpec, SensorFaultSpec } from '../alarms/spec.ts'
import type { DailyRatioSpec } from '../alarms/daily-ratio.ts'
import type { ConditionSpec, FeedbackSpec, InterlockSpec, OutputValue } from '../interlocks/spec.ts'
import type { PeriodicTestSpec } from '../periodic/notices.ts'
import { periodicTestSpecs } from './periodic-specs.ts'
import type { ResolvedConfig, ResolvedDevice, ResolvedInterlock } from './resolve.ts'
import { DEFAULTS, type ChannelAlarmsConfig, type ConditionConfig } from './schema.ts'

/**
 * What the alarm evaluator and the interlock state machine run on, resolved once from a checked
 * config and its profiles. Pure: the same config always gives the same specs.
 */
export interface SafetySpecs {
  alarms: ChannelAlarmSpec[]
  interlocks: InterlockSpec[]
  calibrations: CalibrationSpec[]
  daily: DailyRatioSpec[]
  /** the recurring bump and interlock function tests (calibration has its own list); none when absent */
  tests?: PeriodicTestSpec[]
}

export function safetySpecs(config: ResolvedConfig): SafetySpecs {
  const periodic = periodicTestSpecs(config, config.devices.map((device) => ({ device, profile: device.loadedProfile })))
  return {
    alarms: config.devices.flatMap(alarmSpecsOf),
    interlocks: config.interlocks.map((interlock) => interlockSpec(interlock, config.devices)),
    calibrations: periodic.filter((spec) => spec.test === 'calibration').map(calibrationSpec),
    tests: periodic.filter((spec) => spec.test !== 'calibration'),
    daily: config.devices.flatMap((device): DailyRatioSpec[] => device.dailyRatio ? [{
      device: device.id,
      inBand: device.dailyRatio.inBand,
      total: device.dailyRatio.total,
      minRatio: device.dailyRatio.minRatio ?? DEFAULTS.dailyMinRatio,
      alarmAfterDays: device.dailyRatio.alarmAfterDays ?? DEFAULTS.dailyAlarmAfterDays,
      minTotal: device.dailyRatio.minTotal ?? DEFAULTS.dailyMinTotal,
      timeZone: config.gateway.timezone ?? DEFAULTS.timezone,
      source: 'GB 20952-2020 appendix E: warning day below 75 % of fuellings in the A/L band 1.0-1.2, alarm after 5 in a row',
    }] : []),
  }
}

/** The levels a channel alarms on before delays and latching: the config's levels, else its preset's, else the profile defaults. */
export function configuredLevels(channel: Channel, alarms: ChannelAlarmsConfig | undefined): { levels: AlarmLevel[]; preset?: string } {
  if (alarms?.levels) return { levels: alarms.levels }
  if (alarms?.preset !== undefined) {
    const preset = presetById(alarms.preset)
    return { levels: preset ? preset.levels(alarms.params ?? {}) : [], preset: alarms.preset }
  }
  return { levels: channel.alarms ?? [] }
}

const latchOf = (alarms: ChannelAlarmsConfig | undefined, level: AlarmLevel): boolean => {
  const latch = alarms?.latch
  if (Array.isArray(latch)) return latch.includes(level.level)
  return latch ?? level.latch ?? DEFAULTS.latch
}

/**
 * Levels with the channel-wide delays and latching applied (they override each level's own), in
 * the order of severity within each direction (high: rising value; low: falling value; ties keep the
 * declared order); the directions in the order they first appear.
 */
export function levelSpecs(levels: readonly AlarmLevel[], alarms?: ChannelAlarmsConfig): LevelSpec[] {
  const directions = [...new Set(levels.map((l) => l.direction))]
  return levels
    .map((level, order): LevelSpec & { order: number } => ({
      order,
      level: level.level,
      direction: level.direction,
      value: level.value,
      restore: level.restore ?? level.value,
      onDelayMs: alarms?.onDelayMs ?? level.onDelayMs ?? DEFAULTS.onDelayMs,
      offDelayMs: alarms?.offDelayMs ?? level.offDelayMs ?? DEFAULTS.offDelayMs,
      latch: latchOf(alarms, level),
      source: level.source,
    }))
    .sort((a, b) => directions.indexOf(a.direction) - directions.indexOf(b.direction)
      || (a.direction === 'high' ? a.value - b.value : b.value - a.value)
      || a.order - b.order)
    .map(({ order: _order, ...spec }) => spec)
}

function sensorFaultOf(alarms: ChannelAlarmsConfig | undefined): SensorFaultSpec | undefined {
  const setting = alarms?.sensorFault
  if (setting === false) return undefined
  const given = typeof setting === 'object' ? setting : {}
  return { onDelayMs: given.onDelayMs ?? DEFAULTS.sensorFaultOnDelayMs, latch: given.latch ?? DEFAULTS.latch }
}

function alarmSpecsOf(device: ResolvedDevice): ChannelAlarmSpec[] {
  const specs: ChannelAlarmSpec[] = []
  for (const channel of device.loadedProfile.channels) {
    const alarms = device.alarms?.[channel.id]
    const { levels, preset } = configuredLevels(channel, alarms)
    if (levels.length === 0 && !alarms) continue
    const spec: ChannelAlarmSpec = {
      device: device.id,
      channel: channel.id,
      ...(channel.unit !== undefined && { unit: channel.unit }),
      ...(preset !== undefined && { preset }),
      levels: levelSpecs(levels, alarms),
    }
    const rate = alarms?.rateOfRise
    if (rate) {
      spec.rateOfRise = {
        perMinute: rate.perMinute,
        windowMs: (rate.windowS ?? DEFAULTS.rateOfRiseWindowS) * 1000,
        restorePerMinute: rate.restorePerMinute ?? rate.perMinute * DEFAULTS.rateOfRiseRestoreShare,
        latch: rate.latch ?? DEFAULTS.latch,
        source: `gateway config devices.${device.id}.alarms.${channel.id}.rateOfRise`,
      }
    }
    const sensorFault = sensorFaultOf(alarms)
    if (sensorFault) spec.sensorFault = sensorFault
    if (alarms?.flatline) {
      spec.flatline = {
        windowMs: (alarms.flatline.windowMinutes ?? DEFAULTS.flatlineWindowMinutes) * 60_000,
        tolerance: alarms.flatline.tolerance ?? DEFAULTS.flatlineTolerance,
      }
    }
    specs.push(spec)
  }
  return specs
}

export function conditionSpec(condition: ConditionConfig): ConditionSpec {
  if (condition.health) return { kind: 'health', device: condition.device, states: [...condition.health] }
  const op = condition.above !== undefined ? 'above' : condition.below !== undefined ? 'below' : 'equals'
  return { kind: 'value', device: condition.device, channel: condition.channel!, op, value: condition[op]!, ...(condition.restore !== undefined && op !== 'equals' && { restore: condition.restore }),
    ...(condition.armMargin !== undefined && op !== 'equals' && { armMargin: condition.armMargin }) }
}

const isBoolChannel = (channel: Channel | undefined) => channel?.type === 'bool' || channel?.type === 'bit'

/** What a feedback channel reads when the output holds `value`. */
function feedbackReading(value: OutputValue, feedback: Channel | undefined): OutputValue {
  const inverted = feedback?.invertedFeedback === true
  if (isBoolChannel(feedback)) return inverted ? !value : Boolean(value)
  if (typeof value === 'boolean') return Number(inverted ? !value : value)
  return inverted ? Number(!value) : value
}

/** The input that confirms an output: the one given, else the profile's feedbackOf channel for it, else the output read back. */
export function feedbackSpec(action: ResolvedInterlock['action'], devices: readonly ResolvedDevice[]): FeedbackSpec {
  const profileOf = (id: string): Profile | undefined => devices.find((d) => d.id === id)?.loadedProfile
  const outputProfile = profileOf(action.device)
  const implied = outputProfile?.channels.find((c) => c.feedbackOf === action.channel)
  const ref = action.feedback ?? { device: action.device, channel: implied?.id ?? action.channel }
  const channel = profileOf(ref.device)?.channels.find((c) => c.id === ref.channel)
  return {
    device: ref.device,
    channel: ref.channel,
    whenTripped: feedbackReading(action.value, channel),
    whenRestored: feedbackReading(action.restoreValue, channel),
  }
}

function interlockSpec(interlock: ResolvedInterlock, devices: readonly ResolvedDevice[]): InterlockSpec {
  const { action } = interlock
  return {
    id: interlock.id,
    ...(interlock.description !== undefined && { description: interlock.description }),
    mode: interlock.mode,
    conditions: interlock.when.map(conditionSpec),
    action: {
      device: action.device,
      channel: action.channel,
      value: action.value,
      restoreValue: action.restoreValue,
      feedback: feedbackSpec(action, devices),
      feedbackMs: action.feedbackMs,
    },
    failSafe: interlock.failSafe,
    silentAfterMs: interlock.silentAfterMs,
    restoreAfterMs: interlock.restoreAfterMs,
    manualReset: interlock.manualReset,
    maxBypassMs: interlock.maxBypassMinutes * 60_000,
  }
}

function calibrationSpec(spec: PeriodicTestSpec): CalibrationSpec {
  return {
    device: spec.device,
    ...(spec.lastOn !== undefined && { calibratedOn: spec.lastOn }),
    intervalDays: spec.periodDays,
    dueSoonDays: spec.dueSoonDays,
    source: spec.source,
  }
}
