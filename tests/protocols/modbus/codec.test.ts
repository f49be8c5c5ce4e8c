import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeBit,
  decodeRegisters,
  encodeRegisters,
  implausibleFloatReason,
  INTEGER_LIMITS,
  isPlausibleFloat,
  isIntegerType,
  isNumericType,
  registerCount,
} from '../../../protocols/modbus/codec.ts'
import { ModbusCodecError, ModbusError } from '../../../protocols/modbus/errors.ts'
import { DATA_TYPES, WORD_ORDERS, type DataType, type RawLayout, type WordOrder } from '../../../protocols/modbus/types.ts'

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

/** Assert `fn` throws a ModbusCodecError with the stable code MODBUS_CODEC. */
function expectCodecError(fn: () => unknown): ModbusCodecError {
  let caught: unknown
  try {
    fn()
  } catch (error) {
    caught = error
  }
  expect(caught, 'expected a ModbusCodecError to be thrown').toBeInstanceOf(ModbusCodecError)
  expect(caught).toBeInstanceOf(ModbusError)
  expect((caught as ModbusCodecError).code).toBe('MODBUS_CODEC')
  expect((caught as ModbusCodecError).name).toBe('ModbusCodecError')
  return caught as ModbusCodecError
}

const hex = (words: readonly number[]) => words.map((w) => `0x${w.toString(16).padStart(4, '0')}`).join(' ')

/**
 * Independent oracle for pymodbus BinaryPayloadBuilder: pack the value big-endian, split into
 * 16-bit words, reverse ALL words when wordorder=Little, then swap the two bytes of every word
 * when byteorder=Little.
 */
function pymodbusWords(bigEndianBytes: readonly number[], order: WordOrder): number[] {
  const wordLittle = order === 'CDAB' || order === 'DCBA'
  const byteLittle = order === 'BADC' || order === 'DCBA'
  let words: number[] = []
  for (let i = 0; i < bigEndianBytes.length; i += 2) words.push((bigEndianBytes[i]! << 8) | bigEndianBytes[i + 1]!)
  if (wordLittle) words = words.reverse()
  if (byteLittle) words = words.map((w) => ((w & 0xff) << 8) | (w >>> 8))
  return words
}

function float64Bytes(value: number): number[] {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, value)
  return [...new Uint8Array(view.buffer)]
}

function float32Bytes(value: number): number[] {
  const view = new DataView(new ArrayBuffer(4))
  view.setFloat32(0, value)
  return [...new Uint8Array(view.buffer)]
}

const float64FromBits = (hi: number, lo: number): number => {
  const view = new DataView(new ArrayBuffer(8))
  view.setUint32(0, hi)
  view.setUint32(4, lo)
  return view.getFloat64(0)
}

const float32FromBits = (bits: number): number => {
  const view = new DataView(new ArrayBuffer(4))
  view.setUint32(0, bits)
  return view.getFloat32(0)
}

const isNaNPattern32 = (words: readonly number[], order: WordOrder): boolean =>
  Number.isNaN(decodeRegisters({ type: 'float32', order }, words))
const isNaNPattern64 = (words: readonly number[], order: WordOrder): boolean =>
  Number.isNaN(decodeRegisters({ type: 'float64', order }, words))

const word = fc.integer({ min: 0, max: 0xffff })
const orderArb = fc.constantFrom(...WORD_ORDERS)

// ---------------------------------------------------------------------------------------------
// known vectors
// ---------------------------------------------------------------------------------------------

interface Vector {
  layout: RawLayout
  value: number | string | boolean
  words: number[]
  note?: string
}

