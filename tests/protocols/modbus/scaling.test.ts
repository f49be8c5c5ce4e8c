import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { INTEGER_LIMITS } from '../../../protocols/modbus/codec.ts'
import { ModbusCodecError } from '../../../protocols/modbus/errors.ts'
import { checkDecimals, MAX_DECIMALS, toEngineering, toRaw, type Scaling } from '../../../protocols/modbus/scaling.ts'
import type { DataType } from '../../../protocols/modbus/types.ts'

function expectCodecError(fn: () => unknown): ModbusCodecError {
  let caught: unknown
  try {
    fn()
  } catch (error) {
    caught = error
  }
  expect(caught, 'expected a ModbusCodecError to be thrown').toBeInstanceOf(ModbusCodecError)
  expect((caught as ModbusCodecError).code).toBe('MODBUS_CODEC')
  return caught as ModbusCodecError
}

type IntegerType = keyof typeof INTEGER_LIMITS
const INTEGER_TYPES: readonly IntegerType[] = ['uint16', 'int16', 'uint32', 'int32']

/** Exact decimal text of n / 10^places for a BigInt n. */
function decimalText(n: bigint, places: number): string {
  if (places <= 0) return (n * 10n ** BigInt(-places)).toString()
  const negative = n < 0n
  const digits = (negative ? -n : n).toString().padStart(places + 1, '0')
  return `${negative ? '-' : ''}${digits.slice(0, -places)}.${digits.slice(-places)}`
}

describe('toEngineering: known values', () => {
  it.each<[string, number, Scaling, number, number]>([
    ['raw 209 × 0.1', 209, { scale: 0.1 }, 0, 20.9],
    ['raw 123 × 0.1', 123, { scale: 0.1 }, 0, 12.3],
    ['raw 123 with 2 decimals from an exponent register', 123, {}, 2, 1.23],
    ['raw 1 with 3 decimals', 1, {}, 3, 0.001],
    ['raw 12345 with 9 decimals (the limit)', 12345, {}, 9, 0.000012345],
    ['raw 5 with exponent −2 (×100)', 5, {}, -2, 500],
    ['raw 1 with exponent −9 (the limit)', 1, {}, -9, 1e9],
    ['raw 209 × 0.1 with 1 decimal', 209, { scale: 0.1 }, 1, 2.09],
    ['raw 65535 × 0.01', 65535, { scale: 0.01 }, 0, 655.35],
    ['raw −2 × 0.5', -2, { scale: 0.5 }, 0, -1],
    ['raw 4294967295 × 0.1', 4294967295, { scale: 0.1 }, 0, 429496729.5],
    ['raw −2147483648 with 3 decimals', -2147483648, {}, 3, -2147483.648],
    ['offset only', 10, { offset: 5 }, 0, 15],
    // temperature transmitter: raw 0.1 °C steps from −40 °C
    ['−40 °C at raw 0', 0, { scale: 0.1, offset: -40 }, 0, -40],
    ['25 °C at raw 650', 650, { scale: 0.1, offset: -40 }, 0, 25],
    ['0 °C at raw 400', 400, { scale: 0.1, offset: -40 }, 0, 0],
    ['−0.1 °C at raw 399', 399, { scale: 0.1, offset: -40 }, 0, -0.1],
    ['0.1 °C at raw 401', 401, { scale: 0.1, offset: -40 }, 0, 0.1],
    ['−1.6 °C at raw 384', 384, { scale: 0.1, offset: -40 }, 0, -1.6],
    ['−39.9 °C at raw 1', 1, { scale: 0.1, offset: -40 }, 0, -39.9],
    ['85 °C at raw 1250', 1250, { scale: 0.1, offset: -40 }, 0, 85],
    ['offset −40 with 1 decimal from an exponent register', 399, { offset: -40 }, 1, -0.1],
    ['kelvin to °C', 2731, { scale: 0.1, offset: -273.15 }, 0, -0.05],
    ['°C to °F', 100, { scale: 1.8, offset: 32 }, 0, 212],
    ['°C to °F at −40', -40, { scale: 1.8, offset: 32 }, 0, -40],
    ['negative scale', 10, { scale: -0.1 }, 0, -1],
  ])('%s', (_name, raw, scaling, decimals, expected) => {
    expect(toEngineering(raw, scaling, decimals)).toBe(expected)
  })

  it('identity scaling returns the raw value untouched (float64 precision kept)', () => {
    expect(toEngineering(0.1 + 0.2, {})).toBe(0.30000000000000004)
    expect(toEngineering(123456789.12345679, { scale: 1, offset: 0 }, 0)).toBe(123456789.12345679)
    expect(toEngineering(-0, {})).toBe(-0)
  })

  it('passes NaN and infinities through', () => {
    expect(toEngineering(Number.NaN, { scale: 0.1 })).toBeNaN()
    expect(toEngineering(Infinity, { scale: 0.1, offset: -40 })).toBe(Infinity)
    expect(toEngineering(-Infinity, { scale: 2 })).toBe(-Infinity)
  })

  it('a −40 °C offset transmitter reads clean one-decimal values over its whole range', () => {
    for (let raw = 0; raw <= 1650; raw++) {
      const value = toEngineering(raw, { scale: 0.1, offset: -40 })
      expect(value, `raw ${raw}`).toBe(Number(decimalText(BigInt(raw) - 400n, 1)))
    }
  })
})

