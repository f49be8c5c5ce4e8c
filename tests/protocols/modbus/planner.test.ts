import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_PLAN_OPTIONS,
  learnIllegalAddress,
  MAX_READ_BITS,
  MAX_READ_REGISTERS,
  NOTHING_LEARNED,
  planReads,
  requestCount,
  type AddressRange,
  type PlanLearned,
  type PlanOptions,
  type PlanPoint,
  type ReadBlock,
  type ReadPlan,
} from '../../../protocols/modbus/planner.ts'
import { isBitTable, type Table } from '../../../protocols/modbus/types.ts'

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

const pt = (key: string, address: number, count = 1, table: Table = 'holding'): PlanPoint => ({ key, table, address, count })

/** `n` one-register (or one-bit) points at consecutive addresses from `start`. */
const run = (n: number, start = 0, table: Table = 'holding', prefix = 'p'): PlanPoint[] =>
  Array.from({ length: n }, (_, i) => pt(`${prefix}${start + i}`, start + i, 1, table))

/** Blocks as compact tuples: [table, address, count]. */
const shape = (plan: ReadPlan) => plan.blocks.map((b) => [b.table, b.address, b.count] as const)

const covers = (block: ReadBlock, table: Table, address: number) =>
  block.table === table && block.address <= address && address < block.address + block.count

function blockOf(plan: ReadPlan, key: string): ReadBlock {
  const found = plan.blocks.filter((b) => b.points.includes(key))
  expect(found, `point ${key} must be in exactly one block`).toHaveLength(1)
  return found[0]!
}

/**
 * A device that answers exception 02 to any read covering one of `refused`: poll, learn from each
 * refused block, re-plan, until no block is refused. Returns the final plan, what was learned and
 * how many planning rounds it took.
 */
function learnUntilStable(
  points: readonly PlanPoint[],
  refused: readonly { table: Table; address: number }[],
  options: PlanOptions = {},
  maxRounds = 1000,
): { plan: ReadPlan; learned: PlanLearned; rounds: number } {
  let learned: PlanLearned = NOTHING_LEARNED
  for (let rounds = 1; rounds <= maxRounds; rounds++) {
    const plan = planReads(points, options, learned)
    const bad = plan.blocks.filter((b) => refused.some((r) => covers(b, r.table, r.address)))
    if (bad.length === 0) return { plan, learned, rounds }
    for (const block of bad) learned = learnIllegalAddress(learned, block, points)
  }
  throw new Error(`learning did not converge within ${maxRounds} rounds`)
}

/** The invariants every plan must satisfy, whatever the input. */
function checkPlanInvariants(points: readonly PlanPoint[], options: PlanOptions, learned: PlanLearned, plan: ReadPlan): void {
  const opts = { ...DEFAULT_PLAN_OPTIONS, ...options }
  const byKey = new Map(points.map((p) => [p.key, p]))
  const seen = new Map<string, number>()
  for (const block of plan.blocks) for (const key of block.points) seen.set(key, (seen.get(key) ?? 0) + 1)
  for (const key of plan.unreadable) seen.set(key, (seen.get(key) ?? 0) + 1)

  // every point appears exactly once: in one block or in unreadable
  for (const point of points) expect(seen.get(point.key), `point ${point.key}`).toBe(1)
  for (const key of seen.keys()) expect(byKey.has(key), `unknown key ${key}`).toBe(true)

  for (const block of plan.blocks) {
    const limit = isBitTable(block.table) ? Math.min(opts.maxBits, MAX_READ_BITS) : Math.min(opts.maxRegisters, MAX_READ_REGISTERS)
    expect(Number.isInteger(block.address) && block.address >= 0).toBe(true)
    expect(block.count).toBeGreaterThanOrEqual(1)
    expect(block.count, `block ${block.table} ${block.address}+${block.count}`).toBeLessThanOrEqual(limit)
    expect(block.points.length).toBeGreaterThan(0)
    for (const key of block.points) {
      const point = byKey.get(key)!
      // tables are never mixed, and the block range covers each of its points
      expect(point.table).toBe(block.table)
      expect(point.address).toBeGreaterThanOrEqual(block.address)
      expect(point.address + point.count).toBeLessThanOrEqual(block.address + block.count)
    }
    // the block starts and ends at point edges (no pointless filler at the ends)
    const members = block.points.map((k) => byKey.get(k)!)
    expect(Math.min(...members.map((p) => p.address))).toBe(block.address)
    expect(Math.max(...members.map((p) => p.address + p.count))).toBe(block.address + block.count)
    // no block covers an unreadable address, not even as filler
    for (const range of opts.unreadable) {
      if (range.table !== block.table) continue
      const overlaps = range.from < block.address + block.count && range.to >= block.address
      expect(overlaps, `block ${block.table} ${block.address}+${block.count} covers unreadable ${range.from}..${range.to}`).toBe(false)
    }
    // no block straddles a learned cut unless one of its points itself straddles it
    for (const cut of learned.cuts[block.table] ?? []) {
      if (block.address < cut && cut < block.address + block.count) {
        expect(members.some((p) => p.address < cut && cut < p.address + p.count), `block straddles cut ${cut}`).toBe(true)
      }
    }
  }

  // refused points and points inside unreadable ranges are reported unreadable
  for (const point of points) {
    const inRange = opts.unreadable.some((r) => r.table === point.table && r.from < point.address + point.count && r.to >= point.address)
    if (inRange || learned.unreadablePoints.includes(point.key)) expect(plan.unreadable).toContain(point.key)
  }
}

