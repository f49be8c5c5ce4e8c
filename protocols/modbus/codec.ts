import { ModbusCodecError } from './errors.ts'
import { WORD_ORDERS, type DataType, type RawLayout, type RawValue, type WordOrder } from './types.ts'

/** Registers (or bits) a layout occupies. */
export function registerCount(layout: RawLayout): number {
  switch (layout.type) {
    case 'bool':
    case 'bit':
    case 'uint16':
    case 'int16':
      return 1
    case 'uint32':
    case 'int32':
    case 'float32':
      return 2
    case 'float64':
      return 4
    case 'string':
      return layout.length ?? 1
  }
}

/** The bit index of a `bit` layout; anything outside 0..15 would read a constant 0 and write nothing. */
function bitIndex(layout: RawLayout): number {
  const bit = layout.bit ?? 0
  if (!Number.isInteger(bit) || bit < 0 || bit > 15) throw new ModbusCodecError(`bit index ${bit} is outside 0..15`)
  return bit
}

export const isNumericType = (type: DataType): boolean =>
  type !== 'bool' && type !== 'bit' && type !== 'string'

export const isIntegerType = (type: DataType): boolean =>
  type === 'uint16' || type === 'int16' || type === 'uint32' || type === 'int32'

/** Inclusive raw limits of the integer types. */
export const INTEGER_LIMITS: Record<'uint16' | 'int16' | 'uint32' | 'int32', readonly [number, number]> = {
  uint16: [0, 0xffff],
  int16: [-0x8000, 0x7fff],
  uint32: [0, 0xffffffff],
  int32: [-0x80000000, 0x7fffffff],
}

/** Wire bytes (big-endian register by register) → canonical big-endian value bytes, and back: the mapping is an involution. */
function reorder(bytes: Uint8Array, order: WordOrder): Uint8Array {
  const words = bytes.length / 2
  const out = new Uint8Array(bytes.length)
  const swapWords = order === 'CDAB' || order === 'DCBA'
  const swapBytes = order === 'BADC' || order === 'DCBA'
  for (let w = 0; w < words; w++) {
    const src = swapWords ? words - 1 - w : w
    const hi = bytes[src * 2]!
    const lo = bytes[src * 2 + 1]!
    out[w * 2] = swapBytes ? lo : hi
    out[w * 2 + 1] = swapBytes ? hi : lo
  }
  return out
}

function wordsToBytes(words: ArrayLike<number>, offset: number, count: number): Uint8Array {
  const bytes = new Uint8Array(count * 2)
  for (let i = 0; i < count; i++) {
    const word = words[offset + i]
    if (word === undefined) throw new ModbusCodecError(`expected ${count} registers from offset ${offset}, got ${words.length - offset}`)
    bytes[i * 2] = (word >>> 8) & 0xff
    bytes[i * 2 + 1] = word & 0xff
  }
  return bytes
}

function bytesToWords(bytes: Uint8Array): number[] {
  const words: number[] = []
  for (let i = 0; i < bytes.length; i += 2) words.push((bytes[i]! << 8) | bytes[i + 1]!)
  return words
}

/**
 * Decode the raw value of one register point from `words` starting at `offset`.
 * Bits (`bool`) are decoded by {@link decodeBit}.
 */
export function decodeRegisters(layout: RawLayout, words: ArrayLike<number>, offset = 0): RawValue {
  const order = layout.order ?? 'ABCD'
  switch (layout.type) {
    case 'bool':
      throw new ModbusCodecError('bool points live in bit tables; use decodeBit')
    case 'bit': {
      const word = words[offset]
      if (word === undefined) throw new ModbusCodecError(`expected a register at offset ${offset}`)
      return ((word >>> bitIndex(layout)) & 1) === 1
    }
    case 'string': {
      const count = registerCount(layout)
      const swap = order === 'BADC' || order === 'DCBA'
      const bytes = wordsToBytes(words, offset, count)
      let text = ''
      for (let i = 0; i < bytes.length; i += 2) {
        const first = swap ? bytes[i + 1]! : bytes[i]!
        const second = swap ? bytes[i]! : bytes[i + 1]!
        text += String.fromCharCode(first, second)
      }
      return text.replace(/[\0 ]+$/u, '')
    }
    default: {
      // the poll loop's hot path: no allocation, one shared scratch view, bytes placed in canonical order
      const swapBytes = order === 'BADC' || order === 'DCBA'
      if (layout.type === 'uint16' || layout.type === 'int16') {
        // one register: what the scratch view would give, without it (ToUint16 is the same as & 0xffff)
        const word = words[offset]
        if (word === undefined) throw new ModbusCodecError(`expected 1 registers from offset ${offset}, got ${Math.max(0, words.length - offset)}`)
        const value = swapBytes ? ((word & 0xff) << 8) | ((word >>> 8) & 0xff) : word & 0xffff
        return layout.type === 'uint16' ? value : (value << 16) >> 16
      }
      const count = registerCount(layout)
      const swapWords = order === 'CDAB' || order === 'DCBA'
      for (let w = 0; w < count; w++) {
        const word = words[offset + (swapWords ? count - 1 - w : w)]
        if (word === undefined) throw new ModbusCodecError(`expected ${count} registers from offset ${offset}, got ${Math.max(0, words.length - offset)}`)
        SCRATCH.setUint16(w * 2, swapBytes ? ((word & 0xff) << 8) | ((word >>> 8) & 0xff) : word & 0xffff)
      }
      switch (layout.type) {
        case 'uint32': return SCRATCH.getUint32(0)
        case 'int32': return SCRATCH.getInt32(0)
        case 'float32': return SCRATCH.getFloat32(0)
        case 'float64': return SCRATCH.getFloat64(0)
      }
    }
  }
  throw new ModbusCodecError(`unknown data type ${String(layout.type)}`)
}

