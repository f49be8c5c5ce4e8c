import {
  decodeBit, decodeRegisters, encodeRegisters, MAX_DECIMALS, RegisterImage, toEngineering, toRaw,
  type RawValue,
} from '../protocols/modbus/index.ts'
import type { Quality } from '../protocols/quality.ts'
import type { CompiledChannel, CompiledProfile } from './compile.ts'
import type { Channel, QualityRule } from './schema.ts'

export type EngineeringValue = number | boolean | string

export interface Reading {
  /** null when the device said there is no valid value (sentinel, NaN, bad exponent) */
  value: EngineeringValue | null
  quality: Quality
  reason?: string
}

const SEVERITY: Record<Quality, number> = {
  good: 0, stale: 1, 'out-of-range': 2, 'warming-up': 3, 'comm-fail': 4, 'device-fault': 5,
}

function worse(reading: Reading, quality: Quality, reason: string): void {
  if (SEVERITY[quality] > SEVERITY[reading.quality]) {
    reading.quality = quality
    reading.reason = reason
  }
}

function rawOf(compiled: CompiledChannel, image: RegisterImage): RawValue {
  const { channel, layout, point } = compiled
  const values = image.read(channel.table, point.address, point.count)
  if (!values) throw new RangeError(`channel ${channel.id}: ${channel.table} ${point.address}..${point.address + point.count - 1} not in the register image`)
  return channel.type === 'bool' ? decodeBit(values) : decodeRegisters(layout, values)
}

function invalidMatch(channel: Channel, raw: number) {
  return channel.invalid?.find((rule) =>
    rule.raw !== undefined ? rule.raw === raw : raw >= (rule.rawMin ?? -Infinity) && raw <= (rule.rawMax ?? Infinity))
}

/** Decimal places from the exponent channel, or a reason why it cannot be trusted. */
function decimalsOf(profile: CompiledProfile, channel: Channel, image: RegisterImage): number | string {
  if (!channel.decimalsFrom) return 0
  const source = profile.channels.get(channel.decimalsFrom)
  if (!source) return `decimal-point channel ${channel.decimalsFrom} is not in the profile`
  const raw = rawOf(source, image)
  if (typeof raw !== 'number' || !Number.isInteger(raw) || Math.abs(raw) > MAX_DECIMALS) {
    return `decimal-point exponent ${String(raw)} is not usable`
  }
  return raw
}

/** Whether a status channel's value triggers a quality rule. */
export function qualityRuleMatches(rule: QualityRule, value: EngineeringValue | null): boolean {
  if (value === null) return false
  if (rule.notIn) return typeof value === 'number' && !rule.notIn.includes(value)
  return value === rule.equals
}

const inImage = (compiled: CompiledChannel, image: RegisterImage) =>
  image.read(compiled.channel.table, compiled.point.address, compiled.point.count) !== undefined

/**
 * Engineering values and qualities of every channel, from the registers the device holds.
 * With `partial`, channels whose registers (or decimal exponent) are not in the image are left out,
 * and measurements governed by a status channel that is missing are left out too: without their
 * status they cannot be called good.
 */
export function decodeImage(profile: CompiledProfile, image: RegisterImage, options: { partial?: boolean } = {}): Record<string, Reading> {
  const readings: Record<string, Reading> = {}
  const missing = new Set<string>()
  for (const [id, compiled] of profile.channels) {
    const { channel } = compiled
    if (options.partial) {
      const exponent = channel.decimalsFrom ? profile.channels.get(channel.decimalsFrom) : undefined
      if (!inImage(compiled, image) || (exponent && !inImage(exponent, image))) {
        missing.add(id)
        continue
      }
    }
    const raw = rawOf(compiled, image)
    const reading: Reading = { value: null, quality: 'good' }
    readings[id] = reading
    if (typeof raw !== 'number') {
      reading.value = raw
      continue
    }
    const invalid = invalidMatch(channel, raw)
    if (invalid) {
      worse(reading, invalid.quality, invalid.reason)
      continue
    }
    if (!Number.isFinite(raw)) {
      worse(reading, 'device-fault', `raw value ${raw} is not a number`)
      continue
    }
    const decimals = decimalsOf(profile, channel, image)
    if (typeof decimals === 'string') {
      worse(reading, 'device-fault', decimals)
      continue
    }
    // a float32 carries ~7 significant digits; the rest is representation noise, not measurement
    const value = toEngineering(channel.type === 'float32' ? Number(raw.toPrecision(7)) : raw, channel, decimals)
    reading.value = value
    if (channel.range && (value < channel.range.min || value > channel.range.max)) {
      worse(reading, 'out-of-range', `${value} outside ${channel.range.min}..${channel.range.max}`)
    }
  }
  const rules = profile.profile.quality ?? []
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!
    const status = readings[rule.channel]
    const targets = profile.qualityTargets[i]!
    if (missing.has(rule.channel)) {
      for (const target of targets) delete readings[target]
      continue
    }
    if (!status || !qualityRuleMatches(rule, status.value)) continue
    for (const target of targets) {
      const reading = readings[target]
      if (reading) worse(reading, rule.quality, rule.reason)
    }
  }
  return readings
}

/** Write an engineering value into the image: the inverse of {@link decodeImage} for one channel. */
export function encodeChannel(profile: CompiledProfile, channelId: string, value: EngineeringValue, image: RegisterImage): void {
  const compiled = profile.channels.get(channelId)
  if (!compiled) throw new RangeError(`no channel ${channelId} in profile ${profile.profile.id}`)
  const { channel, layout, point } = compiled
  if (channel.type === 'bool') {
    image.write(channel.table, point.address, [value === true || value === 1 ? 1 : 0])
    return
  }
  if (channel.type === 'bit') {
    image.write(channel.table, point.address, encodeRegisters(layout, value === true || value === 1, image.get(channel.table, point.address) ?? 0))
    return
  }
  if (channel.type === 'string') {
    image.write(channel.table, point.address, encodeRegisters(layout, String(value)))
    return
  }
  if (typeof value !== 'number') throw new TypeError(`channel ${channelId} takes a number, got ${typeof value}`)
  const decimals = decimalsOf(profile, channel, image)
  if (typeof decimals === 'string') throw new RangeError(`channel ${channelId}: ${decimals}`)
  const raw = toRaw(value, channel, channel.type, decimals)
  image.write(channel.table, point.address, encodeRegisters(layout, raw))
}

/** Write a raw value (e.g. a "no sensor" sentinel) into the image. */
export function encodeRaw(profile: CompiledProfile, channelId: string, raw: RawValue, image: RegisterImage): void {
  const compiled = profile.channels.get(channelId)
  if (!compiled) throw new RangeError(`no channel ${channelId} in profile ${profile.profile.id}`)
  const { channel, layout, point } = compiled
  if (channel.type === 'bool') image.write(channel.table, point.address, [raw ? 1 : 0])
  else image.write(channel.table, point.address, encodeRegisters(layout, raw, image.get(channel.table, point.address) ?? 0))
}