// ---------------------------------------------------------------------------------------------
// planReads
// ---------------------------------------------------------------------------------------------

describe('planReads', () => {
  it('has the protocol limits and sensible defaults', () => {
    expect(MAX_READ_REGISTERS).toBe(125)
    expect(MAX_READ_BITS).toBe(2000)
    expect(DEFAULT_PLAN_OPTIONS.maxRegisters).toBe(125)
    expect(DEFAULT_PLAN_OPTIONS.maxBits).toBe(2000)
  })

  it('plans nothing for no points', () => {
    expect(planReads([])).toEqual({ blocks: [], unreadable: [] })
  })

  it('merges contiguous points into one block, in address order', () => {
    const plan = planReads([pt('c', 3), pt('a', 0), pt('b', 1, 2)])
    expect(plan).toEqual({ blocks: [{ table: 'holding', address: 0, count: 4, points: ['a', 'b', 'c'] }], unreadable: [] })
    expect(requestCount(plan)).toBe(1)
  })

  it('merges contiguous multi-register points', () => {
    const plan = planReads([pt('f64', 0, 4), pt('f32', 4, 2), pt('u16', 6), pt('s', 7, 8)])
    expect(shape(plan)).toEqual([['holding', 0, 15]])
  })

  describe('holes are filled up to maxRegisterGap and not beyond', () => {
    const cases: [string, PlanOptions, number][] = [
      ['default (10)', {}, DEFAULT_PLAN_OPTIONS.maxRegisterGap],
      ['0', { maxRegisterGap: 0 }, 0],
      ['1', { maxRegisterGap: 1 }, 1],
      ['5', { maxRegisterGap: 5 }, 5],
      ['50', { maxRegisterGap: 50 }, 50],
      ['122 (block of exactly 125)', { maxRegisterGap: 122 }, 122],
    ]
    it.each(cases)('maxRegisterGap %s: gap == max merges', (_name, options, max) => {
      // a occupies 0..1, so b at 2 + gap leaves exactly `gap` unused registers
      const plan = planReads([pt('a', 0, 2), pt('b', 2 + max)], options)
      expect(shape(plan)).toEqual([['holding', 0, 3 + max]])
      expect(plan.blocks[0]!.points).toEqual(['a', 'b'])
    })
    it.each(cases)('maxRegisterGap %s: gap == max + 1 does not merge', (_name, options, max) => {
      const plan = planReads([pt('a', 0, 2), pt('b', 3 + max)], options)
      expect(shape(plan)).toEqual([['holding', 0, 2], ['holding', 3 + max, 1]])
    })

    it('bits use maxBitGap (default 32)', () => {
      expect(shape(planReads([pt('a', 0, 1, 'coil'), pt('b', 33, 1, 'coil')]))).toEqual([['coil', 0, 34]])
      expect(shape(planReads([pt('a', 0, 1, 'coil'), pt('b', 34, 1, 'coil')]))).toEqual([['coil', 0, 1], ['coil', 34, 1]])
      expect(shape(planReads([pt('a', 0, 1, 'discrete'), pt('b', 4, 1, 'discrete')], { maxBitGap: 3 }))).toEqual([['discrete', 0, 5]])
      expect(shape(planReads([pt('a', 0, 1, 'discrete'), pt('b', 5, 1, 'discrete')], { maxBitGap: 3 }))).toEqual([['discrete', 0, 1], ['discrete', 5, 1]])
    })

    it('register gap settings do not apply to bits and vice versa', () => {
      const points = [pt('r0', 0), pt('r1', 20), pt('c0', 0, 1, 'coil'), pt('c1', 20, 1, 'coil')]
      expect(shape(planReads(points, { maxRegisterGap: 0, maxBitGap: 100 }))).toEqual([['coil', 0, 21], ['holding', 0, 1], ['holding', 20, 1]])
      expect(shape(planReads(points, { maxRegisterGap: 100, maxBitGap: 0 }))).toEqual([['coil', 0, 1], ['coil', 20, 1], ['holding', 0, 21]])
    })

    it('bridges several holes in a row while each is within the gap', () => {
      const plan = planReads([pt('a', 0), pt('b', 5), pt('c', 10), pt('d', 15), pt('e', 30)], { maxRegisterGap: 4 })
      expect(shape(plan)).toEqual([['holding', 0, 16], ['holding', 30, 1]])
    })
  })

  describe('request size limits', () => {
    it('a run of 130 one-register points gives 2 blocks: 125 + 5', () => {
      const plan = planReads(run(130))
      expect(shape(plan)).toEqual([['holding', 0, 125], ['holding', 125, 5]])
      expect(plan.blocks[0]!.points).toHaveLength(125)
      expect(plan.blocks[1]!.points).toEqual(['p125', 'p126', 'p127', 'p128', 'p129'])
    })

    it('exactly 125 contiguous registers fit one block', () => {
      expect(shape(planReads(run(125, 7)))).toEqual([['holding', 7, 125]])
    })

    it('a run of 1000 input registers gives 8 full blocks and a remainder', () => {
      const plan = planReads(run(1000, 0, 'input'))
      expect(plan.blocks.map((b) => b.count)).toEqual([125, 125, 125, 125, 125, 125, 125, 125])
      expect(shape(planReads(run(1001, 0, 'input'))).at(-1)).toEqual(['input', 1000, 1])
    })

    it('a run of 2005 coils gives 2 blocks: 2000 + 5', () => {
      expect(shape(planReads(run(2005, 0, 'coil')))).toEqual([['coil', 0, 2000], ['coil', 2000, 5]])
    })

    it('exactly 2000 discrete inputs fit one block', () => {
      expect(shape(planReads(run(2000, 0, 'discrete')))).toEqual([['discrete', 0, 2000]])
    })

    it('a hole is not bridged when the merged block would exceed 125', () => {
      const options = { maxRegisterGap: 124 }
      expect(shape(planReads([pt('a', 0), pt('b', 124)], options))).toEqual([['holding', 0, 125]])
      expect(shape(planReads([pt('a', 0), pt('b', 125)], options))).toEqual([['holding', 0, 1], ['holding', 125, 1]])
      expect(shape(planReads([pt('a', 0), pt('b', 123, 2)], options))).toEqual([['holding', 0, 125]])
      expect(shape(planReads([pt('a', 0), pt('b', 123, 3)], options))).toEqual([['holding', 0, 1], ['holding', 123, 3]])
    })

    it('a multi-register point is never split across two blocks', () => {
      // 123 single registers then a float64 at 123..126: 0..126 is 127 registers
      const points = [...run(123), pt('f64', 123, 4)]
      const plan = planReads(points)
      expect(shape(plan)).toEqual([['holding', 0, 123], ['holding', 123, 4]])
      expect(plan.blocks[1]!.points).toEqual(['f64'])
    })

    it('honours a custom maxRegisters', () => {
      expect(shape(planReads(run(25), { maxRegisters: 10 }))).toEqual([['holding', 0, 10], ['holding', 10, 10], ['holding', 20, 5]])
      expect(shape(planReads(run(3), { maxRegisters: 1 }))).toEqual([['holding', 0, 1], ['holding', 1, 1], ['holding', 2, 1]])
      expect(shape(planReads([pt('a', 0), pt('b', 5)], { maxRegisters: 6 }))).toEqual([['holding', 0, 6]])
      expect(shape(planReads([pt('a', 0), pt('b', 5)], { maxRegisters: 5 }))).toEqual([['holding', 0, 1], ['holding', 5, 1]])
    })

    it('honours a custom maxBits', () => {
      expect(shape(planReads(run(20, 0, 'coil'), { maxBits: 8 }))).toEqual([['coil', 0, 8], ['coil', 8, 8], ['coil', 16, 4]])
    })

    it('a point larger than the limit is unreadable, not an oversize request', () => {
      const plan = planReads([pt('big', 0, 126), pt('ok', 200, 125), pt('s', 400, 20)], { maxRegisters: 125 })
      expect(plan.unreadable).toEqual(['big'])
      expect(shape(plan)).toEqual([['holding', 200, 125], ['holding', 400, 20]])
      const small = planReads([pt('s', 0, 20)], { maxRegisters: 10 })
      expect(small).toEqual({ blocks: [], unreadable: ['s'] })
    })
  })

  describe('unreadable ranges', () => {
    it('are never read, even as filler', () => {
      const unreadable: AddressRange[] = [{ table: 'holding', from: 2, to: 3 }]
      const plan = planReads([pt('a', 0), pt('b', 5)], { unreadable })
      expect(shape(plan)).toEqual([['holding', 0, 1], ['holding', 5, 1]])
      expect(plan.unreadable).toEqual([])
    })

    it('a one-address range right between two points still splits them', () => {
      const plan = planReads([pt('a', 0), pt('b', 2)], { unreadable: [{ table: 'holding', from: 1, to: 1 }] })
      expect(shape(plan)).toEqual([['holding', 0, 1], ['holding', 2, 1]])
    })

    it('ranges touching but not overlapping the hole do not split', () => {
      const plan = planReads([pt('a', 5), pt('b', 8)], { unreadable: [{ table: 'holding', from: 0, to: 4 }, { table: 'holding', from: 9, to: 20 }] })
      expect(shape(plan)).toEqual([['holding', 5, 4]])
    })

    it('points inside them are reported unreadable', () => {
      const unreadable: AddressRange[] = [{ table: 'holding', from: 10, to: 19 }]
      const points = [pt('before', 9), pt('first', 10), pt('inside', 15, 2), pt('last', 19), pt('after', 20), pt('straddles', 8, 3)]
      const plan = planReads(points, { unreadable })
      expect([...plan.unreadable].sort()).toEqual(['first', 'inside', 'last', 'straddles'])
      expect(shape(plan)).toEqual([['holding', 9, 1], ['holding', 20, 1]])
    })

    it('a point straddling the end of a range is unreadable', () => {
      const plan = planReads([pt('f32', 19, 2)], { unreadable: [{ table: 'holding', from: 10, to: 19 }] })
      expect(plan).toEqual({ blocks: [], unreadable: ['f32'] })
    })

    it('apply to their own table only', () => {
      const plan = planReads([pt('h', 5), pt('i', 5, 1, 'input'), pt('i2', 7, 1, 'input')], { unreadable: [{ table: 'holding', from: 0, to: 10 }] })
      expect(plan.unreadable).toEqual(['h'])
      expect(shape(plan)).toEqual([['input', 5, 3]])
    })

    it('work for bit tables', () => {
      const plan = planReads(run(10, 0, 'coil'), { unreadable: [{ table: 'coil', from: 4, to: 5 }] })
      expect(plan.unreadable).toEqual(['p4', 'p5'])
      expect(shape(plan)).toEqual([['coil', 0, 4], ['coil', 6, 4]])
    })
  })

  it('never mixes tables, and orders blocks coil, discrete, holding, input', () => {
    const points = [
      ...run(3, 0, 'input', 'i'),
      ...run(3, 0, 'holding', 'h'),
      ...run(3, 0, 'discrete', 'd'),
      ...run(3, 0, 'coil', 'c'),
    ]
    const plan = planReads(points)
    expect(shape(plan)).toEqual([['coil', 0, 3], ['discrete', 0, 3], ['holding', 0, 3], ['input', 0, 3]])
    expect(plan.blocks[2]!.points).toEqual(['h0', 'h1', 'h2'])
  })

  it('overlapping points (bits of one register) share one block', () => {
    const bits = Array.from({ length: 16 }, (_, i) => pt(`bit${i}`, 10))
    const plan = planReads([...bits, pt('word', 10)])
    expect(shape(plan)).toEqual([['holding', 10, 1]])
    expect([...plan.blocks[0]!.points].sort()).toEqual([...bits.map((b) => b.key), 'word'].sort())
  })

  it('overlapping multi-register points share one block covering both', () => {
    const plan = planReads([pt('u16hi', 1), pt('f32', 0, 2), pt('u32', 1, 2)])
    expect(shape(plan)).toEqual([['holding', 0, 3]])
    expect([...plan.blocks[0]!.points].sort()).toEqual(['f32', 'u16hi', 'u32'])
  })

  it('is pure: input order does not matter and the input is not mutated', () => {
    const points = [pt('a', 50), pt('b', 0), pt('c', 3, 2), pt('d', 1), pt('e', 200, 1, 'coil')]
    const frozen = structuredClone(points)
    const plan1 = planReads(points)
    expect(points).toEqual(frozen)
    const plan2 = planReads([...points].reverse())
    expect(shape(plan2)).toEqual(shape(plan1))
    expect(plan2.blocks.map((b) => [...b.points].sort())).toEqual(plan1.blocks.map((b) => [...b.points].sort()))
    expect(planReads(points)).toEqual(plan1)
  })

  it('skips points the device refused', () => {
    const learned: PlanLearned = { cuts: {}, unreadablePoints: ['b'] }
    const plan = planReads([pt('a', 0), pt('b', 1), pt('c', 2)], {}, learned)
    expect(plan.unreadable).toEqual(['b'])
    // b's register is now a 1-register hole: still bridged
    expect(shape(plan)).toEqual([['holding', 0, 3]])
    expect(plan.blocks[0]!.points).toEqual(['a', 'c'])
  })

  it('never lets a block contain both sides of a learned cut', () => {
    const learned: PlanLearned = { cuts: { holding: [5] }, unreadablePoints: [] }
    expect(shape(planReads(run(10), {}, learned))).toEqual([['holding', 0, 5], ['holding', 5, 5]])
    // a cut in a hole also prevents bridging it
    const holey = [pt('a', 0), pt('b', 8)]
    expect(shape(planReads(holey, {}, { cuts: { holding: [4] }, unreadablePoints: [] }))).toEqual([['holding', 0, 1], ['holding', 8, 1]])
    expect(shape(planReads(holey, {}, { cuts: { holding: [8] }, unreadablePoints: [] }))).toEqual([['holding', 0, 1], ['holding', 8, 1]])
    // a cut at the first address of a block or right after its end changes nothing
    expect(shape(planReads(holey, {}, { cuts: { holding: [0, 9] }, unreadablePoints: [] }))).toEqual([['holding', 0, 9]])
    // cuts are per table
    expect(shape(planReads(run(10, 0, 'input'), {}, learned))).toEqual([['input', 0, 10]])
  })
})

