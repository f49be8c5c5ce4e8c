import { isBitTable, type Table } from './types.ts'

/** Protocol limits per request (Modbus Application Protocol v1.1b3: FC 1/2 ≤ 2000 bits, FC 3/4 ≤ 125 registers). */
export const MAX_READ_BITS = 2000
export const MAX_READ_REGISTERS = 125

/** Something to read: `count` consecutive addresses of one table starting at `address`. */
export interface PlanPoint {
  key: string
  table: Table
  address: number
  count: number
}

/** Inclusive address range a device refuses to read (e.g. reserved registers). */
export interface AddressRange {
  table: Table
  from: number
  to: number
}

export interface PlanOptions {
  /** Largest hole of unused registers worth reading to save a request. */
  maxRegisterGap?: number
  /** Largest hole of unused bits worth reading to save a request. */
  maxBitGap?: number
  maxRegisters?: number
  maxBits?: number
  /** Addresses never to include in a read, not even as filler. */
  unreadable?: readonly AddressRange[]
}

export const DEFAULT_PLAN_OPTIONS: Required<PlanOptions> = {
  maxRegisterGap: 10,
  maxBitGap: 32,
  maxRegisters: MAX_READ_REGISTERS,
  maxBits: MAX_READ_BITS,
  unreadable: [],
}

/** What the device has taught us: addresses no block may straddle, and points it refuses outright. */
export interface PlanLearned {
  /** `cuts[table]` holds addresses `a` such that no block may contain both `a - 1` and `a`. */
  cuts: Partial<Record<Table, readonly number[]>>
  unreadablePoints: readonly string[]
}

export const NOTHING_LEARNED: PlanLearned = { cuts: {}, unreadablePoints: [] }

export interface ReadBlock {
  table: Table
  address: number
  count: number
  /** Keys of the points this block serves. */
  points: string[]
}

export interface ReadPlan {
  blocks: ReadBlock[]
  /** Points that cannot be read: inside an unreadable range, or refused by the device on their own. */
  unreadable: string[]
}

interface Span {
  start: number
  end: number // exclusive
  points: PlanPoint[]
}

const TABLE_ORDER: readonly Table[] = ['coil', 'discrete', 'holding', 'input']

function overlapsRange(start: number, end: number, ranges: readonly AddressRange[], table: Table): boolean {
  return ranges.some((r) => r.table === table && r.from < end && r.to >= start)
}

/** Group points into spans of overlapping or touching addresses; touching points stay apart at a learned cut. */
function spansOf(points: PlanPoint[], cuts: readonly number[]): Span[] {
  const sorted = [...points].sort((a, b) => a.address - b.address || b.count - a.count)
  const spans: Span[] = []
  for (const point of sorted) {
    const last = spans.at(-1)
    const overlaps = last !== undefined && point.address < last.end
    const touches = last !== undefined && point.address === last.end && !cuts.includes(point.address)
    if (last && (overlaps || touches)) {
      last.end = Math.max(last.end, point.address + point.count)
      last.points.push(point)
    } else {
      spans.push({ start: point.address, end: point.address + point.count, points: [point] })
    }
  }
  return spans
}

/** Split a span too long for one request into pieces that each fit `limit` (points stay whole). */
function piecesOf(span: Span, limit: number): Span[] {
  if (span.end - span.start <= limit) return [span]
  const pieces: Span[] = []
  let piece: Span | undefined
  for (const point of span.points) {
    const end = point.address + point.count
    if (piece && end - piece.start <= limit) {
      piece.end = Math.max(piece.end, end)
      piece.points.push(point)
    } else {
      piece = { start: point.address, end, points: [point] }
      pieces.push(piece)
    }
  }
  return pieces
}

/**
 * Merge the points of one device into as few reads as the limits allow.
 * Pure: the same points, options and learned facts always give the same plan.
 */
export function planReads(points: readonly PlanPoint[], options: PlanOptions = {}, learned: PlanLearned = NOTHING_LEARNED): ReadPlan {
  const opts = { ...DEFAULT_PLAN_OPTIONS, ...options }
  const refused = new Set(learned.unreadablePoints)
  const unreadable: string[] = []
  const blocks: ReadBlock[] = []
  for (const table of TABLE_ORDER) {
    const bits = isBitTable(table)
    const limit = bits ? Math.min(opts.maxBits, MAX_READ_BITS) : Math.min(opts.maxRegisters, MAX_READ_REGISTERS)
    const maxGap = bits ? opts.maxBitGap : opts.maxRegisterGap
    const cuts = learned.cuts[table] ?? []
    const readable: PlanPoint[] = []
    for (const point of points) {
      if (point.table !== table) continue
      const blocked = refused.has(point.key) || overlapsRange(point.address, point.address + point.count, opts.unreadable, table)
      if (blocked || point.count > limit) unreadable.push(point.key)
      else readable.push(point)
    }
    let current: Span | undefined
    const flush = () => {
      if (current) blocks.push({ table, address: current.start, count: current.end - current.start, points: current.points.map((p) => p.key) })
    }
    for (const span of spansOf(readable, cuts).flatMap((s) => piecesOf(s, limit))) {
      const mergeable = current !== undefined &&
        span.start - current.end <= maxGap &&
        span.end - current.start <= limit &&
        !cuts.some((cut) => cut >= current!.end && cut <= span.start) &&
        !overlapsRange(current.end, span.start, opts.unreadable, table)
      if (current && mergeable) {
        current.end = Math.max(current.end, span.end)
        current.points.push(...span.points)
      } else {
        flush()
        current = { start: span.start, end: span.end, points: [...span.points] }
      }
    }
    flush()
  }
  return { blocks, unreadable }
}

/**
 * The device answered exception 02 (illegal data address) to `block`: split it for good.
 * A block bridging holes is cut at its widest hole; a contiguous block at its middle point boundary;
 * a block that cannot be split any more makes its points unreadable.
 */
export function learnIllegalAddress(learned: PlanLearned, block: ReadBlock, points: readonly PlanPoint[]): PlanLearned {
  const inBlock = points.filter((p) => block.points.includes(p.key))
  const cuts = learned.cuts[block.table] ?? []
  const spans = spansOf(inBlock, [])
  let cut: number | undefined
  if (spans.length > 1) {
    let widest = -1
    for (let i = 1; i < spans.length; i++) {
      const hole = spans[i]!.start - spans[i - 1]!.end
      if (hole > widest) {
        widest = hole
        cut = spans[i]!.start
      }
    }
  } else {
    const boundaries = [...new Set(inBlock.map((p) => p.address))]
      .sort((a, b) => a - b)
      .filter((address) => address > block.address && !inBlock.some((p) => p.address < address && p.address + p.count > address))
    cut = boundaries[Math.floor((boundaries.length - 1) / 2)]
  }
  if (cut === undefined || cuts.includes(cut)) {
    return { ...learned, unreadablePoints: [...new Set([...learned.unreadablePoints, ...block.points])] }
  }
  return { ...learned, cuts: { ...learned.cuts, [block.table]: [...cuts, cut].sort((a, b) => a - b) } }
}

/** Number of requests one poll of these points costs. */
export const requestCount = (plan: ReadPlan): number => plan.blocks.length