describe('toRaw: known values', () => {
  it.each<[string, number, Scaling, DataType, number, number]>([
    ['20.9 at 0.1 steps', 20.9, { scale: 0.1 }, 'uint16', 0, 209],
    ['1.23 with 2 decimals', 1.23, {}, 'int16', 2, 123],
    ['25 °C with offset −40', 25, { scale: 0.1, offset: -40 }, 'int16', 0, 650],
    ['−40 °C with offset −40', -40, { scale: 0.1, offset: -40 }, 'uint16', 0, 0],
    ['−0.1 °C with offset −40', -0.1, { scale: 0.1, offset: -40 }, 'uint16', 0, 399],
    ['500 with exponent −2', 500, {}, 'uint16', -2, 5],
    ['1e9 with exponent −9', 1e9, {}, 'uint16', -9, 1],
    ['0.000012345 with 9 decimals', 0.000012345, {}, 'uint32', 9, 12345],
    ['655.35 at 0.01 steps, the uint16 maximum', 655.35, { scale: 0.01 }, 'uint16', 0, 65535],
    ['−3276.8 at 0.1 steps, the int16 minimum', -3276.8, { scale: 0.1 }, 'int16', 0, -32768],
    ['429496729.5 at 0.1 steps, the uint32 maximum', 429496729.5, { scale: 0.1 }, 'uint32', 0, 4294967295],
    ['−214748364.8 at 0.1 steps, the int32 minimum', -214748364.8, { scale: 0.1 }, 'int32', 0, -2147483648],
    ['212 °F', 212, { scale: 1.8, offset: 32 }, 'int16', 0, 100],
    ['negative scale', -1, { scale: -0.1 }, 'int16', 0, 10],
  ])('%s', (_name, value, scaling, type, decimals, expected) => {
    expect(toRaw(value, scaling, type, decimals)).toBe(expected)
  })

  it.each<[number, number]>([
    [20.94, 209],
    [20.949, 209],
    [20.95, 210], // the decimal tie is recognised despite 20.95 / 0.1 = 209.49999999999997
    [20.96, 210],
    [20.91, 209],
    [20.86, 209],
    [20.85, 209], // 20.85 / 0.1 = 208.5 exactly at the tie: rounds up
    [0.04, 0],
    [0.05, 1],
  ])('integer types round %d to the nearest 0.1 step: raw %i', (value, raw) => {
    expect(toRaw(value, { scale: 0.1 }, 'uint16')).toBe(raw)
    expect(toRaw(value, { scale: 0.1 }, 'int32')).toBe(raw)
  })

  it('rounds with an offset too', () => {
    expect(toRaw(-0.14, { scale: 0.1, offset: -40 }, 'uint16')).toBe(399)
    expect(toRaw(-0.06, { scale: 0.1, offset: -40 }, 'uint16')).toBe(399)
    expect(toRaw(20.04, { scale: 0.1, offset: -40 }, 'uint16')).toBe(600)
  })

  it('a value that rounds to raw 0 from below gives 0, not −0', () => {
    expect(toRaw(-0.04, { scale: 0.1 }, 'int16')).toBe(0)
    expect(toRaw(-0.4, {}, 'int32')).toBe(0)
  })

  it('float types are not rounded', () => {
    expect(toRaw(20.95, { scale: 0.1 }, 'float32')).toBeCloseTo(209.5, 10)
    expect(toRaw(1.234, {}, 'float64', 2)).toBeCloseTo(123.4, 10)
    expect(toRaw(-39.95, { scale: 0.1, offset: -40 }, 'float64')).toBeCloseTo(0.5, 10)
    expect(toRaw(1e40, {}, 'float64')).toBe(1e40)
  })

  it('scale 0 cannot be inverted', () => {
    expectCodecError(() => toRaw(1, { scale: 0 }, 'uint16'))
    expectCodecError(() => toRaw(1, { scale: 0 }, 'float32'))
  })
})