// ---------------------------------------------------------------------------------------------
// learnIllegalAddress
// ---------------------------------------------------------------------------------------------

describe('learnIllegalAddress', () => {
  it('splits a block bridging holes at its widest hole, and the halves never merge again', () => {
    const points = [pt('a', 0), pt('b', 1), pt('c', 5), pt('d', 20)]
    const options = { maxRegisterGap: 20 }
    const before = planReads(points, options)
    expect(shape(before)).toEqual([['holding', 0, 21]])

    const learned = learnIllegalAddress(NOTHING_LEARNED, before.blocks[0]!, points)
    expect(learned.cuts.holding).toEqual([20])
    expect(learned.unreadablePoints).toEqual([])

    const after = planReads(points, options, learned)
    expect(shape(after)).toEqual([['holding', 0, 6], ['holding', 20, 1]])
    // not even with the largest gap allowed
    expect(shape(planReads(points, { maxRegisterGap: 124 }, learned))).toEqual([['holding', 0, 6], ['holding', 20, 1]])
    // nor when more points fill the hole partly
    expect(shape(planReads([...points, pt('e', 12)], options, learned))).toEqual([['holding', 0, 13], ['holding', 20, 1]])
  })

  it('chooses the widest hole, the first of equally wide ones', () => {
    const points = [pt('a', 0), pt('b', 3), pt('c', 10), pt('d', 13)]
    const block: ReadBlock = { table: 'holding', address: 0, count: 14, points: ['a', 'b', 'c', 'd'] }
    expect(learnIllegalAddress(NOTHING_LEARNED, block, points).cuts.holding).toEqual([10])
    const even = [pt('a', 0), pt('b', 3), pt('c', 6)]
    const evenBlock: ReadBlock = { table: 'holding', address: 0, count: 7, points: ['a', 'b', 'c'] }
    expect(learnIllegalAddress(NOTHING_LEARNED, evenBlock, even).cuts.holding).toEqual([3])
  })

  it.each<[number, number]>([
    [2, 1],
    [3, 1],
    [4, 2],
    [5, 2],
    [8, 4],
    [9, 4],
  ])('a contiguous block of %i points splits at a middle point boundary (%i)', (n, cut) => {
    const points = run(n)
    const plan = planReads(points)
    expect(plan.blocks).toHaveLength(1)
    const learned = learnIllegalAddress(NOTHING_LEARNED, plan.blocks[0]!, points)
    expect(learned.cuts.holding).toEqual([cut])
    expect(shape(planReads(points, {}, learned))).toEqual([['holding', 0, cut], ['holding', cut, n - cut]])
  })

  it('never cuts through a multi-register point', () => {
    const points = [pt('f32', 0, 2), pt('mid', 1), pt('u16', 2), pt('f64', 3, 4)]
    const block = planReads(points).blocks[0]!
    const learned = learnIllegalAddress(NOTHING_LEARNED, block, points)
    const cut = learned.cuts.holding![0]!
    for (const p of points) expect(p.address < cut && cut < p.address + p.count, `cut ${cut} inside ${p.key}`).toBe(false)
    expect([2, 3]).toContain(cut)
  })

  it('a single-point block makes its point unreadable', () => {
    const points = [pt('only', 7, 2), pt('other', 100)]
    const plan = planReads(points)
    const block = plan.blocks.find((b) => b.points.includes('only'))!
    const learned = learnIllegalAddress(NOTHING_LEARNED, block, points)
    expect(learned.unreadablePoints).toEqual(['only'])
    expect(learned.cuts).toEqual({})
    const after = planReads(points, {}, learned)
    expect(after.unreadable).toEqual(['only'])
    expect(shape(after)).toEqual([['holding', 100, 1]])
  })

  it('a block of overlapping points that cannot be split makes all of them unreadable', () => {
    const points = [pt('bit0', 4), pt('bit1', 4), pt('word', 4)]
    const block = planReads(points).blocks[0]!
    const learned = learnIllegalAddress(NOTHING_LEARNED, block, points)
    expect([...learned.unreadablePoints].sort()).toEqual(['bit0', 'bit1', 'word'])
  })

  it('does not mutate what was learned before, and keeps cuts of other tables and sorted', () => {
    const before: PlanLearned = { cuts: { input: [3], holding: [50] }, unreadablePoints: ['x'] }
    const frozen = structuredClone(before)
    const points = run(10)
    const learned = learnIllegalAddress(before, planReads(points).blocks[0]!, points)
    expect(before).toEqual(frozen)
    expect(learned.cuts).toEqual({ input: [3], holding: [5, 50] })
    expect(learned.unreadablePoints).toEqual(['x'])
  })

  it('learns per table', () => {
    const points = run(4, 0, 'coil')
    const learned = learnIllegalAddress(NOTHING_LEARNED, planReads(points).blocks[0]!, points)
    expect(learned.cuts).toEqual({ coil: [2] })
    expect(shape(planReads([...points, ...run(4, 0, 'discrete', 'd')], {}, learned))).toEqual([
      ['coil', 0, 2], ['coil', 2, 2], ['discrete', 0, 4],
    ])
  })

  describe('repeated learning converges on a device that refuses one address', () => {
    it.each<[string, number]>([
      ['at the start', 0],
      ['in the middle', 37],
      ['at the end', 99],
      ['just before the 125 boundary', 124],
    ])('a point %s of a 100-point run', (_name, bad) => {
      const points = run(100)
      const { plan, rounds } = learnUntilStable(points, [{ table: 'holding', address: bad }])
      expect(plan.unreadable).toEqual([`p${bad}`].filter(() => bad < 100))
      const read = plan.blocks.flatMap((b) => b.points)
      expect([...read].sort()).toEqual(points.map((p) => p.key).filter((k) => k !== `p${bad}`).sort())
      for (const block of plan.blocks) expect(covers(block, 'holding', bad)).toBe(false)
      // binary splitting: about log2(100) rounds, never one round per point
      expect(rounds).toBeLessThanOrEqual(10)
      // the points around the bad one are still read in few requests
      expect(plan.blocks.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(100)) + 1)
    })

    it('a refused hole is learned without losing any point', () => {
      const points = [...run(10), ...run(10, 15)]
      const { plan, rounds } = learnUntilStable(points, [{ table: 'holding', address: 12 }])
      expect(plan.unreadable).toEqual([])
      expect(shape(plan)).toEqual([['holding', 0, 10], ['holding', 15, 10]])
      expect(rounds).toBe(2)
    })

    it('a multi-register point covering the refused address is the only unreadable one', () => {
      const points = [...run(10), pt('f32', 10, 2), ...run(10, 12), pt('f64', 40, 4), ...run(5, 44)]
      const { plan } = learnUntilStable(points, [{ table: 'holding', address: 11 }])
      expect(plan.unreadable).toEqual(['f32'])
      expect(plan.blocks.flatMap((b) => b.points)).toHaveLength(points.length - 1)
    })

    it('several refused addresses in several tables', () => {
      const points = [...run(60), ...run(60, 0, 'input', 'i'), ...run(300, 0, 'coil', 'c')]
      const refused = [
        { table: 'holding' as const, address: 5 },
        { table: 'holding' as const, address: 41 },
        { table: 'input' as const, address: 59 },
        { table: 'coil' as const, address: 150 },
      ]
      const { plan, rounds } = learnUntilStable(points, refused)
      expect([...plan.unreadable].sort()).toEqual(['c150', 'i59', 'p41', 'p5'])
      for (const block of plan.blocks) for (const r of refused) expect(covers(block, r.table, r.address)).toBe(false)
      expect(rounds).toBeLessThanOrEqual(20)
    })

    it('a reserved range the device refuses: only points inside it are lost', () => {
      const points = [...run(20), ...run(20, 30)]
      const refused = Array.from({ length: 16 }, (_, i) => ({ table: 'holding' as const, address: 12 + i }))
      const { plan } = learnUntilStable(points, refused, { maxRegisterGap: 20 })
      expect([...plan.unreadable].sort()).toEqual(['p12', 'p13', 'p14', 'p15', 'p16', 'p17', 'p18', 'p19'])
      expect(plan.blocks.flatMap((b) => b.points)).toHaveLength(32)
    })

    it('property: random points and one refused address', () => {
      fc.assert(
        fc.property(
          // non-overlapping points: lengths and holes in sequence
          fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.constantFrom(1, 1, 1, 2, 2, 4)), { minLength: 1, maxLength: 120 }),
          fc.nat(),
          fc.record({ maxRegisterGap: fc.integer({ min: 0, max: 30 }), maxRegisters: fc.integer({ min: 4, max: 125 }) }),
          (layout, pick, options) => {
            let address = 0
            const points = layout.map(([hole, count], i) => {
              address += hole
              const p = pt(`k${i}`, address, count)
              address += count
              return p
            })
            const bad = pick % address
            const { plan, rounds } = learnUntilStable(points, [{ table: 'holding', address: bad }], options)
            const expected = points.filter((p) => p.address <= bad && bad < p.address + p.count).map((p) => p.key)
            expect(plan.unreadable).toEqual(expected)
            for (const block of plan.blocks) expect(covers(block, 'holding', bad)).toBe(false)
            expect(rounds).toBeLessThanOrEqual(points.length + 1)
            checkPlanInvariants(points, options, NOTHING_LEARNED, plan)
          },
        ),
        { numRuns: 300 },
      )
    })
  })
})