const SCRATCH = new DataView(new ArrayBuffer(8))

/**
 * Magnitudes a float register can hold as a measurement. Outside them (subnormals included) the value is
 * what a wrong word order decodes to: the low mantissa bytes land in the exponent.
 */
export const PLAUSIBLE_FLOAT_MAGNITUDE = { min: 1e-20, max: 1e20 } as const

/** Exactly zero, or a magnitude within {@link PLAUSIBLE_FLOAT_MAGNITUDE}; NaN and ±Infinity are not. */
export function isPlausibleFloat(value: number): boolean {
  if (value === 0) return true
  const magnitude = Math.abs(value)
  return magnitude >= PLAUSIBLE_FLOAT_MAGNITUDE.min && magnitude <= PLAUSIBLE_FLOAT_MAGNITUDE.max
}

const significant = (value: number, digits: number) => String(Number(value.toPrecision(digits)))

/**
 * Why an implausible float (see {@link isPlausibleFloat}) read from `words` at `offset` is no measurement, and
 * what the other word orders decode the same registers to. Called only once a value failed the check: the
 * alternatives are decoded here, never on the poll loop's good path. `likely` narrows the plausible
 * alternatives to those worth naming (e.g. within the channel's range); when none is, every plausible one is named.
 */
export function implausibleFloatReason(
  layout: RawLayout, words: ArrayLike<number>, offset: number, value: number, likely: (raw: number) => boolean = isPlausibleFloat,
): string {
  const declared = layout.order ?? 'ABCD'
  const others = WORD_ORDERS.filter((order) => order !== declared)
    .map((order) => ({ order, raw: decodeRegisters({ type: layout.type, order }, words, offset) as number }))
  const plausible = others.filter((o) => isPlausibleFloat(o.raw))
  const named = plausible.filter((o) => likely(o.raw))
  const head = `implausible float ${significant(value, 2)}`
  const list = (alternatives: typeof others) => alternatives.map((o) => `${o.order} decodes ${significant(o.raw, 6)}`).join(', ')
  if (plausible.length > 0) return `${head}: check the word order (${list(named.length > 0 ? named : plausible)})`
  return `${head}: no word order gives a plausible value (${list(others)}); check the address and the type`
}

export function decodeBit(bits: ArrayLike<boolean | number>, offset = 0): boolean {
  const bit = bits[offset]
  if (bit === undefined) throw new ModbusCodecError(`expected a bit at offset ${offset}`)
  return bit === true || bit === 1
}

/**
 * Encode a raw value into the registers of one point; the exact inverse of {@link decodeRegisters}.
 * For `bit`, `current` is the register the bit lives in (other bits are kept).
 */
export function encodeRegisters(layout: RawLayout, value: RawValue, current = 0): number[] {
  const order = layout.order ?? 'ABCD'
  switch (layout.type) {
    case 'bool':
      throw new ModbusCodecError('bool points live in bit tables; write a coil instead')
    case 'bit': {
      const mask = 1 << bitIndex(layout)
      if (typeof value !== 'boolean' && value !== 0 && value !== 1) throw new ModbusCodecError(`expected a boolean for a bit point, got ${JSON.stringify(value)}`)
      return [value === true || value === 1 ? (current | mask) & 0xffff : current & ~mask & 0xffff]
    }
    case 'string': {
      if (typeof value !== 'string') throw new ModbusCodecError(`expected text for a string point, got ${typeof value}`)
      const count = registerCount(layout)
      if (value.length > count * 2) throw new ModbusCodecError(`"${value}" is longer than ${count * 2} characters`)
      if (!/^[\x20-\x7e]*$/u.test(value)) throw new ModbusCodecError(`"${value}" is not printable ASCII`)
      const swap = order === 'BADC' || order === 'DCBA'
      const words: number[] = []
      for (let i = 0; i < count; i++) {
        const first = value.charCodeAt(i * 2) || 0
        const second = value.charCodeAt(i * 2 + 1) || 0
        words.push(swap ? (second << 8) | first : (first << 8) | second)
      }
      return words
    }
    default: {
      if (typeof value !== 'number') throw new ModbusCodecError(`expected a number for ${layout.type}, got ${typeof value}`)
      const count = registerCount(layout)
      const bytes = new Uint8Array(count * 2)
      const view = new DataView(bytes.buffer)
      if (layout.type !== 'float32' && layout.type !== 'float64') {
        const [min, max] = INTEGER_LIMITS[layout.type]
        if (!Number.isInteger(value) || value < min || value > max) {
          throw new ModbusCodecError(`${value} does not fit ${layout.type} (${min}..${max})`)
        }
      }
      // a finite value beyond the float32 range would silently become ±Infinity on the wire
      if (layout.type === 'float32' && Number.isFinite(value) && !Number.isFinite(Math.fround(value))) {
        throw new ModbusCodecError(`${value} does not fit float32 (magnitude above 3.4028234663852886e38)`)
      }
      switch (layout.type) {
        case 'uint16': view.setUint16(0, value); break
        case 'int16': view.setInt16(0, value); break
        case 'uint32': view.setUint32(0, value); break
        case 'int32': view.setInt32(0, value); break
        case 'float32': view.setFloat32(0, value); break
        case 'float64': view.setFloat64(0, value); break
      }
      return bytesToWords(reorder(bytes, order))
    }
  }
}