const numericVectors: Vector[] = [
  // uint16 / int16: one register; CDAB is a no-op, BADC/DCBA swap the two bytes
  { layout: { type: 'uint16', order: 'ABCD' }, value: 0x1234, words: [0x1234] },
  { layout: { type: 'uint16', order: 'CDAB' }, value: 0x1234, words: [0x1234] },
  { layout: { type: 'uint16', order: 'BADC' }, value: 0x1234, words: [0x3412] },
  { layout: { type: 'uint16', order: 'DCBA' }, value: 0x1234, words: [0x3412] },
  { layout: { type: 'uint16' }, value: 0, words: [0x0000], note: 'default order is ABCD' },
  { layout: { type: 'uint16' }, value: 0xffff, words: [0xffff] },
  { layout: { type: 'int16', order: 'ABCD' }, value: -2, words: [0xfffe] },
  { layout: { type: 'int16', order: 'CDAB' }, value: -2, words: [0xfffe] },
  { layout: { type: 'int16', order: 'BADC' }, value: -2, words: [0xfeff] },
  { layout: { type: 'int16', order: 'DCBA' }, value: -2, words: [0xfeff] },
  { layout: { type: 'int16' }, value: -0x8000, words: [0x8000] },
  { layout: { type: 'int16' }, value: 0x7fff, words: [0x7fff] },
  { layout: { type: 'int16' }, value: -1, words: [0xffff] },
  { layout: { type: 'int16', order: 'BADC' }, value: 0x0102, words: [0x0201] },

  // uint32 0x12345678
  { layout: { type: 'uint32', order: 'ABCD' }, value: 0x12345678, words: [0x1234, 0x5678] },
  { layout: { type: 'uint32', order: 'CDAB' }, value: 0x12345678, words: [0x5678, 0x1234] },
  { layout: { type: 'uint32', order: 'BADC' }, value: 0x12345678, words: [0x3412, 0x7856] },
  { layout: { type: 'uint32', order: 'DCBA' }, value: 0x12345678, words: [0x7856, 0x3412] },
  { layout: { type: 'uint32' }, value: 0xffffffff, words: [0xffff, 0xffff] },
  { layout: { type: 'uint32' }, value: 0x10000, words: [0x0001, 0x0000] },
  { layout: { type: 'uint32', order: 'CDAB' }, value: 0x10000, words: [0x0000, 0x0001] },

  // int32 -2 = 0xFFFFFFFE
  { layout: { type: 'int32', order: 'ABCD' }, value: -2, words: [0xffff, 0xfffe] },
  { layout: { type: 'int32', order: 'CDAB' }, value: -2, words: [0xfffe, 0xffff] },
  { layout: { type: 'int32', order: 'BADC' }, value: -2, words: [0xffff, 0xfeff] },
  { layout: { type: 'int32', order: 'DCBA' }, value: -2, words: [0xfeff, 0xffff] },
  { layout: { type: 'int32' }, value: -0x80000000, words: [0x8000, 0x0000] },
  { layout: { type: 'int32' }, value: 0x7fffffff, words: [0x7fff, 0xffff] },
  { layout: { type: 'int32', order: 'ABCD' }, value: 0x12345678, words: [0x1234, 0x5678] },
  { layout: { type: 'int32', order: 'DCBA' }, value: -0x12345678, words: [0x88a9, 0xcbed], note: '-0x12345678 = 0xEDCBA988' },

  // float32 1.5 = 0x3FC00000
  { layout: { type: 'float32', order: 'ABCD' }, value: 1.5, words: [0x3fc0, 0x0000] },
  { layout: { type: 'float32', order: 'CDAB' }, value: 1.5, words: [0x0000, 0x3fc0] },
  { layout: { type: 'float32', order: 'BADC' }, value: 1.5, words: [0xc03f, 0x0000] },
  { layout: { type: 'float32', order: 'DCBA' }, value: 1.5, words: [0x0000, 0xc03f] },
  // float32 pi = 0x40490FDB: all four bytes distinct
  { layout: { type: 'float32', order: 'ABCD' }, value: Math.fround(Math.PI), words: [0x4049, 0x0fdb] },
  { layout: { type: 'float32', order: 'CDAB' }, value: Math.fround(Math.PI), words: [0x0fdb, 0x4049] },
  { layout: { type: 'float32', order: 'BADC' }, value: Math.fround(Math.PI), words: [0x4940, 0xdb0f] },
  { layout: { type: 'float32', order: 'DCBA' }, value: Math.fround(Math.PI), words: [0xdb0f, 0x4940] },
  { layout: { type: 'float32' }, value: -2.5, words: [0xc020, 0x0000] },
  { layout: { type: 'float32' }, value: -0, words: [0x8000, 0x0000] },
  { layout: { type: 'float32' }, value: Infinity, words: [0x7f80, 0x0000] },
  { layout: { type: 'float32' }, value: -Infinity, words: [0xff80, 0x0000] },
  { layout: { type: 'float32' }, value: 3.4028234663852886e38, words: [0x7f7f, 0xffff], note: 'largest finite float32' },
  { layout: { type: 'float32' }, value: 1.401298464324817e-45, words: [0x0000, 0x0001], note: 'smallest subnormal' },

  // float64 1.5 = 0x3FF8000000000000
  { layout: { type: 'float64', order: 'ABCD' }, value: 1.5, words: [0x3ff8, 0, 0, 0] },
  { layout: { type: 'float64', order: 'CDAB' }, value: 1.5, words: [0, 0, 0, 0x3ff8] },
  { layout: { type: 'float64', order: 'BADC' }, value: 1.5, words: [0xf83f, 0, 0, 0] },
  { layout: { type: 'float64', order: 'DCBA' }, value: 1.5, words: [0, 0, 0, 0xf83f] },
  // float64 pi = 0x400921FB54442D18
  { layout: { type: 'float64', order: 'ABCD' }, value: Math.PI, words: [0x4009, 0x21fb, 0x5444, 0x2d18] },
  { layout: { type: 'float64', order: 'CDAB' }, value: Math.PI, words: [0x2d18, 0x5444, 0x21fb, 0x4009], note: 'GHEFCDAB: all four words reversed' },
  { layout: { type: 'float64', order: 'BADC' }, value: Math.PI, words: [0x0940, 0xfb21, 0x4454, 0x182d] },
  { layout: { type: 'float64', order: 'DCBA' }, value: Math.PI, words: [0x182d, 0x4454, 0xfb21, 0x0940] },
  // float64 with eight distinct bytes 01 23 45 67 89 AB CD EF
  { layout: { type: 'float64', order: 'ABCD' }, value: float64FromBits(0x01234567, 0x89abcdef), words: [0x0123, 0x4567, 0x89ab, 0xcdef] },
  { layout: { type: 'float64', order: 'CDAB' }, value: float64FromBits(0x01234567, 0x89abcdef), words: [0xcdef, 0x89ab, 0x4567, 0x0123] },
  { layout: { type: 'float64', order: 'BADC' }, value: float64FromBits(0x01234567, 0x89abcdef), words: [0x2301, 0x6745, 0xab89, 0xefcd] },
  { layout: { type: 'float64', order: 'DCBA' }, value: float64FromBits(0x01234567, 0x89abcdef), words: [0xefcd, 0xab89, 0x6745, 0x2301] },
  { layout: { type: 'float64' }, value: -2.5, words: [0xc004, 0, 0, 0] },
  { layout: { type: 'float64' }, value: -0, words: [0x8000, 0, 0, 0] },
  { layout: { type: 'float64' }, value: Infinity, words: [0x7ff0, 0, 0, 0] },
  { layout: { type: 'float64' }, value: Number.MAX_VALUE, words: [0x7fef, 0xffff, 0xffff, 0xffff] },
  { layout: { type: 'float64' }, value: Number.MIN_VALUE, words: [0, 0, 0, 1] },
]

