import { describe, expect, it } from 'vitest'
import { encodeRegisters } from '../../../protocols/modbus/index.ts'
import { reportCycle } from '../../../edge-agent/src/read/index.ts'
import type { BitCycle, RegisterCycle } from '../../../edge-agent/src/read/report.ts'

const AT = new Date('2026-12-07T15:04:05.000Z')
const CDAB_073 = encodeRegisters({ type: 'float32', order: 'CDAB' }, 0.73)

describe('reportCycle', () => {
  it('gives each register raw and each neighbouring pair in every order, judged over all reads', () => {
    const reads = [[...CDAB_073, 0xffff], [...CDAB_073, 0xfffe]]
    const report = reportCycle({ unit: 3, table: 'holding', address: 10, count: 3 }, 'gw:502', reads, AT, '%CH4') as RegisterCycle
    expect(report).toMatchObject({ unit: 3, table: 'holding', address: 10, count: 3, line: 'gw:502', time: '2026-12-07T15:04:05.000Z', unitHint: '%CH4', reads })
    expect(report.registers).toEqual([
      { address: 10, hex: 'E148', uint16: 0xe148, int16: 0xe148 - 0x10000 },
      { address: 11, hex: '3F3A', uint16: 0x3f3a, int16: 0x3f3a },
      { address: 12, hex: 'FFFE', uint16: 0xfffe, int16: -2 },
    ])
    expect(report.pairs.map((p) => p.address)).toEqual([10, 11])
    const [first, second] = report.pairs
    expect(first).toMatchObject({ believed: 'CDAB', basis: 'short-decimal' })
    expect(first!.orders.CDAB).toMatchObject({ uint32: 0x3f3ae148, float32: Math.fround(0.73), floats: [Math.fround(0.73), Math.fround(0.73)], plausible: true, stable: true })
    expect(first!.orders.ABCD).toMatchObject({ plausible: false, problems: ['outside-unit-range'] })
    // the second pair is the last read's registers: 0x3F3A 0xFFFE
    expect(second!.orders.ABCD.uint32).toBe(0x3f3afffe)
    expect(second!.orders.ABCD.floats).toHaveLength(2)
  })

  it('has no pair for a single register', () => {
    const report = reportCycle({ unit: 1, table: 'input', address: 0, count: 1 }, 'gw:502', [[7]], AT) as RegisterCycle
    expect(report.pairs).toEqual([])
    expect(report).not.toHaveProperty('unitHint')
  })

  it('gives the bits of a coil or discrete block', () => {
    const report = reportCycle({ unit: 1, table: 'discrete', address: 4, count: 3 }, '/dev/ttyUSB0', [[1, 0, 1]], AT) as BitCycle
    expect(report.bits).toEqual([true, false, true])
    expect(report).not.toHaveProperty('pairs')
  })

  it('is its own JSON: non-finite floats become null, the judgement keeps saying why', () => {
    const report = reportCycle({ unit: 1, table: 'holding', address: 0, count: 2 }, 'gw:502', [[0xffff, 0xffff]], AT)
    const json = JSON.parse(JSON.stringify(report)) as RegisterCycle
    expect(json.pairs[0]!.orders.ABCD).toMatchObject({ float32: null, floats: [null], problems: ['not-finite'] })
    expect(json.pairs[0]!.why).toMatch(/^no order reads a plausible, steady value/u)
  })
})
