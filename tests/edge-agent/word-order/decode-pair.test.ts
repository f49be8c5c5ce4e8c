import { describe, expect, it } from 'vitest'
import { encodeRegisters } from '../../../protocols/modbus/index.ts'
import { decodePair, formatNumber } from '../../../edge-agent/src/word-order/index.ts'

describe('decodePair', () => {
  it('reads 0.73 sent word-swapped as 0.73 in CDAB and as what the other orders make of its bytes', () => {
    const words = encodeRegisters({ type: 'float32', order: 'CDAB' }, 0.73)
    expect(words).toEqual([0xe148, 0x3f3a])
    const pair = decodePair(words)
    expect(pair.CDAB).toEqual({ uint32: 0x3f3ae148, int32: 0x3f3ae148, float32: Math.fround(0.73) })
    expect(pair.ABCD.uint32).toBe(0xe1483f3a)
    expect(pair.ABCD.int32).toBe(0xe1483f3a - 2 ** 32)
    expect(pair.BADC.uint32).toBe(0x48e13a3f)
    expect(pair.DCBA.uint32).toBe(0x3a3f48e1)
  })

  it('decodes the pair at an offset in a longer block', () => {
    expect(decodePair([0xffff, 0x0001, 0x0002, 0xffff], 1).ABCD.uint32).toBe(0x00010002)
  })
})

describe('formatNumber', () => {
  it('shows a float32 with the fewest digits that name it, at most six', () => {
    expect(formatNumber(Math.fround(0.73))).toBe('0.73')
    expect(formatNumber(Math.fround(0.7312847))).toBe('0.731285')
    expect(formatNumber(0)).toBe('0')
    expect(formatNumber(Number.NaN)).toBe('NaN')
  })

  it('uses an exponent far from 1, and two digits when asked', () => {
    expect(formatNumber(-2.30869e20, 2)).toBe('-2.3e+20')
    expect(formatNumber(2.2681e-41, 2)).toBe('2.3e-41')
    expect(formatNumber(Math.fround(0.00073))).toBe('0.00073')
    expect(formatNumber(1e12)).toBe('1e+12')
  })
})
