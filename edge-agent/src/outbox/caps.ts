import type { Database as Db } from 'better-sqlite3'
import type { Journal } from './journal.ts'
import { reclaimFreePages, usedBytes } from './outbox-file.ts'
import type { RowSpan, TelemetryTable } from './telemetry-table.ts'

/** The oldest telemetry a cap drops: its exact count and sequence range. */
export interface Drop {
  firstSeq: number
  lastSeq: number
  count: number
}

export interface CapLimits {
  /** size cap of the database file */
  maxBytes: number | undefined
  /** age cap of telemetry */
  maxAgeMs: number | undefined
}

/**
 * The longest run of oldest rows for which `take` holds — after the rows handed out for sending
 * (through `handedOutThrough`) — its exact count and sequence range.
 */
function oldestPrefix(rows: Iterable<RowSpan>, handedOutThrough: number, take: (count: number, maxTs: number) => boolean): Drop | undefined {
  let first: number | undefined
  let last = 0
  let count = 0
  for (const [firstSeq, lastSeq, rowCount, maxTs] of rows) {
    if (first === undefined && firstSeq <= handedOutThrough) continue
    if (!take(rowCount, maxTs)) break
    first ??= firstSeq
    last = lastSeq
    count += rowCount
  }
  return first === undefined ? undefined : { firstSeq: first, lastSeq: last, count }
}

/**
 * The size and age caps: the oldest telemetry (never events) is dropped, and a buffer-overflow event
 * says how many samples and which range, committed in the same transaction as the drop.
 */
export class BufferCaps {
  constructor(
    private readonly db: Db,
    private readonly telemetry: TelemetryTable,
    private readonly journal: Journal,
    private readonly limits: CapLimits,
    private readonly clock: () => number,
  ) {}

  /** Apply both caps (`handedOutThrough`: telemetry up to it is on its way). Returns the events written. */
  enforce(handedOutThrough: number): number[] {
    const written: number[] = []
    const { maxAgeMs, maxBytes } = this.limits
    if (maxAgeMs !== undefined) {
      const cutoff = this.clock() - maxAgeMs
      // the oldest rows whose every sample is older than the cutoff (a prefix: the range is exact)
      const drop = oldestPrefix(this.telemetry.oldest(), handedOutThrough, (_, maxTs) => maxTs < cutoff)
      if (drop) written.push(this.dropAndReport(drop, 'age'))
    }
    if (maxBytes !== undefined && usedBytes(this.db) > maxBytes) {
      const used = usedBytes(this.db)
      // drop a tenth more than the overshoot suggests, so the cap is not hit again at once
      const share = Math.min(1, (used - maxBytes) / used + 0.1)
      const target = Math.max(1, Math.ceil(this.telemetry.count * share))
      let taken = 0
      const drop = oldestPrefix(this.telemetry.oldest(), handedOutThrough, (count) => {
        if (taken >= target) return false
        taken += count
        return true
      })
      if (drop) {
        written.push(this.dropAndReport(drop, 'size'))
        reclaimFreePages(this.db, Number.MAX_SAFE_INTEGER)
      }
    }
    return written
  }

  private dropAndReport(drop: Drop, cause: 'size' | 'age'): number {
    const event = { type: 'buffer-overflow', ts: this.clock(), count: drop.count, firstSeq: drop.firstSeq, lastSeq: drop.lastSeq, cause } as const
    return this.journal.commitEvents([event], () => {
      const deleted = this.telemetry.deleteWithin(drop.firstSeq, drop.lastSeq)
      if (deleted !== drop.count) throw new Error(`outbox: dropped ${deleted} samples, expected ${drop.count}`)
    })[0]!
  }
}
