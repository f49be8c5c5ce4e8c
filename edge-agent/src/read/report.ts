/**
 * What one read cycle found: each register raw, each pair of neighbours as every 32-bit type in every
 * word order with the float judgement, or the bits of a coil/discrete block. Pure; it is also the
 * `--json` object, one a cycle.
 */
import { isBitTable, WORD_ORDERS, type Table, type WordOrder } from '../../../protocols/modbus/index.ts'
import {
  decodePair, judgeFloatOrders, type BeliefBasis, type FloatProblem, type PairDecoding, type UnitHint,
} from '../word-order/index.ts'

export interface BlockRequest {
  unit: number
  table: Table
  address: number
  count: number
}

export interface RegisterRow {
  address: number
  /** four hex digits, upper case */
  hex: string
  uint16: number
  int16: number
}

/** One order of a pair: its values in the last read, and the float judgement over all reads. */
export interface PairOrder extends PairDecoding {
  /** float32 of every read, oldest first (non-finite ones are null in JSON) */
  floats: number[]
  plausible: boolean
  problems: FloatProblem[]
  stable: boolean
}

export interface PairReport {
  /** the first register of the pair; the second is address + 1 */
  address: number
  orders: Record<WordOrder, PairOrder>
  believed?: WordOrder
  basis?: BeliefBasis
  why: string
}

interface CycleHeader extends BlockRequest {
  /** ISO time of the last read */
  time: string
  /** the line read: a serial port or HOST:PORT */
  line: string
}

export interface RegisterCycle extends CycleHeader {
  /** every read of the block, oldest first */
  reads: number[][]
  /** the registers of the last read */
  registers: RegisterRow[]
  pairs: PairReport[]
  unitHint?: UnitHint
}

export interface BitCycle extends CycleHeader {
  bits: boolean[]
}

export type CycleReport = RegisterCycle | BitCycle

export const isBitCycle = (report: CycleReport): report is BitCycle => 'bits' in report

const hex16 = (word: number) => word.toString(16).toUpperCase().padStart(4, '0')

function pairReport(reads: readonly number[][], index: number, address: number, hint: UnitHint | undefined): PairReport {
  const samples = reads.map((words) => [words[index]!, words[index + 1]!])
  const judgement = judgeFloatOrders(samples, hint)
  const last = decodePair(samples.at(-1)!)
  const orders = Object.fromEntries(WORD_ORDERS.map((order) => {
    const { values, plausible, problems, stable } = judgement.orders[order]
    return [order, { ...last[order], floats: values, plausible, problems, stable }]
  })) as Record<WordOrder, PairOrder>
  return {
    address,
    orders,
    ...(judgement.believed && { believed: judgement.believed }),
    ...(judgement.basis && { basis: judgement.basis }),
    why: judgement.why,
  }
}

/**
 * The report of one cycle: `reads` are the block's values, oldest first (registers 0..65535, or bits
 * 0/1 for a bit table, where only the last read is shown).
 */
export function reportCycle(
  request: BlockRequest, line: string, reads: readonly number[][], time: Date, hint?: UnitHint,
): CycleReport {
  const header = { ...request, time: time.toISOString(), line }
  const last = reads.at(-1)!
  if (isBitTable(request.table)) return { ...header, bits: last.map((bit) => bit !== 0) }
  const registers = last.map((word, i) => ({ address: request.address + i, hex: hex16(word), uint16: word, int16: (word << 16) >> 16 }))
  const pairs = registers.slice(0, -1).map((row, i) => pairReport(reads, i, row.address, hint))
  return { ...header, reads: reads.map((words) => [...words]), registers, pairs, ...(hint !== undefined && { unitHint: hint }) }
}
