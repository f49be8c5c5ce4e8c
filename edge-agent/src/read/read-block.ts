/** The I/O of `edge-agent read`: a block read a few times over one open line, spaced so that stability means something. */
import { setTimeout as sleep } from 'node:timers/promises'
import { isBitTable } from '../../../protocols/modbus/index.ts'
import type { ModbusMaster } from '../modbus/master.ts'
import type { BlockRequest } from './report.ts'

/** Between the reads of one cycle: long enough for a live value to move its last digits, short enough to wait for. */
export const READ_SPACING_MS = 250

export interface BlockReadOptions {
  /** reads of a register block (a bit block is read once: bits have no word order to judge) */
  reads: number
  timeoutMs: number
  spacingMs?: number
  /** aborts the wait between reads (Ctrl-C); a request on the wire finishes or times out first */
  signal?: AbortSignal
}

/** The block's values, oldest read first; throws the master's typed ModbusError, or an AbortError when `signal` aborts. */
export async function readBlock(master: ModbusMaster, request: BlockRequest, options: BlockReadOptions): Promise<number[][]> {
  const times = isBitTable(request.table) ? 1 : options.reads
  const reads: number[][] = []
  for (let i = 0; i < times; i++) {
    if (i > 0) await sleep(options.spacingMs ?? READ_SPACING_MS, undefined, { signal: options.signal })
    reads.push(await master.execute({ kind: 'read', ...request }, options.timeoutMs) as number[])
  }
  return reads
}
