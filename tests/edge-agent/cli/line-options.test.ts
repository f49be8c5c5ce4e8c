import { describe, expect, it } from 'vitest'
import { UsageError } from '../../../protocols/cli/index.ts'
import { parseLineOptions, parseTcpTarget } from '../../../edge-agent/src/cli/line-options.ts'

const framing = { parity: 'none', dataBits: '8', stopBits: '1' }

describe('parseLineOptions', () => {
  it('reads an RTU line with its framing', () => {
    expect(parseLineOptions({ ...framing, rtu: '/dev/ttyUSB0', baud: '19200', parity: 'even' }))
      .toEqual({ kind: 'rtu', path: '/dev/ttyUSB0', baud: 19200, parity: 'even', dataBits: 8, stopBits: 1 })
  })

  it('reads a TCP line, port 502 unless given', () => {
    expect(parseLineOptions({ ...framing, tcp: '10.0.0.5' })).toEqual({ kind: 'tcp', host: '10.0.0.5', port: 502 })
    expect(parseLineOptions({ ...framing, tcp: 'gw.local:5020' })).toEqual({ kind: 'tcp', host: 'gw.local', port: 5020 })
    expect(parseTcpTarget('[::1]:1502')).toEqual({ host: '::1', port: 1502 })
  })

  it.each([
    [{ ...framing }, 'give exactly one of --rtu PATH or --tcp HOST[:PORT]'],
    [{ ...framing, rtu: '/dev/ttyUSB0', tcp: 'h' }, 'give exactly one of --rtu PATH or --tcp HOST[:PORT]'],
    [{ ...framing, rtu: '/dev/ttyUSB0' }, '--rtu needs --baud N (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)'],
    [{ ...framing, rtu: '/dev/ttyUSB0', baud: '9601' }, '--baud 9601 is not a standard rate (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)'],
    [{ ...framing, rtu: '/dev/ttyUSB0', baud: '9600', parity: 'mark' }, '--parity must be none, even or odd, got "mark"'],
    [{ ...framing, rtu: '/dev/ttyUSB0', baud: '9600', stopBits: '3' }, '--stop-bits must be a whole number from 1 to 2, got "3"'],
    [{ ...framing, tcp: 'h', baud: '9600' }, '--baud is for an --rtu line; a --tcp line has none'],
    [{ ...framing, tcp: 'h:70000' }, '--tcp port must be a whole number from 1 to 65535, got "70000"'],
    [{ ...framing, tcp: 'a:b:c' }, '--tcp takes HOST or HOST:PORT, got "a:b:c"'],
  ])('refuses %j with one line', (options, message) => {
    expect(() => parseLineOptions(options)).toThrow(UsageError)
    expect(() => parseLineOptions(options)).toThrow(message)
  })
})
