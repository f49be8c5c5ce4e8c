import type { WordOrder } from '../../../protocols/modbus/index.ts'
import { judgeFloatOrders, type FloatOrderJudgement } from '../word-order/index.ts'

/** A register pair of an unknown device that reads as a float in one word order, and why that order. */
export interface FloatFinding {
  table: 'holding' | 'input'
  address: number
  order: WordOrder
  value: number
  why: string
}

export type ReadBlock = (table: 'holding' | 'input', address: number, count: number) => Promise<number[] | undefined>

/** Where an unknown device's values usually are: the first registers of each table, read a few times, apart so that a live value moves. */
export const FLOAT_SEARCH = { from: 0, counts: [16, 8, 4, 2], reads: 5, apartMs: 200 } as const

/**
 * The pairs of a block, read `samples.length` times, that one word order alone makes plausible and steady.
 * Pairs overlapping an earlier finding are skipped: a float's second word and the next register make no float.
 */
export function floatsIn(table: FloatFinding['table'], from: number, samples: readonly (readonly number[])[]): FloatFinding[] {
  const found: FloatFinding[] = []
  const width = Math.min(...samples.map((s) => s.length))
  for (let offset = 0; offset + 1 < width; offset++) {
    if (found.some((f) => f.address === from + offset - 1)) continue
    const judgement: FloatOrderJudgement = judgeFloatOrders(samples.map((s) => [s[offset]!, s[offset + 1]!]))
    if (!judgement.believed) continue
    const values = judgement.orders[judgement.believed].values
    found.push({ table, address: from + offset, order: judgement.believed, value: values[values.length - 1]!, why: judgement.why })
  }
  return found
}

/** Read the first registers of both tables a few times (as many as the device gives) and find the floats in them. */
export async function findFloats(read: ReadBlock, betweenReads: () => Promise<void>): Promise<FloatFinding[]> {
  const found: FloatFinding[] = []
  for (const table of ['holding', 'input'] as const) {
    let count: number | undefined
    let first: number[] | undefined
    for (const tried of FLOAT_SEARCH.counts) {
      first = await read(table, FLOAT_SEARCH.from, tried)
      if (first) {
        count = tried
        break
      }
    }
    if (!first || count === undefined) continue
    const samples = [first]
    for (let i = 1; i < FLOAT_SEARCH.reads; i++) {
      await betweenReads()
      const again = await read(table, FLOAT_SEARCH.from, count)
      if (again) samples.push(again)
    }
    found.push(...floatsIn(table, FLOAT_SEARCH.from, samples))
  }
  return found
}
