import type { Database as Db } from 'better-sqlite3'
import { transactionWithoutSync } from './outbox-file.ts'
import type { TelemetryTable } from './telemetry-table.ts'

/** Acknowledgements applied together at most this many … */
const QUEUE_LENGTH = 16
/** … or this long after the first of them. */
const QUEUE_MS = 20

/**
 * Acknowledged telemetry, deleted a little later, several acknowledgements in one transaction
 * without a sync of its own (at 16 acknowledgements, within 20 ms, or before anything could read
 * the rows again): the drain's PUBACK path. If the process dies first, the rows are sent again
 * (duplicates, never a loss).
 */
export class AcknowledgementQueue {
  private queue: [firstSeq: number, lastSeq: number][] = []
  /** the highest lastSeq queued */
  private queuedThrough = 0
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly db: Db, private readonly telemetry: TelemetryTable) {}

  add(firstSeq: number, lastSeq: number): void {
    this.queue.push([firstSeq, lastSeq])
    if (lastSeq > this.queuedThrough) this.queuedThrough = lastSeq
    if (this.queue.length >= QUEUE_LENGTH) this.apply()
    else if (!this.timer) {
      this.timer = setTimeout(() => this.apply(), QUEUE_MS)
      this.timer.unref?.()
    }
  }

  /** Apply what is queued before rows after `afterSeq` are read: none of them comes back. */
  applyBeforeReadingAfter(afterSeq: number): void {
    if (this.queue.length > 0 && afterSeq < this.queuedThrough) this.apply()
  }

  /** Delete the rows of queued acknowledgements now. */
  apply(): void {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    if (this.queue.length === 0 || !this.db.open) return
    const queue = this.queue
    this.queue = []
    transactionWithoutSync(this.db, () => {
      for (const [first, last] of queue) this.telemetry.deleteWithin(first, last)
    })
  }
}