const stringVectors: Vector[] = [
  { layout: { type: 'string', length: 1 }, value: 'AB', words: [0x4142] },
  { layout: { type: 'string', length: 2, order: 'ABCD' }, value: 'ABCD', words: [0x4142, 0x4344] },
  { layout: { type: 'string', length: 2, order: 'CDAB' }, value: 'ABCD', words: [0x4142, 0x4344], note: 'CDAB does not reorder the registers of a string' },
  { layout: { type: 'string', length: 2, order: 'BADC' }, value: 'ABCD', words: [0x4241, 0x4443] },
  { layout: { type: 'string', length: 2, order: 'DCBA' }, value: 'ABCD', words: [0x4241, 0x4443] },
  { layout: { type: 'string', length: 2 }, value: 'ABC', words: [0x4142, 0x4300], note: 'odd length: NUL padded low byte' },
  { layout: { type: 'string', length: 2, order: 'BADC' }, value: 'ABC', words: [0x4241, 0x0043], note: 'odd length, swapped' },
  { layout: { type: 'string', length: 4 }, value: 'A', words: [0x4100, 0, 0, 0], note: 'NUL padding to the full length' },
  { layout: { type: 'string', length: 3 }, value: '', words: [0, 0, 0] },
  { layout: { type: 'string' }, value: 'Z', words: [0x5a00], note: 'length defaults to one register' },
  { layout: { type: 'string', length: 3 }, value: 'GJC-4', words: [0x474a, 0x432d, 0x3400] },
  { layout: { type: 'string', length: 3, order: 'DCBA' }, value: 'GJC-4', words: [0x4a47, 0x2d43, 0x0034] },
  { layout: { type: 'string', length: 2 }, value: ' A B', words: [0x2041, 0x2042], note: 'leading and inner spaces are kept' },
  { layout: { type: 'string', length: 2 }, value: '~!', words: [0x7e21, 0x0000], note: 'printable ASCII boundaries' },
]

describe('registerCount and type predicates', () => {
  it.each<[RawLayout, number]>([
    [{ type: 'bool' }, 1],
    [{ type: 'bit', bit: 15 }, 1],
    [{ type: 'uint16' }, 1],
    [{ type: 'int16' }, 1],
    [{ type: 'uint32' }, 2],
    [{ type: 'int32' }, 2],
    [{ type: 'float32' }, 2],
    [{ type: 'float64' }, 4],
    [{ type: 'string' }, 1],
    [{ type: 'string', length: 10 }, 10],
  ])('%o occupies %i', (layout, count) => {
    expect(registerCount(layout)).toBe(count)
  })

  it('classifies every data type', () => {
    const numeric = DATA_TYPES.filter(isNumericType)
    const integer = DATA_TYPES.filter(isIntegerType)
    expect(numeric).toEqual(['uint16', 'int16', 'uint32', 'int32', 'float32', 'float64'])
    expect(integer).toEqual(['uint16', 'int16', 'uint32', 'int32'])
  })

  it('integer limits are the two-complement ranges', () => {
    expect(INTEGER_LIMITS).toEqual({
      uint16: [0, 65535],
      int16: [-32768, 32767],
      uint32: [0, 4294967295],
      int32: [-2147483648, 2147483647],
    })
  })
})

