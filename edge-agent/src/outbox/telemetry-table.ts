import type { Database as Db, Statement } from 'better-sqlite3'
import type { Sample } from '../../../protocols/sample.ts'
import type { ChannelDictionary } from './channel-dictionary.ts'
import { encodeRows, type TelemetryRow } from './telemetry-rows.ts'

/** A stored row without its body, and the body's size. */
export type RowHead = Omit<TelemetryRow, 'body'> & { bytes: number }

/** The oldest rows as caps look at them: [firstSeq, lastSeq, count, maxTs]. */
export type RowSpan = [firstSeq: number, lastSeq: number, count: number, maxTs: number]

/**
 * The `telemetry` table: committed samples as rows, each a contiguous range of sequence numbers
 * (see telemetry-rows.ts). Keeps the count of committed samples. Every write runs inside the
 * caller's transaction.
 */
export class TelemetryTable {
  private readonly sql: Record<'insert' | 'rowAt' | 'headsFrom' | 'bodyAt' | 'deleteWithin' | 'deleteRange' | 'count' | 'oldest' | 'maxSeq', Statement>
  /** committed samples in the table */
  private samples = 0
  /**
   * A sequence number that is the last of a stored row (the last batch ended there): reading after
   * it needs no look-up of a row straddling it. Forgotten when rows are merged.
   */
  private rowEndSeq: number | undefined

  constructor(db: Db, private readonly channels: ChannelDictionary) {
    this.sql = {
      insert: db.prepare('INSERT INTO telemetry (first_seq, last_seq, count, min_ts, max_ts, chans, body) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      rowAt: db.prepare('SELECT first_seq, last_seq FROM telemetry WHERE first_seq <= ? ORDER BY first_seq DESC LIMIT 1').raw(),
      headsFrom: db.prepare('SELECT first_seq, last_seq, count, min_ts, max_ts, chans, length(body) FROM telemetry WHERE first_seq >= ? ORDER BY first_seq LIMIT ?').raw(),
      bodyAt: db.prepare('SELECT body FROM telemetry WHERE first_seq = ?').pluck(),
      deleteWithin: db.prepare('DELETE FROM telemetry WHERE first_seq >= ? AND first_seq <= ? AND last_seq <= ? RETURNING count').pluck(),
      deleteRange: db.prepare('DELETE FROM telemetry WHERE first_seq >= ? AND first_seq <= ?'),
      count: db.prepare('SELECT coalesce(sum(count), 0) FROM telemetry').pluck(),
      oldest: db.prepare('SELECT first_seq, last_seq, count, max_ts FROM telemetry ORDER BY first_seq').raw(),
      maxSeq: db.prepare('SELECT max(last_seq) FROM telemetry').pluck(),
    }
    this.recount()
  }

  /** Committed samples. */
  get count(): number {
    return this.samples
  }

  /** The highest sequence number stored, 0 when none. */
  maxSeq(): number {
    return (this.sql.maxSeq.get() as number | null) ?? 0
  }

  /** Count again from the table (after a rolled-back transaction that had counted rows in or out). */
  recount(): void {
    this.samples = this.sql.count.get() as number
  }

  /** Store samples numbered firstSeq… as rows. */
  insert(samples: readonly Sample[], firstSeq: number): void {
    for (const row of encodeRows(samples, firstSeq, (device, channel) => this.channels.idOf(device, channel))) this.insertRow(row)
  }

  /** Rows of contiguous numbers replaced by their merge, `merged` (compaction). */
  replaceByMerge(merged: TelemetryRow): void {
    this.rowEndSeq = undefined
    this.sql.deleteRange.run(merged.firstSeq, merged.lastSeq)
    this.samples -= merged.count
    this.insertRow(merged)
  }

  /** Delete the rows lying entirely within firstSeq…lastSeq; returns the samples deleted. */
  deleteWithin(firstSeq: number, lastSeq: number): number {
    let deleted = 0
    for (const count of this.sql.deleteWithin.all(firstSeq, lastSeq, lastSeq) as number[]) deleted += count
    this.samples -= deleted
    return deleted
  }

  /** Every row, oldest first, without its body. */
  oldest(): IterableIterator<RowSpan> {
    return this.sql.oldest.iterate() as IterableIterator<RowSpan>
  }

  /** A batch ended with the whole row that ends at `seq`. */
  rememberRowEnd(seq: number | undefined): void {
    this.rowEndSeq = seq
  }

  /**
   * Committed rows holding sequence numbers after `afterSeq`, oldest first (the first may start at
   * or before it), while `visit` returns true. A row's body is read only when `visit` asks for it
   * (a row that does not fit a message costs no read of its body).
   */
  eachRowAfter(afterSeq: number, visit: (row: RowHead, body: () => Buffer) => boolean): void {
    let from = afterSeq + 1
    if (afterSeq !== this.rowEndSeq) {
      const before = this.sql.rowAt.get(afterSeq) as [number, number] | undefined
      if (before && before[1] > afterSeq) from = before[0]
    }
    // a message usually takes one or two large rows, or many small ones: read heads 4, then 64 at a time
    for (let page = 4; ; page = 64) {
      const heads = this.sql.headsFrom.all(from, page) as [number, number, number, number, number, string, number][]
      for (const [firstSeq, lastSeq, count, minTs, maxTs, chans, bytes] of heads) {
        const head = { firstSeq, lastSeq, count, minTs, maxTs, chans, bytes }
        if (!visit(head, () => this.sql.bodyAt.get(firstSeq) as Buffer)) return
      }
      if (heads.length < page) return
      from = heads[heads.length - 1]![1] + 1
    }
  }

  private insertRow(row: TelemetryRow): void {
    this.sql.insert.run(row.firstSeq, row.lastSeq, row.count, row.minTs, row.maxTs, row.chans, row.body)
    this.samples += row.count
  }
}
