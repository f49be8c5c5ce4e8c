import {
  decodeBit, decodeRegisters, encodeRegisters, implausibleFloatReason, isPlausibleFloat, MAX_DECIMALS, RegisterImage, toEngineering, toRaw,
  type RawValue, type RegisterView,
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

/** The raw value of a channel whose registers are at `at` in `image.located` (see {@link RegisterView.locate}). */
function rawAt(compiled: CompiledChannel, image: RegisterView, at: number): RawValue {
  return compiled.bool ? decodeBit(image.located, at) : decodeRegisters(compiled.layout, image.located, at)
}

const locate = (compiled: CompiledChannel, image: RegisterView) => image.locate(compiled.table, compiled.address, compiled.count)

function rawOf(compiled: CompiledChannel, image: RegisterView): RawValue {
  const at = locate(compiled, image)
  if (at < 0) {
    const { channel, point } = compiled
    throw new RangeError(`channel ${channel.id}: ${channel.table} ${point.address}..${point.address + point.count - 1} not in the register image`)
  }
  return rawAt(compiled, image, at)
}

function invalidMatch(rules: Channel['invalid'], raw: number) {
  if (!rules) return undefined
  for (const rule of rules) {
    if (rule.raw !== undefined ? rule.raw === raw : raw >= (rule.rawMin ?? -Infinity) && raw <= (rule.rawMax ?? Infinity)) return rule
  }
  return undefined
}

/** Decimal places from the exponent channel, or a reason why it cannot be trusted. */
function decimalsOf(profile: CompiledProfile, compiled: CompiledChannel, image: RegisterView): number | string {
  // -1: no decimalsFrom; -2: it names no channel of the profile
  if (compiled.decimalsIndex === -1) return 0
  if (compiled.decimalsIndex < 0) return `decimal-point channel ${compiled.channel.decimalsFrom} is not in the profile`
  const raw = rawOf(profile.list[compiled.decimalsIndex]!, image)
  if (typeof raw !== 'number' || !Number.isInteger(raw) || Math.abs(raw) > MAX_DECIMALS) {
    return `decimal-point exponent ${String(raw)} is not usable`
  }
  return raw
}

/** The raw values whose engineering value is in the channel's range (any, without a range): the word orders worth naming. */
function withinRange(compiled: CompiledChannel, decimals: number): ((raw: number) => boolean) | undefined {
  const { range, scaling } = compiled
  if (!range) return undefined
  return (raw) => {
    const value = toEngineering(raw, scaling, decimals)
    return value >= range.min && value <= range.max
  }
}

/** Whether a status channel's value triggers a quality rule. */
export function qualityRuleMatches(rule: QualityRule, value: EngineeringValue | null): boolean {
  if (value === null) return false
  if (rule.notIn) return typeof value === 'number' && !rule.notIn.includes(value)
  return value === rule.equals
}

/**
 * What {@link decodeChannels} leaves, by channel index (CompiledProfile.list): reusable from one
 * decode to the next, so a poll allocates nothing per channel but its samples. It also remembers each
 * channel's last raw value and exponent with the engineering value they gave: scaling is a pure
 * function of the two, and most registers read the same from one poll to the next.
 */
export class DecodedChannels {
  /** 1 when the channel has a reading; 0 when it was left out (registers, exponent or status missing) */
  readonly present: Uint8Array
  readonly values: (EngineeringValue | null)[]
  readonly qualities: Quality[]
  readonly reasons: (string | undefined)[]
  /** 1 when the channel's registers (or its exponent's) were not in the image */
  readonly missing: Uint8Array
  private readonly lastRaw: Float64Array
  private readonly lastDecimals: Float64Array
  private readonly lastValue: Float64Array

  constructor(readonly profile: CompiledProfile) {
    const n = profile.list.length
    this.present = new Uint8Array(n)
    this.values = new Array<EngineeringValue | null>(n).fill(null)
    this.qualities = new Array<Quality>(n).fill('good')
    this.reasons = new Array<string | undefined>(n).fill(undefined)
    this.missing = new Uint8Array(n)
    this.lastRaw = new Float64Array(n).fill(Number.NaN)
    this.lastDecimals = new Float64Array(n).fill(Number.NaN)
    this.lastValue = new Float64Array(n)
  }

  /** The engineering value of a finite raw value, remembered per channel (toEngineering is a pure function of raw and decimals). */
  engineering(compiled: CompiledChannel, raw: number, decimals: number): number {
    const i = compiled.index
    // -0 and 0 compare equal but may not give the same value: never remember a zero
    if (raw === this.lastRaw[i] && decimals === this.lastDecimals[i] && raw !== 0) return this.lastValue[i]!
    // a float32 carries ~7 significant digits; the rest is representation noise, not measurement
    const value = toEngineering(compiled.float32 ? Number(raw.toPrecision(7)) : raw, compiled.scaling, decimals)
    this.lastRaw[i] = raw
    this.lastDecimals[i] = decimals
    this.lastValue[i] = value
    return value
  }

  /** Make channel `i` worse (a higher severity wins; the first reason of a severity stays). */
  worse(i: number, quality: Quality, reason: string): void {
    if (SEVERITY[quality] > SEVERITY[this.qualities[i]!]) {
      this.qualities[i] = quality
      this.reasons[i] = reason
    }
  }

  /** As {@link decodeImage} returns them. */
  readings(): Record<string, Reading> {
    const readings: Record<string, Reading> = {}
    const { list } = this.profile
    for (let i = 0; i < list.length; i++) {
      if (this.present[i] !== 1) continue
      const reason = this.reasons[i]
      readings[list[i]!.channel.id] = reason === undefined ? { value: this.values[i]!, quality: this.qualities[i]! } : { value: this.values[i]!, quality: this.qualities[i]!, reason }
    }
    return readings
  }
}

/**
 * Engineering values and qualities of every channel, from the registers the device holds, into `out`
 * (by channel index). With `partial`, channels whose registers (or decimal exponent) are not in the
 * image are left out, and measurements governed by a status channel that is missing are left out too:
 * without their status they cannot be called good. Without it, a missing register throws a RangeError.
 */
export function decodeChannels(profile: CompiledProfile, image: RegisterView, partial: boolean, out: DecodedChannels): void {
  if (out.profile !== profile) throw new RangeError(`decoding ${profile.profile.id} into the channels of ${out.profile.profile.id}`)
  const { list } = profile
  const { present, values, qualities, reasons, missing } = out
  for (let i = 0; i < list.length; i++) {
    const compiled = list[i]!
    present[i] = 0
    missing[i] = 0
    let at: number
    if (partial) {
      at = locate(compiled, image)
      const exponent = compiled.decimalsIndex >= 0 ? list[compiled.decimalsIndex] : undefined
      if (at < 0 || (exponent && locate(exponent, image) < 0)) {
        missing[i] = 1
        continue
      }
      if (exponent) at = locate(compiled, image)
    } else {
      at = locate(compiled, image)
    }
    const raw = at < 0 ? rawOf(compiled, image) : rawAt(compiled, image, at)
    present[i] = 1
    values[i] = null
    qualities[i] = 'good'
    reasons[i] = undefined
    if (typeof raw !== 'number') {
      values[i] = raw
      continue
    }
    const invalid = invalidMatch(compiled.invalid, raw)
    if (invalid) {
      out.worse(i, invalid.quality, invalid.reason)
      continue
    }
    if (!Number.isFinite(raw)) {
      out.worse(i, 'device-fault', `raw value ${raw} is not a number`)
      continue
    }
    const decimals = decimalsOf(profile, compiled, image)
    if (typeof decimals === 'string') {
      out.worse(i, 'device-fault', decimals)
      continue
    }
    const { range } = compiled
    if (compiled.float && !isPlausibleFloat(raw)) {
      // not a measurement but, most likely, a wrong word order: a sensor that silently reads 0 must never be good
      out.worse(i, 'out-of-range', implausibleFloatReason(compiled.layout, image.located, at, raw, withinRange(compiled, decimals)))
      continue
    }
    const value = out.engineering(compiled, raw, decimals)
    values[i] = value
    if (range && (value < range.min || value > range.max)) {
      out.worse(i, 'out-of-range', `${value} outside ${range.min}..${range.max}`)
    }
  }
  const rules = profile.profile.quality ?? []
  for (let r = 0; r < rules.length; r++) {
    const rule = rules[r]!
    const { status, targets } = profile.qualityRuleIndices[r]!
    if (status < 0) continue
    if (missing[status] === 1) {
      for (const target of targets) present[target] = 0
      continue
    }
    if (present[status] !== 1 || !qualityRuleMatches(rule, values[status]!)) continue
    for (const target of targets) {
      if (present[target] === 1) out.worse(target, rule.quality, rule.reason)
    }
  }
}

/**
 * Engineering values and qualities of every channel, from the registers the device holds.
 * With `partial`, channels whose registers (or decimal exponent) are not in the image are left out,
 * and measurements governed by a status channel that is missing are left out too: without their
 * status they cannot be called good.
 */
export function decodeImage(profile: CompiledProfile, image: RegisterView, options: { partial?: boolean } = {}): Record<string, Reading> {
  const out = new DecodedChannels(profile)
  decodeChannels(profile, image, options.partial === true, out)
  return out.readings()
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
  const decimals = decimalsOf(profile, compiled, image)
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