describe('known numeric vectors', () => {
  it.each(numericVectors.map((v) => [`${v.layout.type} ${v.layout.order ?? '(default)'} ${String(v.value)} ⇄ ${hex(v.words)}${v.note ? ` (${v.note})` : ''}`, v] as const))(
    '%s',
    (_name, { layout, value, words }) => {
      expect(encodeRegisters(layout, value)).toEqual(words)
      // toBe uses Object.is: -0 stays -0
      expect(decodeRegisters(layout, words)).toBe(value)
    },
  )

  it('every order of every multi-register type matches the pymodbus BinaryPayloadBuilder oracle', () => {
    const samples: [DataType, number, number[]][] = [
      ['float32', 1.5, float32Bytes(1.5)],
      ['float32', Math.fround(-123.456), float32Bytes(-123.456)],
      ['float64', Math.PI, float64Bytes(Math.PI)],
      ['float64', -1e-300, float64Bytes(-1e-300)],
      ['float64', float64FromBits(0x01234567, 0x89abcdef), [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]],
      ['uint32', 0x12345678, [0x12, 0x34, 0x56, 0x78]],
      ['int32', -2, [0xff, 0xff, 0xff, 0xfe]],
      ['uint16', 0xabcd, [0xab, 0xcd]],
      ['int16', -300, [0xfe, 0xd4]],
    ]
    for (const [type, value, bytes] of samples) {
      for (const order of WORD_ORDERS) {
        const expected = pymodbusWords(bytes, order)
        expect(encodeRegisters({ type, order }, value), `${type} ${order} ${value}`).toEqual(expected)
        expect(decodeRegisters({ type, order }, expected), `${type} ${order} ${value}`).toBe(value)
      }
    }
  })

  it('decodes NaN patterns as NaN in every order', () => {
    for (const order of WORD_ORDERS) {
      const nan32 = encodeRegisters({ type: 'float32', order }, Number.NaN)
      const nan64 = encodeRegisters({ type: 'float64', order }, Number.NaN)
      expect(nan32).toHaveLength(2)
      expect(nan64).toHaveLength(4)
      expect(decodeRegisters({ type: 'float32', order }, nan32)).toBeNaN()
      expect(decodeRegisters({ type: 'float64', order }, nan64)).toBeNaN()
    }
    // a signalling/other NaN payload also decodes as NaN
    expect(decodeRegisters({ type: 'float32' }, [0x7f80, 0x0001])).toBeNaN()
    expect(decodeRegisters({ type: 'float32' }, [0xffff, 0xffff])).toBeNaN()
    expect(decodeRegisters({ type: 'float64' }, [0x7ff0, 0, 0, 1])).toBeNaN()
  })

  it('rounds float32 values to the nearest representable float32', () => {
    const words = encodeRegisters({ type: 'float32' }, 0.1)
    expect(words).toEqual([0x3dcc, 0xcccd])
    expect(decodeRegisters({ type: 'float32' }, words)).toBe(Math.fround(0.1))
  })

  it('decodes from an offset inside a longer block', () => {
    const block = [0xdead, 0x1234, 0x5678, 0xbeef, 0x3ff8, 0, 0, 0, 0x4142, 0x4300]
    expect(decodeRegisters({ type: 'uint16' }, block, 0)).toBe(0xdead)
    expect(decodeRegisters({ type: 'uint32' }, block, 1)).toBe(0x12345678)
    expect(decodeRegisters({ type: 'uint32', order: 'CDAB' }, block, 1)).toBe(0x56781234)
    expect(decodeRegisters({ type: 'int16' }, block, 3)).toBe(0xbeef - 0x10000)
    expect(decodeRegisters({ type: 'float64' }, block, 4)).toBe(1.5)
    expect(decodeRegisters({ type: 'string', length: 2 }, block, 8)).toBe('ABC')
    expect(decodeRegisters({ type: 'bit', bit: 15 }, block, 3)).toBe(true)
  })

  it('accepts typed arrays', () => {
    expect(decodeRegisters({ type: 'uint32', order: 'BADC' }, Uint16Array.of(0x3412, 0x7856))).toBe(0x12345678)
    expect(decodeRegisters({ type: 'float32' }, new Uint16Array([0x3fc0, 0]))).toBe(1.5)
  })

  it('rejects too few registers with a codec error', () => {
    const cases: [RawLayout, number[], number][] = [
      [{ type: 'uint16' }, [], 0],
      [{ type: 'uint32' }, [0x1234], 0],
      [{ type: 'int32' }, [0x1234, 0x5678], 1],
      [{ type: 'float32', order: 'CDAB' }, [0], 0],
      [{ type: 'float64' }, [0, 0, 0], 0],
      [{ type: 'float64', order: 'DCBA' }, [0, 0, 0, 0], 1],
      [{ type: 'string', length: 3 }, [0x4142, 0x4344], 0],
      [{ type: 'bit', bit: 0 }, [1], 1],
    ]
    for (const [layout, words, offset] of cases) expectCodecError(() => decodeRegisters(layout, words, offset))
  })
})

describe('strings', () => {
  it.each(stringVectors.map((v) => [`${JSON.stringify(v.value)} in ${v.layout.length ?? 1} register(s) ${v.layout.order ?? ''} ⇄ ${hex(v.words)}${v.note ? ` (${v.note})` : ''}`, v] as const))(
    '%s',
    (_name, { layout, value, words }) => {
      expect(encodeRegisters(layout, value)).toEqual(words)
      expect(decodeRegisters(layout, words)).toBe(value)
    },
  )

  it.each<[string, RawLayout, number[], string]>([
    ['trailing space padding', { type: 'string', length: 3 }, [0x4142, 0x2020, 0x2020], 'AB'],
    ['mixed NUL and space padding', { type: 'string', length: 3 }, [0x4142, 0x4320, 0x0000], 'ABC'],
    ['space padding, swapped', { type: 'string', length: 2, order: 'BADC' }, [0x4241, 0x2043], 'ABC'],
    ['all spaces', { type: 'string', length: 2 }, [0x2020, 0x2020], ''],
    ['all NULs', { type: 'string', length: 2 }, [0, 0], ''],
  ])('decode strips %s', (_name, layout, words, text) => {
    expect(decodeRegisters(layout, words)).toBe(text)
  })

  it('rejects text longer than the registers hold', () => {
    const error = expectCodecError(() => encodeRegisters({ type: 'string', length: 2 }, 'ABCDE'))
    expect(error.message).toContain('4')
    expectCodecError(() => encodeRegisters({ type: 'string' }, 'ABC'))
  })

  it.each(['é', 'Ä', 'A\u00a0B', '温度', 'tab\there', 'nul\0', 'line\n', '\x7f', '😀'])('rejects non-printable-ASCII text %j', (text) => {
    expectCodecError(() => encodeRegisters({ type: 'string', length: 8 }, text))
  })

  it('rejects non-text values', () => {
    expectCodecError(() => encodeRegisters({ type: 'string', length: 2 }, 42))
    expectCodecError(() => encodeRegisters({ type: 'string', length: 2 }, true))
  })
})

