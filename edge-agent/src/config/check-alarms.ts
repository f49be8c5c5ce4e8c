import { restoreMessage, restoreWrongSide } from '../../../hardware-profiles/check.ts'
import type { Channel, Profile } from '../../../hardware-profiles/schema.ts'
import type { PathSegment } from '../../../protocols/validation/index.ts'
import { ALARM_PRESETS, presetById, type AlarmPreset } from '../alarms/presets.ts'
import { configuredLevels } from './safety-specs.ts'
import type { ChannelAlarmsConfig, DeviceConfig } from './schema.ts'

type IssueFn = (path: PathSegment[], message: string, onKey?: boolean) => void

export const quoteList = (values: readonly string[], max = 8) =>
  values.length <= max ? values.join(', ') : `${values.slice(0, max).join(', ')}, … (${values.length} in all)`

/** Alarms compare numbers; a bool or bit channel compares as 1 / 0. */
const canAlarm = (channel: Channel) => channel.type !== 'string'

/** The `alarms` of one device, against its profile and the preset catalog. */
export function checkDeviceAlarms(i: number, device: DeviceConfig, profile: Profile, issue: IssueFn): void {
  for (const key of ['inBand', 'total'] as const) {
    const id = device.dailyRatio?.[key]
    if (id === undefined) continue
    const channel = profile.channels.find((c) => c.id === id)
    if (!channel) issue(['devices', i, 'dailyRatio', key], `profile "${profile.id}" has no channel "${id}"; channels: ${quoteList(profile.channels.map((c) => c.id))}`)
    else if (channel.type === 'string' || channel.type === 'bool' || channel.type === 'bit') issue(['devices', i, 'dailyRatio', key], `channel "${id}" is ${channel.type}; a day counter must be a number`)
  }
  for (const [channelId, alarms] of Object.entries(device.alarms ?? {})) {
    const at = (...rest: PathSegment[]): PathSegment[] => ['devices', i, 'alarms', channelId, ...rest]
    const channel = profile.channels.find((c) => c.id === channelId)
    if (!channel) {
      issue(at(), `profile "${profile.id}" has no channel "${channelId}"; channels: ${quoteList(profile.channels.map((c) => c.id))}`, true)
      continue
    }
    if (!canAlarm(channel)) {
      issue(at(), `channel "${channelId}" is ${channel.type}; alarms need a numeric or boolean channel`, true)
      continue
    }
    if (alarms.preset !== undefined && alarms.levels !== undefined) {
      issue(at('levels'), 'give a preset or levels, not both (levels replace the preset\'s)', true)
      continue
    }
    alarms.levels?.forEach((level, j) => {
      if (restoreWrongSide(level)) issue(at('levels', j, 'restore'), restoreMessage(level))
    })
    let levelsKnown = true
    if (alarms.preset !== undefined) {
      const preset = presetById(alarms.preset)
      levelsKnown = preset !== undefined && checkPreset(preset, channel, alarms, at, issue)
      if (!preset) issue(at('preset'), `no preset "${alarms.preset}"; presets: ${ALARM_PRESETS.map((p) => p.id).join(', ')} (edge-agent presets list)`)
      else if (levelsKnown) checkPresetOrder(preset, alarms, at, issue)
    } else if (alarms.params !== undefined) {
      issue(at('params'), 'params are for a preset; give preset too, or drop params', true)
    }
    const { levels } = configuredLevels(channel, alarms)
    if (Array.isArray(alarms.latch) && levelsKnown) {
      alarms.latch.forEach((name, k) => {
        if (!levels.some((l) => l.level === name)) issue(at('latch', k), `channel "${channelId}" has no level "${name}"; levels: ${levels.map((l) => l.level).join(', ') || 'none'}`)
      })
    }
    const rate = alarms.rateOfRise
    if (rate?.restorePerMinute !== undefined && rate.restorePerMinute >= rate.perMinute) {
      issue(at('rateOfRise', 'restorePerMinute'), `restorePerMinute ${rate.restorePerMinute} must be below perMinute ${rate.perMinute}, or the alarm would never clear`)
    }
  }
}

/** Unit and params of a preset pick; false when the levels cannot be computed. */
function checkPreset(preset: AlarmPreset, channel: Channel, alarms: ChannelAlarmsConfig, at: (...rest: PathSegment[]) => PathSegment[], issue: IssueFn): boolean {
  const unit = channel.unit ?? ''
  if (unit !== preset.unit) {
    issue(at('preset'), `preset "${preset.id}" is for a channel in ${preset.unit}, but "${channel.id}" is in ${unit === '' ? `no unit (${channel.type})` : unit}`)
  }
  let complete = true
  const params = alarms.params ?? {}
  const known = preset.params.map((p) => p.name)
  for (const [name, value] of Object.entries(params)) {
    const param = preset.params.find((p) => p.name === name)
    if (!param) {
      issue(at('params', name), `preset "${preset.id}" has no param "${name}"; ${known.length > 0 ? `params: ${known.join(', ')}` : 'it takes none'}`, true)
    } else if (param.min !== undefined && value < param.min) {
      issue(at('params', name), `${name} must be at least ${param.min}, got ${value}`)
      complete = false
    }
  }
  const missing = preset.params.filter((p) => p.required && params[p.name] === undefined)
  if (missing.length > 0) {
    complete = false
    const needs = missing.map((p) => `${p.name} (${p.description})`).join('; ')
    issue(alarms.params ? at('params') : at('preset'), `preset "${preset.id}" needs ${missing.length === 1 ? 'param' : 'params'} ${needs}`, alarms.params !== undefined)
  }
  return complete
}

/** A preset names its levels least severe first; site figures that swap two of them would misname them. */
function checkPresetOrder(preset: AlarmPreset, alarms: ChannelAlarmsConfig, at: (...rest: PathSegment[]) => PathSegment[], issue: IssueFn): void {
  const levels = preset.levels(alarms.params ?? {})
  for (const direction of ['high', 'low'] as const) {
    const list = levels.filter((l) => l.direction === direction)
    for (let k = 1; k < list.length; k++) {
      const [before, after] = [list[k - 1]!, list[k]!]
      const wrong = direction === 'high' ? after.value < before.value : after.value > before.value
      if (wrong) {
        issue(at('params'), `${before.level} ${before.value} must be ${direction === 'high' ? 'below' : 'above'} ${after.level} ${after.value} (${direction}-going levels get more severe as the value ${direction === 'high' ? 'rises' : 'falls'})`, true)
      }
    }
  }
}