// ---------------------------------------------------------------------------------------------
// property: plan invariants for arbitrary points, options and learned facts
// ---------------------------------------------------------------------------------------------

describe('planReads properties', () => {
  const tableArb = fc.constantFrom<Table>('coil', 'discrete', 'holding', 'input')
  const pointsArb = fc
    .array(
      fc.record({
        table: tableArb,
        address: fc.integer({ min: 0, max: 400 }),
        count: fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 140 }) }),
      }),
      { maxLength: 150 },
    )
    .map((raw) => raw.map((p, i) => ({ key: `k${i}`, ...p })))
  const rangesArb = fc.array(
    fc.record({ table: tableArb, from: fc.integer({ min: 0, max: 400 }), len: fc.integer({ min: 0, max: 20 }) }).map(({ table, from, len }) => ({ table, from, to: from + len })),
    { maxLength: 4 },
  )
  const optionsArb = fc.record(
    {
      maxRegisterGap: fc.integer({ min: 0, max: 124 }),
      maxBitGap: fc.integer({ min: 0, max: 200 }),
      maxRegisters: fc.integer({ min: 1, max: 125 }),
      maxBits: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 2000 })),
      unreadable: rangesArb,
    },
    { requiredKeys: [] },
  )
  const learnedArb = fc.record({
    cuts: fc.record({ holding: fc.uniqueArray(fc.integer({ min: 1, max: 400 }), { maxLength: 6 }).map((c) => c.sort((a, b) => a - b)), coil: fc.uniqueArray(fc.integer({ min: 1, max: 400 }), { maxLength: 6 }).map((c) => c.sort((a, b) => a - b)) }, { requiredKeys: [] }),
    unreadablePoints: fc.array(fc.integer({ min: 0, max: 160 }).map((i) => `k${i}`), { maxLength: 5 }),
  })

  it('every point in exactly one block or unreadable; blocks within limits; no unreadable address read; ranges cover points', () => {
    fc.assert(
      fc.property(pointsArb, optionsArb, learnedArb, (points, options, learned) => {
        const plan = planReads(points, options, learned)
        checkPlanInvariants(points, options, learned, plan)
        // a point is unreadable only for a reason
        const opts = { ...DEFAULT_PLAN_OPTIONS, ...options }
        for (const key of plan.unreadable) {
          const p = points.find((q) => q.key === key)!
          const limit = isBitTable(p.table) ? opts.maxBits : opts.maxRegisters
          const inRange = opts.unreadable.some((r) => r.table === p.table && r.from < p.address + p.count && r.to >= p.address)
          expect(inRange || learned.unreadablePoints.includes(key) || p.count > limit, `${key} unreadable for no reason`).toBe(true)
        }
      }),
      { numRuns: 1000 },
    )
  })

  it('neighbouring blocks could not have been merged (no wasted requests)', () => {
    fc.assert(
      fc.property(pointsArb, optionsArb, (points, options) => {
        const plan = planReads(points, options)
        const opts = { ...DEFAULT_PLAN_OPTIONS, ...options }
        for (let i = 1; i < plan.blocks.length; i++) {
          const a = plan.blocks[i - 1]!
          const b = plan.blocks[i]!
          if (a.table !== b.table) continue
          const bits = isBitTable(a.table)
          const gap = b.address - (a.address + a.count)
          const tooFar = gap > (bits ? opts.maxBitGap : opts.maxRegisterGap)
          const tooBig = Math.max(a.address + a.count, b.address + b.count) - a.address > (bits ? opts.maxBits : opts.maxRegisters)
          const blocked = opts.unreadable.some((r) => r.table === a.table && r.from < b.address && r.to >= a.address + a.count)
          expect(tooFar || tooBig || blocked, `blocks ${a.address}+${a.count} and ${b.address}+${b.count} could be one`).toBe(true)
          expect(b.address).toBeGreaterThanOrEqual(a.address)
        }
      }),
      { numRuns: 1000 },
    )
  })

  it('learning from any block keeps the plan valid, and never loses a point that is not refused', () => {
    fc.assert(
      fc.property(pointsArb, optionsArb, fc.nat(), (points, options, pick) => {
        const plan = planReads(points, options)
        fc.pre(plan.blocks.length > 0)
        const block = plan.blocks[pick % plan.blocks.length]!
        const learned = learnIllegalAddress(NOTHING_LEARNED, block, points)
        const after = planReads(points, options, learned)
        checkPlanInvariants(points, options, learned, after)
        if (learned.unreadablePoints.length === 0) {
          // a cut was learned: same unreadable points as before, and the refused block is gone
          expect([...after.unreadable].sort()).toEqual([...plan.unreadable].sort())
          expect(after.blocks.some((b) => b.table === block.table && b.address === block.address && b.count === block.count)).toBe(false)
        } else {
          expect([...learned.unreadablePoints].sort()).toEqual([...block.points].sort())
        }
      }),
      { numRuns: 500 },
    )
  })
})