describe('bit in a register', () => {
  it.each<[number, number, boolean]>([
    [0, 0x0001, true],
    [0, 0xfffe, false],
    [0, 0x0000, false],
    [15, 0x8000, true],
    [15, 0x7fff, false],
    [15, 0xffff, true],
    [7, 0x0080, true],
    [8, 0x0100, true],
    [8, 0x00ff, false],
  ])('bit %i of 0x%s', (bit, register, expected) => {
    expect(decodeRegisters({ type: 'bit', bit }, [register])).toBe(expected)
  })

  it('defaults to bit 0', () => {
    expect(decodeRegisters({ type: 'bit' }, [1])).toBe(true)
    expect(encodeRegisters({ type: 'bit' }, true, 0)).toEqual([1])
  })

  it.each<[number, boolean | number, number, number]>([
    [0, true, 0x0000, 0x0001],
    [0, false, 0xffff, 0xfffe],
    [0, 1, 0x1230, 0x1231],
    [0, 0, 0x1231, 0x1230],
    [15, true, 0x0000, 0x8000],
    [15, true, 0x1234, 0x9234],
    [15, false, 0xffff, 0x7fff],
    [15, false, 0x8001, 0x0001],
    [3, true, 0x0008, 0x0008],
    [3, false, 0x0007, 0x0007],
  ])('encode bit %i := %s in 0x%s keeps the other bits', (bit, value, current, expected) => {
    const words = encodeRegisters({ type: 'bit', bit }, value, current)
    expect(words).toEqual([expected])
  })

  it.each([16, 31, -1, 1.5, Number.NaN])('rejects bit index %d instead of reading 0 or writing nothing', (bit) => {
    expectCodecError(() => decodeRegisters({ type: 'bit', bit }, [0xffff]))
    expectCodecError(() => encodeRegisters({ type: 'bit', bit }, true, 0))
  })

  it.each<[string, unknown]>([
    ['2', 2],
    ['"1"', '1'],
    ['"true"', 'true'],
    ['-1', -1],
  ])('rejects %s as a bit value instead of silently clearing the bit', (_name, value) => {
    expectCodecError(() => encodeRegisters({ type: 'bit', bit: 3 }, value as number, 0x0008))
  })

  it('current defaults to 0', () => {
    expect(encodeRegisters({ type: 'bit', bit: 15 }, true)).toEqual([0x8000])
    expect(encodeRegisters({ type: 'bit', bit: 15 }, false)).toEqual([0])
  })
})

describe('bool (coils and discrete inputs)', () => {
  it('decodeBit reads booleans and 0/1 at an offset', () => {
    expect(decodeBit([true])).toBe(true)
    expect(decodeBit([false])).toBe(false)
    expect(decodeBit([1])).toBe(true)
    expect(decodeBit([0])).toBe(false)
    expect(decodeBit([false, true, false], 1)).toBe(true)
    expect(decodeBit([true, true, false], 2)).toBe(false)
    expect(decodeBit(Uint8Array.of(0, 0, 1), 2)).toBe(true)
  })

  it('decodeBit rejects a missing bit', () => {
    expectCodecError(() => decodeBit([]))
    expectCodecError(() => decodeBit([true], 1))
  })

  it('bool is not a register type', () => {
    expectCodecError(() => decodeRegisters({ type: 'bool' }, [1]))
    expectCodecError(() => encodeRegisters({ type: 'bool' }, true))
  })
})