describe('toRaw rejects raws outside the type limits', () => {
  it.each<[string, number, Scaling, DataType, number]>([
    ['uint16 above 65535', 6553.6, { scale: 0.1 }, 'uint16', 0],
    ['uint16 rounds up past 65535', 6553.55, { scale: 0.1 }, 'uint16', 0],
    ['uint16 below 0', -0.1, { scale: 0.1 }, 'uint16', 0],
    ['uint16 below 0 with offset', -40.1, { scale: 0.1, offset: -40 }, 'uint16', 0],
    ['uint16 via decimals', 655.36, {}, 'uint16', 2],
    ['int16 above 32767', 3276.8, { scale: 0.1 }, 'int16', 0],
    ['int16 below −32768', -3276.9, { scale: 0.1 }, 'int16', 0],
    ['int16 via offset', 32808, { offset: 40 }, 'int16', 0],
    ['uint32 above 4294967295', 429496729.6, { scale: 0.1 }, 'uint32', 0],
    ['uint32 below 0', -1, {}, 'uint32', 0],
    ['int32 above 2147483647', 2147483648, {}, 'int32', 0],
    ['int32 below −2147483648', -214748364.9, { scale: 0.1 }, 'int32', 0],
    ['uint16 via exponent −9', 1e14, {}, 'uint16', -9],
  ])('%s', (_name, value, scaling, type, decimals) => {
    const error = expectCodecError(() => toRaw(value, scaling, type, decimals))
    expect(error.message).toContain(type)
  })

  it.each(INTEGER_TYPES)('%s rejects NaN and infinities instead of returning them', (type) => {
    expectCodecError(() => toRaw(Number.NaN, {}, type))
    expectCodecError(() => toRaw(Number.NaN, { scale: 0.1, offset: -40 }, type, 2))
    expectCodecError(() => toRaw(Infinity, { scale: 0.1 }, type))
    expectCodecError(() => toRaw(-Infinity, {}, type))
  })

  it('property: whatever toRaw returns for an integer type is an integer inside its limits', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...INTEGER_TYPES),
        fc.oneof(fc.double(), fc.integer({ min: -(2 ** 33), max: 2 ** 33 })),
        fc.constantFrom(1, 0.1, 0.01, 10, 0.5, -0.1),
        fc.constantFrom(0, -40, 273.15),
        fc.integer({ min: -MAX_DECIMALS, max: MAX_DECIMALS }),
        (type, value, scale, offset, decimals) => {
          const [min, max] = INTEGER_LIMITS[type]
          let raw: number
          try {
            raw = toRaw(value, { scale, offset }, type, decimals)
          } catch (error) {
            expect(error).toBeInstanceOf(ModbusCodecError)
            return
          }
          expect(Number.isInteger(raw)).toBe(true)
          expect(raw).toBeGreaterThanOrEqual(min)
          expect(raw).toBeLessThanOrEqual(max)
          expect(Object.is(raw, -0)).toBe(false)
        },
      ),
      { numRuns: 1000 },
    )
  })
})

describe('decimal-point exponents', () => {
  it('MAX_DECIMALS is 9', () => {
    expect(MAX_DECIMALS).toBe(9)
  })

  it.each([-9, -1, 0, 1, 9])('accepts %i', (decimals) => {
    expect(() => checkDecimals(decimals)).not.toThrow()
    expect(() => toEngineering(1, { scale: 0.1 }, decimals)).not.toThrow()
    expect(() => toRaw(1, {}, 'float64', decimals)).not.toThrow()
  })

  it.each([10, -10, 32767, -32768, 1.5, -0.5, Number.NaN, Infinity, -Infinity])('rejects %d', (decimals) => {
    const error = expectCodecError(() => checkDecimals(decimals))
    expect(error.message).toContain('-9..9')
    expectCodecError(() => toEngineering(123, {}, decimals))
    expectCodecError(() => toEngineering(123, { scale: 0.1, offset: -40 }, decimals))
    expectCodecError(() => toRaw(1.23, {}, 'int16', decimals))
    expectCodecError(() => toRaw(1.23, {}, 'float32', decimals))
  })
})

