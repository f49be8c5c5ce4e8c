import { describe, expect, it } from 'vitest'
import { encodeRegisters } from '../../../protocols/modbus/index.ts'
import { formatCycle, reportCycle } from '../../../edge-agent/src/read/index.ts'
import { TERMINAL_COLUMNS, wrap } from '../../../edge-agent/src/read/format-text.ts'

const AT = new Date('2026-12-07T15:04:05.000Z')
const CDAB_073 = encodeRegisters({ type: 'float32', order: 'CDAB' }, 0.73)

describe('formatCycle', () => {
  it('prints registers raw and a pair in the four orders with the verdicts and the believed order', () => {
    const report = reportCycle({ unit: 1, table: 'holding', address: 10, count: 2 }, '127.0.0.1:5020', [CDAB_073, CDAB_073, CDAB_073], AT, '%CH4')
    expect(formatCycle(report)).toEqual([
      'holding 10-11 of unit 1 on 127.0.0.1:5020, 3 reads, 15:04:05 UTC',
      'unit %CH4: plausible floats lie in 0 to 100 (a volume fraction)',
      '   addr  hex   uint16   int16',
      '     10  E148   57672   -7864',
      '     11  3F3A   16186   16186',
      '',
      '  pair 10-11     uint32        int32       float32',
      '    ABCD  3779608378   -515358918  -2.30869e+20  out of range',
      '    CDAB  1060823368   1060823368          0.73  plausible, stable <- believed',
      '    BADC  1222720063   1222720063        461266  out of range',
      '    DCBA   977225953    977225953   0.000729693  plausible, stable',
      '    CDAB: 0.73 in every read, within 0–100 %CH4; ABCD reads -2.3e+20 (outside',
      '    0–100 %CH4), BADC 460000 (outside 0–100 %CH4), DCBA 0.000729693 in every',
      "    read (plausible too, but 8 significant digits to CDAB's 2)",
    ])
  })

  it('marks an order that jumps between reads', () => {
    const reads = [0.7312847, 0.7312947, 0.7313047].map((v) => encodeRegisters({ type: 'float32', order: 'ABCD' }, v))
    const lines = formatCycle(reportCycle({ unit: 1, table: 'input', address: 0, count: 2 }, 'gw:502', reads, AT))
    expect(lines.find((l) => l.startsWith('    ABCD'))).toMatch(/plausible, stable <- believed$/u)
    expect(lines.find((l) => l.startsWith('    BADC'))).toMatch(/ plausible, stable$/u)
    expect(lines.find((l) => l.startsWith('    DCBA'))).toMatch(/ too large, too small$/u)
  })

  it('claims no stability from a single read', () => {
    const lines = formatCycle(reportCycle({ unit: 1, table: 'holding', address: 10, count: 2 }, 'gw:502', [CDAB_073], AT))
    expect(lines).toContain('    CDAB  1060823368   1060823368          0.73  plausible <- believed')
    expect(lines).toContain('    DCBA   977225953    977225953   0.000729693  plausible')
  })

  it('keeps every line of a wide block within 80 columns', () => {
    const words = Array.from({ length: 12 }, (_, i) => (i * 0x1357 + 0x8001) & 0xffff)
    const reads = [words, words.map((w) => w ^ 1)]
    const lines = formatCycle(reportCycle({ unit: 247, table: 'holding', address: 65520, count: 12 }, '/dev/serial/by-id/usb-FTDI_RS485', reads, AT, 'degC'))
    expect(lines.length).toBeGreaterThan(11 * 6)
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(TERMINAL_COLUMNS)
  })

  it('prints bits sixteen a row, from the block\'s first address', () => {
    const bits = Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? 1 : 0))
    expect(formatCycle(reportCycle({ unit: 2, table: 'coil', address: 100, count: 20 }, '/dev/ttyUSB0', [bits], AT))).toEqual([
      'coil 100-119 of unit 2 on /dev/ttyUSB0, 15:04:05 UTC',
      '   addr  bits',
      '    100  1 0 0 1 0 0 1 0  0 1 0 0 1 0 0 1',
      '    116  0 0 1 0',
    ])
  })
})

describe('wrap', () => {
  it('breaks at spaces, never past the width', () => {
    expect(wrap('aaa bbb ccc', '  ', 9)).toEqual(['  aaa bbb', '  ccc'])
    expect(wrap('', '  ')).toEqual([])
  })
})