describe('encode rejects values that do not fit', () => {
  const integerTypes = ['uint16', 'int16', 'uint32', 'int32'] as const

  it.each<[DataType, number]>([
    ['uint16', -1],
    ['uint16', 0x10000],
    ['uint16', 1.5],
    ['uint16', Number.NaN],
    ['uint16', Infinity],
    ['int16', -0x8001],
    ['int16', 0x8000],
    ['int16', -0.5],
    ['uint32', -1],
    ['uint32', 0x100000000],
    ['uint32', 2 ** 53],
    ['int32', -0x80000001],
    ['int32', 0x80000000],
    ['int32', 0.1],
    ['int32', -Infinity],
  ])('%s %d', (type, value) => {
    for (const order of WORD_ORDERS) expectCodecError(() => encodeRegisters({ type, order }, value))
  })

  it('property: every out-of-range or non-integer value is rejected for every integer type and order', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...integerTypes),
        orderArb,
        fc.oneof(fc.double({ noNaN: false }), fc.integer({ min: -(2 ** 40), max: 2 ** 40 })),
        (type, order, value) => {
          const [min, max] = INTEGER_LIMITS[type]
          fc.pre(!(Number.isInteger(value) && value >= min && value <= max))
          expectCodecError(() => encodeRegisters({ type, order }, value))
        },
      ),
    )
  })

  it('property: every string with a non-printable-ASCII character is rejected', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme-ascii', maxLength: 6 }),
        fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0xffff })),
        fc.string({ unit: 'grapheme-ascii', maxLength: 6 }),
        orderArb,
        (before, code, after, order) => {
          const text = before + String.fromCharCode(code) + after
          expectCodecError(() => encodeRegisters({ type: 'string', length: 8, order }, text))
        },
      ),
    )
  })

  it('rejects finite values too large for float32 instead of writing Infinity', () => {
    for (const order of WORD_ORDERS) {
      expectCodecError(() => encodeRegisters({ type: 'float32', order }, 1e39))
      expectCodecError(() => encodeRegisters({ type: 'float32', order }, -3.5e38))
      expectCodecError(() => encodeRegisters({ type: 'float32', order }, Number.MAX_VALUE))
    }
    // the largest finite float32 and values that round down to it are fine
    expect(decodeRegisters({ type: 'float32' }, encodeRegisters({ type: 'float32' }, 3.4028234e38))).toBe(3.4028234663852886e38)
    // explicit infinities are legitimate raw values
    expect(encodeRegisters({ type: 'float32' }, -Infinity)).toEqual([0xff80, 0])
  })

  it.each<[DataType, unknown]>([
    ['uint16', '1'],
    ['int32', true],
    ['float32', '1.5'],
    ['float64', false],
  ])('%s rejects a %j of the wrong kind', (type, value) => {
    expectCodecError(() => encodeRegisters({ type }, value as string))
  })
})

// ---------------------------------------------------------------------------------------------
// property tests: encode and decode are exact inverses over the full raw domain
// ---------------------------------------------------------------------------------------------

