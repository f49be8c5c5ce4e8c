/**
 * The options that name one Modbus line, shared by the installer's commands (`read`, `scan`):
 * `--rtu PATH` with its framing, or `--tcp HOST[:PORT]`. A bad one is a UsageError (exit 2).
 */
import type { Command } from 'commander'
import { STANDARD_BAUDS } from '../../../hardware-profiles/index.ts'
import { parseInteger, UsageError } from '../../../protocols/cli/index.ts'
import type { LineSpec } from '../modbus/modbus-serial-master.ts'

export const MODBUS_TCP_PORT = 502

export type Parity = 'none' | 'even' | 'odd'
const PARITIES: readonly Parity[] = ['none', 'even', 'odd']

/** What commander hands over for the options {@link addLineOptions} declares. */
export interface LineOptions {
  rtu?: string
  tcp?: string
  baud?: string
  parity: string
  dataBits: string
  stopBits: string
}

/** Declares `--rtu`, `--tcp`, `--baud`, `--parity`, `--data-bits`, `--stop-bits` on `command`. */
export function addLineOptions(command: Command): Command {
  return command
    .option('--rtu <path>', 'serial port of the RS-485 line, e.g. /dev/ttyUSB0')
    .option('--tcp <host[:port]>', `Modbus TCP device or gateway (port ${MODBUS_TCP_PORT} if not given)`)
    .option('--baud <n>', `RTU baud rate: ${STANDARD_BAUDS.join(', ')}`)
    .option('--parity <p>', 'RTU parity: none | even | odd', 'none')
    .option('--data-bits <n>', 'RTU data bits: 7 | 8', '8')
    .option('--stop-bits <n>', 'RTU stop bits: 1 | 2', '1')
}

export function parseBaud(text: string): number {
  const baud = Number(text)
  if (!(STANDARD_BAUDS as readonly number[]).includes(baud) || !/^\d+$/u.test(text.trim())) {
    throw new UsageError(`--baud ${text} is not a standard rate (${STANDARD_BAUDS.join(', ')})`)
  }
  return baud
}

export function parseParity(text: string): Parity {
  if (!(PARITIES as readonly string[]).includes(text)) throw new UsageError(`--parity must be none, even or odd, got "${text}"`)
  return text as Parity
}

/** `HOST`, `HOST:PORT` or `[IPv6]:PORT`; the port defaults to 502. */
export function parseTcpTarget(text: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/u.exec(text)
  const plain = /^([^:[\]\s]+)(?::([^:]*))?$/u.exec(text)
  const match = bracketed ?? plain
  if (!match) throw new UsageError(`--tcp takes HOST or HOST:PORT, got "${text}"`)
  const port = match[2] === undefined ? MODBUS_TCP_PORT : parseInteger(match[2], '--tcp port', 1, 65535)
  return { host: match[1]!, port }
}

/** The line named by exactly one of `--rtu PATH --baud N [framing]` or `--tcp HOST[:PORT]`. */
export function parseLineOptions(options: LineOptions): LineSpec {
  if ((options.rtu === undefined) === (options.tcp === undefined)) throw new UsageError('give exactly one of --rtu PATH or --tcp HOST[:PORT]')
  if (options.tcp !== undefined) {
    if (options.baud !== undefined) throw new UsageError('--baud is for an --rtu line; a --tcp line has none')
    return { kind: 'tcp', ...parseTcpTarget(options.tcp) }
  }
  if (options.baud === undefined) throw new UsageError(`--rtu needs --baud N (${STANDARD_BAUDS.join(', ')})`)
  return {
    kind: 'rtu',
    path: options.rtu!,
    baud: parseBaud(options.baud),
    parity: parseParity(options.parity),
    dataBits: parseInteger(options.dataBits, '--data-bits', 7, 8),
    stopBits: parseInteger(options.stopBits, '--stop-bits', 1, 2),
  }
}
