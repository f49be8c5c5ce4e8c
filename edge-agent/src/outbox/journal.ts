import type { Database as Db, Statement } from 'better-sqlite3'
import type { AgentEvent } from '../../../protocols/mqtt/index.ts'
import type { Sample } from '../../../protocols/sample.ts'
import type { TelemetryTable } from './telemetry-table.ts'

/** An event before the outbox gives it its sequence number. */
export type NewEvent = AgentEvent extends infer E ? (E extends AgentEvent ? Omit<E, 'seq'> : never) : never

export interface JournalOptions {
  groupCommitMs: number
  groupCommitRecords: number
  /** after every commit of records */
  onCommit: (() => void) | undefined
  /** after a group commit of telemetry */
  afterGroupCommit: () => void
}

/**
 * The sequence and the journal: every sample and event gets the next number of one sequence, never
 * reused (persisted in meta.next_seq). Samples wait in the group-commit window; an event is committed
 * at once with a full sync, together with every sample queued before it. The event log is the
 * `events` table.
 */
export class Journal {
  private nextSeq: number
  /** the newest event committed (events are never renumbered) */
  private lastEventSeq: number
  /** samples in the open group-commit window */
  private pending: Sample[] = []
  private timer: NodeJS.Timeout | undefined
  private readonly sql: Record<'insertEvent' | 'setSeq' | 'nextEvents' | 'deleteEvent' | 'countEvents', Statement>

  constructor(private readonly db: Db, private readonly telemetry: TelemetryTable, private readonly options: JournalOptions) {
    this.sql = {
      insertEvent: db.prepare('INSERT INTO events (seq, ts, body) VALUES (?, ?, ?)'),
      setSeq: db.prepare("INSERT INTO meta (key, value) VALUES ('next_seq', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
      nextEvents: db.prepare('SELECT body FROM events WHERE seq > ? ORDER BY seq LIMIT ?').pluck(),
      deleteEvent: db.prepare('DELETE FROM events WHERE seq = ?'),
      countEvents: db.prepare('SELECT count(*) FROM events').pluck(),
    }
    const stored = db.prepare("SELECT value FROM meta WHERE key = 'next_seq'").pluck().get() as number | undefined
    const maxEvent = db.prepare('SELECT max(seq) FROM events').pluck().get() as number | null
    // never reuse a number, even if meta were behind the tables
    this.nextSeq = Math.max(stored ?? 1, telemetry.maxSeq() + 1, (maxEvent ?? 0) + 1)
    this.lastEventSeq = maxEvent ?? 0
  }

  /** The next sequence number to be given out. */
  get next(): number {
    return this.nextSeq
  }

  /** Samples in the open group-commit window. */
  get pendingCount(): number {
    return this.pending.length
  }

  /** Queue samples; they are committed within groupCommitMs (at once past groupCommitRecords). */
  appendSamples(samples: readonly Sample[]): void {
    this.assertOpen()
    for (const sample of samples) this.pending.push(sample)
    if (this.pending.length >= this.options.groupCommitRecords) this.flush()
    else this.timer ??= setTimeout(() => this.flush(), this.options.groupCommitMs)
  }

  /** Commit the queued samples now. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    if (this.pending.length === 0 || !this.db.open) return
    this.db.transaction(() => {
      this.writePending()
      this.sql.setSeq.run(this.nextSeq)
    })()
    this.options.onCommit?.()
    this.options.afterGroupCommit()
  }

  /**
   * Commit events now, in one transaction with one full sync, after every sample queued before them.
   * `within` runs in that transaction: what it writes is committed with the events, or not at all.
   * Returns the events' sequence numbers.
   */
  commitEvents(events: readonly NewEvent[], within?: () => void): number[] {
    this.assertOpen()
    const seqs: number[] = []
    try {
      this.db.transaction(() => {
        within?.()
        this.writePending()
        for (const event of events) {
          const seq = this.nextSeq++
          this.sql.insertEvent.run(seq, event.ts, JSON.stringify({ ...event, seq }))
          seqs.push(seq)
        }
        this.sql.setSeq.run(this.nextSeq)
      })()
    } catch (error) {
      // rolled back: the numbers given out are not reused all the same; the telemetry is counted again
      this.telemetry.recount()
      throw error
    }
    if (seqs.length > 0) {
      this.lastEventSeq = seqs[seqs.length - 1]!
      this.options.onCommit?.()
    }
    return seqs
  }

  /** The oldest committed events after `afterSeq`, in sequence order. */
  nextEvents(afterSeq: number, limit: number): AgentEvent[] {
    if (afterSeq >= this.lastEventSeq) return [] // nothing newer committed: no query (the drain asks before every message)
    return (this.sql.nextEvents.all(afterSeq, limit) as string[]).map((body) => JSON.parse(body) as AgentEvent)
  }

  /** Delete acknowledged events (inside the caller's transaction). */
  deleteEvents(seqs: readonly number[]): void {
    for (const seq of seqs) this.sql.deleteEvent.run(seq)
  }

  eventCount(): number {
    return this.sql.countEvents.get() as number
  }

  assertOpen(): void {
    if (!this.db.open) throw new Error('outbox is closed')
  }

  private writePending(): void {
    const pending = this.pending
    if (pending.length === 0) return
    this.pending = []
    this.telemetry.insert(pending, this.nextSeq)
    this.nextSeq += pending.length
  }
}
