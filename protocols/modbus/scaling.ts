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

/** Round away binary noise so 123 × 0.1 reads 12.3, not 12.300000000000001. */
function tidy(value: number): number {
  return Number.parseFloat(value.toPrecision(15))
}

export function toEngineering(raw: number, scaling: Scaling, decimals = 0): number {
  checkDecimals(decimals)
  const scale = scaling.scale ?? 1
  const offset = scaling.offset ?? 0
  if (scale === 1 && offset === 0 && decimals === 0) return raw
  return tidy((raw * scale) / 10 ** decimals + offset)
}

/** The raw number whose engineering value is `value`; integer types are rounded to the nearest step. */
export function toRaw(value: number, scaling: Scaling, type: DataType, decimals = 0): number {
  checkDecimals(decimals)
  const scale = scaling.scale ?? 1
  const offset = scaling.offset ?? 0
  if (scale === 0) throw new ModbusCodecError('scale 0 cannot be inverted')
  const raw = ((value - offset) * 10 ** decimals) / scale
  if (!isIntegerType(type)) return raw
  const rounded = Math.round(tidy(raw))
  const [min, max] = INTEGER_LIMITS[type as keyof typeof INTEGER_LIMITS]
  if (rounded < min || rounded > max) {
    throw new ModbusCodecError(`${value} needs raw ${rounded}, outside ${type} (${min}..${max})`)
  }
  return rounded
}