describe('properties', () => {
  const rawOf = (type: IntegerType) => fc.integer({ min: INTEGER_LIMITS[type][0], max: INTEGER_LIMITS[type][1] })

  const scaleArb = fc.constantFrom(
    1, 0.1, 0.01, 0.001, 0.0001, 10, 100, 1000, 0.5, 0.25, 2, 0.2, 0.05, 0.0625, 1.8, 3.6, 1 / 3, 1 / 60, -1, -0.1, -0.25,
  )
  const offsetArb = fc.oneof(
    fc.constantFrom(0, -40, 40, -273.15, 273.15, 32, -50, 0.5, -17.7778, 1000, -1e6),
    fc.integer({ min: -100_000, max: 100_000 }).map((n) => n / 10),
  )
  const decimalsArb = fc.integer({ min: -MAX_DECIMALS, max: MAX_DECIMALS })

  for (const type of INTEGER_TYPES) {
    it(`${type}: toRaw(toEngineering(raw)) === raw for every raw and sensible scaling`, () => {
      fc.assert(
        fc.property(rawOf(type), scaleArb, offsetArb, decimalsArb, (raw, scale, offset, decimals) => {
          const step = Math.abs(scale) / 10 ** decimals
          // an engineering step finer than 1e-12 of the offset cannot be carried by a double at all
          fc.pre(Math.abs(offset) <= step * 1e12)
          const scaling = { scale, offset }
          const value = toEngineering(raw, scaling, decimals)
          expect(Number.isFinite(value)).toBe(true)
          expect(toRaw(value, scaling, type, decimals)).toBe(raw)
        }),
        { numRuns: 2000 },
      )
    })
  }

  it('decimal scalings give the exact decimal value (no binary noise), with and without an offset', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -0x80000000, max: 0xffffffff }),
        fc.constantFrom(1, 2, 5, 25),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: -3, max: 5 }),
        fc.integer({ min: -1000, max: 1000 }),
        (raw, mantissa, k, decimals, offset) => {
          const scale = Number(`${mantissa}e-${k}`) // the double a profile author's literal gives
          const places = k + decimals
          // engineering = raw × mantissa × 10^-places + offset, computed exactly as a decimal
          const exact = places >= 0
            ? decimalText(BigInt(raw) * BigInt(mantissa) + BigInt(offset) * 10n ** BigInt(places), places)
            : decimalText(BigInt(raw) * BigInt(mantissa) * 10n ** BigInt(-places) + BigInt(offset), 0)
          expect(toEngineering(raw, { scale, offset }, decimals)).toBe(Number(exact))
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('engineering values on the grid survive toEngineering(toRaw(v))', () => {
    fc.assert(
      fc.property(rawOf('int16'), fc.constantFrom(0.1, 0.01, 0.5, 1.8), offsetArb, fc.integer({ min: -3, max: 3 }), (raw, scale, offset, decimals) => {
        const scaling = { scale, offset }
        const value = toEngineering(raw, scaling, decimals)
        expect(toEngineering(toRaw(value, scaling, 'int16', decimals), scaling, decimals)).toBe(value)
      }),
      { numRuns: 1000 },
    )
  })

  it('toRaw rounds to the nearest step: the error is at most half a step', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -3000, max: 3000, noNaN: true }),
        fc.constantFrom(0.1, 0.01, 0.5, 0.25, 2, 1.8),
        fc.constantFrom(0, -40, 32, 0.5),
        fc.integer({ min: -2, max: 2 }),
        (value, scale, offset, decimals) => {
          const scaling = { scale, offset }
          const step = scale / 10 ** decimals
          let raw: number
          try {
            raw = toRaw(value, scaling, 'int32', decimals)
          } catch {
            return // only when far outside int32
          }
          const back = toEngineering(raw, scaling, decimals)
          expect(Math.abs(back - value)).toBeLessThanOrEqual(step / 2 + 1e-9 * Math.max(1, Math.abs(value)))
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('float raws survive toRaw(toEngineering(raw)) to within double precision', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        fc.constantFrom(0.1, 0.01, 2, 1.8),
        fc.constantFrom(0, -40, 273.15),
        fc.integer({ min: -3, max: 3 }),
        (raw, scale, offset, decimals) => {
          const scaling = { scale, offset }
          const back = toRaw(toEngineering(raw, scaling, decimals), scaling, 'float64', decimals)
          const magnitude = Math.max(Math.abs(raw), (Math.abs(offset) * 10 ** decimals) / scale)
          expect(Math.abs(back - raw)).toBeLessThanOrEqual(magnitude * 1e-12 + 1e-300)
        },
      ),
      { numRuns: 2000 },
    )
  })
})
