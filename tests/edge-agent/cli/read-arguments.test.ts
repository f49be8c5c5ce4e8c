import { describe, expect, it } from 'vitest'
import { UsageError } from '../../../protocols/cli/index.ts'
import { parseReadArguments, type ReadOptions } from '../../../edge-agent/src/cli/read.ts'

const DEFAULTS = { parity: 'none', dataBits: '8', stopBits: '1', reads: '3', intervalMs: '1000', timeoutMs: '1000' }
const block = { unit: '4', table: 'holding', address: '10', count: '2' }
const tcp = (more: Partial<ReadOptions> = {}): ReadOptions => ({ ...DEFAULTS, tcp: 'gw', ...block, ...more })

describe('parseReadArguments', () => {
  it('reads a TCP block with the defaults', () => {
    expect(parseReadArguments(tcp())).toEqual({
      line: { kind: 'tcp', host: 'gw', port: 502 },
      request: { unit: 4, table: 'holding', address: 10, count: 2 },
      hint: undefined, reads: 3, timeoutMs: 1000, intervalMs: 1000, watch: false, json: false,
    })
  })

  it('takes a unit hint, --watch and --json', () => {
    expect(parseReadArguments(tcp({ unitHint: '%LEL', watch: true, json: true, intervalMs: '250' })))
      .toMatchObject({ hint: '%LEL', watch: true, json: true, intervalMs: 250 })
  })

  it('allows unit 0 and 255 on TCP (a gateway\'s own device) but not on RS-485', () => {
    expect(parseReadArguments(tcp({ unit: '255' })).request.unit).toBe(255)
    const rtu: ReadOptions = { ...DEFAULTS, rtu: '/dev/ttyUSB0', baud: '9600', ...block, unit: '0' }
    expect(() => parseReadArguments(rtu)).toThrow('--unit must be a whole number from 1 to 247, got "0"')
  })

  it('reads up to 2000 bits but 125 registers, and never past address 65535', () => {
    expect(parseReadArguments(tcp({ table: 'coil', count: '2000' })).request.count).toBe(2000)
    expect(() => parseReadArguments(tcp({ count: '126' }))).toThrow('--count must be a whole number from 1 to 125, got "126"')
    expect(() => parseReadArguments(tcp({ address: '65535', count: '2' }))).toThrow('--count must be a whole number from 1 to 1, got "2"')
  })

  it.each([
    [{ table: 'holdings' }, '--table must be holding, input, coil, discrete, got "holdings"'],
    [{ unit: undefined }, '--unit is required'],
    [{ count: undefined }, '--count is required'],
    [{ unitHint: 'furlongs' }, '--unit-hint must be one of %CH4 %VOL %LEL ppm'],
    [{ unitHint: '' }, '--unit-hint must be one of'],
    [{ reads: '0' }, '--reads must be a whole number from 1 to 100, got "0"'],
    [{ timeoutMs: 'soon' }, '--timeout-ms must be a whole number from 10 to 60000, got "soon"'],
  ] as [Partial<ReadOptions>, string][])('refuses %j', (more, message) => {
    expect(() => parseReadArguments(tcp(more))).toThrow(UsageError)
    expect(() => parseReadArguments(tcp(more))).toThrow(message)
  })
})
