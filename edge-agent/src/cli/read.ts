/**
 * `edge-agent read`: the installer's mbpoll with the word-order question answered. Reads a block a few
 * times, prints each register raw and each pair in every 32-bit type and word order, with the orders
 * whose float is plausible and stable and the one believed; `--watch` until Ctrl-C.
 */
import type { Command } from 'commander'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseInteger, UsageError } from '../../../protocols/cli/index.ts'
import { isBitTable, ModbusError, ModbusTransportError, type Table } from '../../../protocols/modbus/index.ts'
import { UNITS } from '../../../hardware-profiles/index.ts'
import { ModbusSerialMaster, type LineSpec } from '../modbus/modbus-serial-master.ts'
import { formatCycle, READ_SPACING_MS, readBlock, reportCycle, type BlockRequest } from '../read/index.ts'
import type { UnitHint } from '../word-order/index.ts'
import { addLineOptions, parseLineOptions, type LineOptions } from './line-options.ts'

/** What commander hands over. */
export interface ReadOptions extends LineOptions {
  unit?: string
  table?: string
  address?: string
  count?: string
  watch?: boolean
  intervalMs: string
  reads: string
  unitHint?: string
  json?: boolean
  timeoutMs: string
}

const TABLES: readonly Table[] = ['holding', 'input', 'coil', 'discrete']
/** FC 01/02 read at most 2000 bits, FC 03/04 at most 125 registers (Modbus application protocol §6.1–6.4) */
const MAX_COUNT = { bits: 2000, registers: 125 } as const
const HINTS = UNITS.filter((unit) => unit !== '')

function required(value: string | undefined, option: string): string {
  if (value === undefined) throw new UsageError(`${option} is required`)
  return value
}

function tableOf(text: string): Table {
  if (!(TABLES as readonly string[]).includes(text)) throw new UsageError(`--table must be ${TABLES.join(', ')}, got "${text}"`)
  return text as Table
}

function hintOf(text: string | undefined): UnitHint | undefined {
  if (text === undefined) return undefined
  if (!(HINTS as readonly string[]).includes(text)) throw new UsageError(`--unit-hint must be one of ${HINTS.join(' ')}, got "${text}"`)
  return text as UnitHint
}

function blockOf(options: ReadOptions, line: LineSpec): BlockRequest {
  // a TCP gateway may route unit 0 or 255 to its own device; on RS-485 0 is broadcast (never answered)
  const unit = parseInteger(required(options.unit, '--unit'), '--unit', line.kind === 'tcp' ? 0 : 1, line.kind === 'tcp' ? 255 : 247)
  const table = tableOf(required(options.table, '--table'))
  const address = parseInteger(required(options.address, '--address'), '--address', 0, 65535)
  const max = isBitTable(table) ? MAX_COUNT.bits : MAX_COUNT.registers
  const count = parseInteger(required(options.count, '--count'), '--count', 1, Math.min(max, 65536 - address))
  return { unit, table, address, count }
}

const lineName = (line: LineSpec) => (line.kind === 'rtu' ? line.path : `${line.host}:${line.port}`)

const isAbort = (error: unknown) => error instanceof Error && error.name === 'AbortError'

/** What `read` was asked to do, every argument checked before the line is opened. */
export interface ReadPlan {
  line: LineSpec
  request: BlockRequest
  hint: UnitHint | undefined
  reads: number
  timeoutMs: number
  intervalMs: number
  watch: boolean
  json: boolean
}

export function parseReadArguments(options: ReadOptions): ReadPlan {
  const line = parseLineOptions(options)
  return {
    line,
    request: blockOf(options, line),
    hint: hintOf(options.unitHint),
    reads: parseInteger(options.reads, '--reads', 1, 100),
    timeoutMs: parseInteger(options.timeoutMs, '--timeout-ms', 10, 60_000),
    intervalMs: parseInteger(options.intervalMs, '--interval-ms', 0, 3_600_000),
    watch: options.watch === true,
    json: options.json === true,
  }
}

async function readAndPrint({ line, request, hint, reads, timeoutMs, intervalMs, watch, json }: ReadPlan): Promise<void> {
  const master = new ModbusSerialMaster(line)
  const stop = new AbortController()
  const onSignal = () => stop.abort()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    await master.open()
    for (let cycle = 0; !stop.signal.aborted; cycle++) {
      if (cycle > 0) await sleep(intervalMs, undefined, { signal: stop.signal })
      try {
        const values = await readBlock(master, request, { reads, timeoutMs, signal: stop.signal })
        const report = reportCycle(request, lineName(line), values, new Date(), hint)
        const text = json ? JSON.stringify(report) : [...(cycle > 0 ? [''] : []), ...formatCycle(report)].join('\n')
        process.stdout.write(`${text}\n`)
      } catch (error) {
        // while watching, a device that misses an answer or refuses one is shown and read again; a line that is gone is not
        if (!watch || isAbort(error) || !(error instanceof ModbusError) || error instanceof ModbusTransportError) throw error
        console.error(`edge-agent read: ${error.message}`)
      }
      if (!watch) break
    }
  } catch (error) {
    if (!isAbort(error)) throw error
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await master.close()
  }
}

export function registerReadCommand(program: Command): void {
  const command = program.command('read')
    .description('read a block of registers or bits; each pair in every 32-bit type and word order, with the float order believed and why')
  addLineOptions(command)
    .option('--unit <n>', 'unit id of the device')
    .option('--table <table>', TABLES.join(' | '))
    .option('--address <a>', 'zero-based address of the first register or bit (register 40001 is holding 0)')
    .option('--count <c>', `registers (1-${MAX_COUNT.registers}) or bits (1-${MAX_COUNT.bits}) to read`)
    .option('--reads <n>', `reads of a register block per cycle, ${READ_SPACING_MS} ms apart, to judge stability`, '3')
    .option('--unit-hint <unit>', `the unit the floats should be in, to judge plausibility: ${HINTS.join(' ')}`)
    .option('--watch', 'read again every --interval-ms until Ctrl-C; a timeout or an exception is shown and the watch goes on')
    .option('--interval-ms <n>', 'pause between cycles with --watch', '1000')
    .option('--timeout-ms <n>', 'wait this long for each answer', '1000')
    .option('--json', 'one JSON object per cycle')
    .action(async (options: ReadOptions) => readAndPrint(parseReadArguments(options)))
}