describe('properties: encode and decode are exact inverses', () => {
  const integerDomains = [
    ['uint16', fc.integer({ min: 0, max: 0xffff }), 1],
    ['int16', fc.integer({ min: -0x8000, max: 0x7fff }), 1],
    ['uint32', fc.integer({ min: 0, max: 0xffffffff }), 2],
    ['int32', fc.integer({ min: -0x80000000, max: 0x7fffffff }), 2],
  ] as const

  for (const [type, values, count] of integerDomains) {
    describe(type, () => {
      it('decode(encode(v)) === v for every value and order', () => {
        fc.assert(
          fc.property(values, orderArb, (value, order) => {
            const words = encodeRegisters({ type, order }, value)
            expect(words).toHaveLength(count)
            for (const w of words) expect(Number.isInteger(w) && w >= 0 && w <= 0xffff).toBe(true)
            expect(decodeRegisters({ type, order }, words)).toBe(value)
          }),
          { numRuns: 500 },
        )
      })

      it('encode(decode(words)) === words for every register pattern and order', () => {
        fc.assert(
          fc.property(fc.array(word, { minLength: count, maxLength: count }), orderArb, (words, order) => {
            const value = decodeRegisters({ type, order }, words)
            expect(typeof value).toBe('number')
            expect(encodeRegisters({ type, order }, value)).toEqual(words)
          }),
          { numRuns: 500 },
        )
      })

      it('the boundaries round-trip in every order', () => {
        const [min, max] = INTEGER_LIMITS[type]
        for (const order of WORD_ORDERS) {
          for (const value of [min, max, 0, min + 1, max - 1]) {
            expect(decodeRegisters({ type, order }, encodeRegisters({ type, order }, value))).toBe(value)
          }
        }
      })
    })
  }

  it('word orders are genuinely different permutations for 32-bit values', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (value) => {
        const abcd = encodeRegisters({ type: 'uint32', order: 'ABCD' }, value)
        const swapBytes = (w: number) => ((w & 0xff) << 8) | (w >>> 8)
        expect(encodeRegisters({ type: 'uint32', order: 'CDAB' }, value)).toEqual([abcd[1], abcd[0]])
        expect(encodeRegisters({ type: 'uint32', order: 'BADC' }, value)).toEqual(abcd.map(swapBytes))
        expect(encodeRegisters({ type: 'uint32', order: 'DCBA' }, value)).toEqual([abcd[1]!, abcd[0]!].map(swapBytes))
      }),
    )
  })

  describe('float32', () => {
    it('decode(encode(v)) is v for every float32 value (bit-exact, incl. -0 and ±Infinity)', () => {
      fc.assert(
        fc.property(fc.float({ noNaN: true }), orderArb, (value, order) => {
          const words = encodeRegisters({ type: 'float32', order }, value)
          expect(decodeRegisters({ type: 'float32', order }, words)).toBe(value)
        }),
        { numRuns: 1000 },
      )
    })

    it('decode(encode(v)) is v for every 32-bit pattern that is not NaN', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 0xffffffff }), orderArb, (bits, order) => {
          const value = float32FromBits(bits)
          fc.pre(!Number.isNaN(value))
          const words = encodeRegisters({ type: 'float32', order }, value)
          expect(words).toEqual(pymodbusWords([bits >>> 24, (bits >>> 16) & 0xff, (bits >>> 8) & 0xff, bits & 0xff], order))
          expect(decodeRegisters({ type: 'float32', order }, words)).toBe(value)
        }),
        { numRuns: 1000 },
      )
    })

    it('encode(decode(words)) === words for every non-NaN register pattern', () => {
      fc.assert(
        fc.property(fc.tuple(word, word), orderArb, (words, order) => {
          fc.pre(!isNaNPattern32(words, order))
          const value = decodeRegisters({ type: 'float32', order }, words)
          expect(encodeRegisters({ type: 'float32', order }, value)).toEqual(words)
        }),
        { numRuns: 1000 },
      )
    })
  })

  describe('float64', () => {
    it('decode(encode(v)) is v for every double (bit-exact, incl. -0, subnormals, ±Infinity)', () => {
      fc.assert(
        fc.property(fc.double({ noNaN: true }), orderArb, (value, order) => {
          const words = encodeRegisters({ type: 'float64', order }, value)
          expect(words).toEqual(pymodbusWords(float64Bytes(value), order))
          expect(decodeRegisters({ type: 'float64', order }, words)).toBe(value)
        }),
        { numRuns: 1000 },
      )
    })

    it('encode(decode(words)) === words for every non-NaN register pattern', () => {
      fc.assert(
        fc.property(fc.tuple(word, word, word, word), orderArb, (words, order) => {
          fc.pre(!isNaNPattern64(words, order))
          const value = decodeRegisters({ type: 'float64', order }, words)
          expect(encodeRegisters({ type: 'float64', order }, value)).toEqual(words)
        }),
        { numRuns: 1000 },
      )
    })
  })

  describe('string', () => {
    /** Printable ASCII without trailing spaces (trailing spaces are padding and are not kept). */
    const textArb = (maxLength: number) =>
      fc
        .string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength })
        .map((s) => s.replace(/ +$/u, ''))

    it('decode(encode(text)) === text', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 16 }).chain((length) => fc.tuple(fc.constant(length), textArb(length * 2))), orderArb, ([length, text], order) => {
          const words = encodeRegisters({ type: 'string', length, order }, text)
          expect(words).toHaveLength(length)
          expect(decodeRegisters({ type: 'string', length, order }, words)).toBe(text)
        }),
        { numRuns: 500 },
      )
    })

    it('encode(decode(words)) === words for printable text followed by NUL padding', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 16 }).chain((length) => fc.tuple(fc.constant(length), textArb(length * 2))), orderArb, ([length, text], order) => {
          // build the register image independently of encodeRegisters
          const bytes = Array.from({ length: length * 2 }, (_, i) => (i < text.length ? text.charCodeAt(i) : 0))
          const swap = order === 'BADC' || order === 'DCBA'
          const words = Array.from({ length }, (_, i) => (swap ? (bytes[i * 2 + 1]! << 8) | bytes[i * 2]! : (bytes[i * 2]! << 8) | bytes[i * 2 + 1]!))
          const decoded = decodeRegisters({ type: 'string', length, order }, words)
          expect(decoded).toBe(text)
          expect(encodeRegisters({ type: 'string', length, order }, decoded)).toEqual(words)
        }),
        { numRuns: 500 },
      )
    })
  })

  describe('bit', () => {
    it('encode(decode(register), register) === register for every register and bit', () => {
      fc.assert(
        fc.property(word, fc.integer({ min: 0, max: 15 }), (register, bit) => {
          const value = decodeRegisters({ type: 'bit', bit }, [register])
          expect(value).toBe(((register >> bit) & 1) === 1)
          expect(encodeRegisters({ type: 'bit', bit }, value, register)).toEqual([register])
        }),
        { numRuns: 500 },
      )
    })

    it('decode(encode(b, register)) === b and the other 15 bits are untouched', () => {
      fc.assert(
        fc.property(word, fc.integer({ min: 0, max: 15 }), fc.boolean(), (register, bit, value) => {
          const [written] = encodeRegisters({ type: 'bit', bit }, value, register)
          expect(written).toBeGreaterThanOrEqual(0)
          expect(written).toBeLessThanOrEqual(0xffff)
          expect(decodeRegisters({ type: 'bit', bit }, [written!])).toBe(value)
          const mask = 1 << bit
          expect(written! & ~mask & 0xffff).toBe(register & ~mask & 0xffff)
        }),
        { numRuns: 500 },
      )
    })
  })
})

describe('16-bit registers without the scratch view', () => {
  /** What the DataView path makes of any number a reply array may hold: ToUint16, bytes swapped for BADC/DCBA. */
  function reference(type: 'uint16' | 'int16', order: WordOrder, word: number): number {
    const view = new DataView(new ArrayBuffer(2))
    const swap = order === 'BADC' || order === 'DCBA'
    view.setUint16(0, swap ? ((word & 0xff) << 8) | ((word >>> 8) & 0xff) : word & 0xffff)
    return type === 'uint16' ? view.getUint16(0) : view.getInt16(0)
  }

  it('property: uint16 and int16 decode any number as ToUint16 of it would, in every order, at any offset', () => {
    const word = fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: -0x2_0000, max: 0x2_0000 }), fc.double({ noNaN: false }))
    fc.assert(fc.property(fc.constantFrom('uint16' as const, 'int16' as const), fc.constantFrom(...WORD_ORDERS), word, fc.integer({ min: 0, max: 3 }), (type, order, w, offset) => {
      const words = [...new Array<number>(offset).fill(7), w]
      expect(decodeRegisters({ type, order }, words, offset)).toBe(reference(type, order, w))
    }), { numRuns: 2000 })
  })

  it('a missing register is the same codec error as for wider types', () => {
    const error = expectCodecError(() => decodeRegisters({ type: 'int16' }, [1, 2], 2))
    expect(error.message).toContain('expected 1 registers from offset 2, got 0')
  })
})

