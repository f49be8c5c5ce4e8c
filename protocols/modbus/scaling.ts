import { ModbusCodecError } from './errors.ts'
import { INTEGER_LIMITS, isIntegerType } from './codec.ts'
import type { DataType } from './types.ts'

/** engineering = raw × scale ÷ 10^decimals + offset */
export interface Scaling {
  scale?: number
  offset?: number
}

/** Decimal places must be small: a larger exponent register value is a device fault, not a reading. */
export const MAX_DECIMALS = 9

export function checkDecimals(decimals: number): void {
  if (!Number.isInteger(decimals) || decimals < -MAX_DECIMALS || decimals > MAX_DECIMALS) {
    throw new ModbusCodecError(`decimal-point exponent ${decimals} is outside -${MAX_DECIMALS}..${MAX_DECIMALS}`)
  }
}

/**
 * Round away binary noise so 123 × 0.1 reads 12.3, not 12.300000000000001.
 * `magnitude` is the largest term the value was computed from: a double carries about 15 significant
 * digits of that term, so 399 × 0.1 − 40 is rounded at the 15th digit of 40 and reads −0.1,
 * not −0.0999999999999943 (the cancellation leaves noise in the 3rd digit of the result itself).
 */
function tidy(value: number, magnitude = 0): number {
  if (!Number.isFinite(value)) return value
  if (value === 0) return 0
  const trusted = Math.floor(Math.log10(Math.max(Math.abs(value), Math.abs(magnitude)))) - 14 // exponent of the last trusted digit
  const digits = Math.floor(Math.log10(Math.abs(value))) - trusted + 1
  if (digits < 1) return 0
  return Number.parseFloat(value.toPrecision(Math.min(digits, 100)))
}

export function toEngineering(raw: number, scaling: Scaling, decimals = 0): number {
  checkDecimals(decimals)
  const scale = scaling.scale ?? 1
  const offset = scaling.offset ?? 0
  if (scale === 1 && offset === 0 && decimals === 0) return raw
  const scaled = (raw * scale) / 10 ** decimals
  return tidy(scaled + offset, Math.max(Math.abs(scaled), Math.abs(offset)))
}

/** The raw number whose engineering value is `value`; integer types are rounded to the nearest step. */
export function toRaw(value: number, scaling: Scaling, type: DataType, decimals = 0): number {
  checkDecimals(decimals)
  const scale = scaling.scale ?? 1
  const offset = scaling.offset ?? 0
  if (scale === 0) throw new ModbusCodecError('scale 0 cannot be inverted')
  const raw = ((value - offset) * 10 ** decimals) / scale
  if (!isIntegerType(type)) return raw
  const magnitude = (Math.max(Math.abs(value), Math.abs(offset)) * 10 ** decimals) / Math.abs(scale)
  const rounded = Math.round(tidy(raw, magnitude)) + 0 // + 0 turns -0 into 0 and keeps NaN
  const [min, max] = INTEGER_LIMITS[type as keyof typeof INTEGER_LIMITS]
  // written so NaN (and ±Infinity) fail the check too
  if (!(rounded >= min && rounded <= max)) {
    throw new ModbusCodecError(`${value} needs raw ${rounded}, outside ${type} (${min}..${max})`)
  }
  return rounded
}