describe('implausible floats: what a wrong word order decodes to', () => {
  const float32 = (order: WordOrder): RawLayout => ({ type: 'float32', order })

  it('a float32 methane reading of 0.42 sent CDAB and read ABCD is 9.1e-33: implausible, and CDAB is named with its value', () => {
    const words = encodeRegisters(float32('CDAB'), 0.42)
    const read = decodeRegisters(float32('ABCD'), words) as number
    expect(read).toBeCloseTo(9.111838e-33, 38)
    expect(isPlausibleFloat(read)).toBe(false)
    expect(implausibleFloatReason(float32('ABCD'), words, 0, read))
      .toBe('implausible float 9.1e-33: check the word order (CDAB decodes 0.42, BADC decodes 0.0338967, DCBA decodes -209169000000000)')
    // a narrower `likely` (the channel's range, say) names only what fits it
    expect(implausibleFloatReason(float32('ABCD'), words, 0, read, (raw) => raw >= 0 && raw <= 100))
      .toBe('implausible float 9.1e-33: check the word order (CDAB decodes 0.42, BADC decodes 0.0338967)')
    // and names every plausible one when nothing fits it
    expect(implausibleFloatReason(float32('ABCD'), words, 0, read, () => false))
      .toBe('implausible float 9.1e-33: check the word order (CDAB decodes 0.42, BADC decodes 0.0338967, DCBA decodes -209169000000000)')
  })

  it('a set point of 1 sent CDAB reads 2.3e-41 (a subnormal) in ABCD; only CDAB gives a plausible value', () => {
    const words = encodeRegisters(float32('CDAB'), 1)
    const read = decodeRegisters(float32('ABCD'), words) as number
    expect(isPlausibleFloat(read)).toBe(false)
    expect(implausibleFloatReason(float32('ABCD'), words, 0, read)).toBe('implausible float 2.3e-41: check the word order (CDAB decodes 1)')
  })

  it('says so when no order gives a plausible value, and reads from an offset', () => {
    const words = [0xffff, 0x0000, 0x0001]
    const read = decodeRegisters(float32('ABCD'), words, 1) as number
    expect(isPlausibleFloat(read)).toBe(false)
    expect(implausibleFloatReason(float32('ABCD'), words, 1, read)).toMatch(/^implausible float 1\.4e-45: no word order gives a plausible value \(CDAB decodes 9\.18355e-41, BADC decodes [^,]+, DCBA decodes [^)]+\); check the address and the type$/u)
  })

  it('draws the line at 1e-20 and 1e20, exactly zero (either sign) being plausible and NaN or infinity not', () => {
    for (const value of [0, -0, 1e-20, -1e-20, 1e20, -1e20, 1, -273.15, 0.001]) expect(isPlausibleFloat(value), String(value)).toBe(true)
    for (const value of [9.9e-21, -9.9e-21, 1.01e20, 5e-324, 1.4e-45, 3.4e38, Number.NaN, Infinity, -Infinity]) expect(isPlausibleFloat(value), String(value)).toBe(false)
  })

  /** Any float of the type whose magnitude is plausible (or that is exactly zero). */
  const plausibleOf = (type: 'float32' | 'float64') =>
    (type === 'float32' ? fc.float({ noNaN: true, noDefaultInfinity: true }) : fc.double({ noNaN: true, noDefaultInfinity: true })).filter(isPlausibleFloat)

  it('property: a plausible float (or zero) read in the order it was sent stays plausible, float32 and float64', () => {
    fc.assert(fc.property(fc.constantFrom('float32' as const, 'float64' as const).chain((type) => fc.tuple(fc.constant(type), plausibleOf(type))), fc.constantFrom(...WORD_ORDERS),
      ([type, value], order) => {
        const read = decodeRegisters({ type, order }, encodeRegisters({ type, order }, value)) as number
        expect(isPlausibleFloat(read)).toBe(true)
      }), { numRuns: 2000 })
  })

  it('property: a plausible float sent in one order and read in another as an implausible value names the order it was sent in, with its value', () => {
    let implausible = 0
    fc.assert(fc.property(fc.constantFrom('float32' as const, 'float64' as const).chain((type) => fc.tuple(fc.constant(type), plausibleOf(type))), fc.constantFrom(...WORD_ORDERS), fc.constantFrom(...WORD_ORDERS),
      ([type, value], sent, declared) => {
        fc.pre(sent !== declared)
        const words = encodeRegisters({ type, order: sent }, value)
        const read = decodeRegisters({ type, order: declared }, words) as number
        if (!Number.isFinite(read) || isPlausibleFloat(read)) return
        implausible++
        const reason = implausibleFloatReason({ type, order: declared }, words, 0, read)
        expect(reason).toMatch(/^implausible float \S+: check the word order \(/u)
        const named = new RegExp(`${sent} decodes ([^,)]+)`, 'u').exec(reason)
        expect(named, reason).not.toBeNull()
        const sentValue = type === 'float32' ? Math.fround(value) : value
        expect(Number(named![1])).toBe(Number(sentValue.toPrecision(6)))
        expect(reason).not.toContain(`${declared} decodes`)
      }), { numRuns: 3000 })
    expect(implausible).toBeGreaterThan(300)
  })
})
