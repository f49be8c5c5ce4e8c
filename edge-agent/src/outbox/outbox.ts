import Database, { type Database as Db, type Statement } from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { AgentEvent } from '../../../protocols/mqtt/index.ts'
import type { SequencedSample } from '../../../protocols/mqtt/index.ts'
import { QUALITIES, type Quality } from '../../../protocols/quality.ts'
import type { Sample } from '../../../protocols/sample.ts'

/** An event before the outbox gives it its sequence number. */
export type NewEvent = AgentEvent extends infer E ? (E extends AgentEvent ? Omit<E, 'seq'> : never) : never

export interface OutboxOptions {
  path: string
  /** telemetry is committed at least this often */
  groupCommitMs?: number
  /** … or as soon as this many samples wait */
  groupCommitRecords?: number
  /** size cap of the database file; past it the oldest telemetry is dropped (never events) */
  maxBytes?: number
  /** age cap; older telemetry is dropped (never events) */
  maxAgeMs?: number
  clock?: () => number
  /** called after every commit, so a sender can pick up what became durable */
  onCommit?: () => void
}

export const OUTBOX_DEFAULTS = { groupCommitMs: 100, groupCommitRecords: 5000 } as const

const QUALITY_CODE = new Map<Quality, number>(QUALITIES.map((q, i) => [q, i]))
const BOOLEAN_FLAG = 16

/**
 * The gateway's store-and-forward buffer: samples and events with the gateway's sequence number,
 * in SQLite (WAL). Telemetry is group-committed (≤ groupCommitMs); an event is committed at once with
 * a full sync, together with every sample received before it. A record leaves only when acknowledged.
 */
export class Outbox {
  private readonly db: Db
  private readonly clock: () => number
  private readonly options: Required<Omit<OutboxOptions, 'maxBytes' | 'maxAgeMs' | 'clock' | 'onCommit'>> & Pick<OutboxOptions, 'maxBytes' | 'maxAgeMs' | 'onCommit'>
  private pending: Sample[] = []
  private timer: NodeJS.Timeout | undefined
  private nextSeq: number
  private readonly channelIds = new Map<string, number>()
  private readonly reasonIds = new Map<string, number>()
  private readonly reasons = new Map<number, string>()
  private readonly channels = new Map<number, { device: string; channel: string }>()
  private readonly stmt: Record<'insertSample' | 'insertEvent' | 'insertChannel' | 'insertReason' | 'setSeq' | 'nextSamples' | 'nextEvents' | 'deleteSamples' | 'deleteEvent' | 'countSamples' | 'countEvents', Statement>
  private closed = false

  constructor(options: OutboxOptions) {
    this.options = { ...OUTBOX_DEFAULTS, ...options }
    this.clock = options.clock ?? Date.now
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true })
    this.db = new Database(options.path)
    // must precede the first table: lets acknowledged space be given back to the file system
    this.db.pragma('auto_vacuum = INCREMENTAL')
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = NORMAL')
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
      CREATE TABLE IF NOT EXISTS channels (id INTEGER PRIMARY KEY, device TEXT NOT NULL, channel TEXT NOT NULL, UNIQUE (device, channel)) STRICT;
      CREATE TABLE IF NOT EXISTS reasons (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE) STRICT;
      CREATE TABLE IF NOT EXISTS samples (seq INTEGER PRIMARY KEY, ch INTEGER NOT NULL, ts INTEGER NOT NULL, v ANY, q INTEGER NOT NULL, r INTEGER) STRICT;
      CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, body TEXT NOT NULL) STRICT;
    `)
    this.stmt = {
      insertSample: this.db.prepare('INSERT INTO samples (seq, ch, ts, v, q, r) VALUES (?, ?, ?, ?, ?, ?)'),
      insertEvent: this.db.prepare('INSERT INTO events (seq, ts, body) VALUES (?, ?, ?)'),
      insertChannel: this.db.prepare('INSERT INTO channels (device, channel) VALUES (?, ?) RETURNING id'),
      insertReason: this.db.prepare('INSERT INTO reasons (text) VALUES (?) RETURNING id'),
      setSeq: this.db.prepare("INSERT INTO meta (key, value) VALUES ('next_seq', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
      nextSamples: this.db.prepare('SELECT seq, ch, ts, v, q, r FROM samples WHERE seq > ? ORDER BY seq LIMIT ?').raw(),
      nextEvents: this.db.prepare('SELECT body FROM events WHERE seq > ? ORDER BY seq LIMIT ?').pluck(),
      deleteSamples: this.db.prepare('DELETE FROM samples WHERE seq BETWEEN ? AND ?'),
      deleteEvent: this.db.prepare('DELETE FROM events WHERE seq = ?'),
      countSamples: this.db.prepare('SELECT count(*) FROM samples').pluck(),
      countEvents: this.db.prepare('SELECT count(*) FROM events').pluck(),
    }
    for (const row of this.db.prepare('SELECT id, device, channel FROM channels').all() as { id: number; device: string; channel: string }[]) {
      this.channelIds.set(`${row.device}/${row.channel}`, row.id)
      this.channels.set(row.id, { device: row.device, channel: row.channel })
    }
    for (const row of this.db.prepare('SELECT id, text FROM reasons').all() as { id: number; text: string }[]) {
      this.reasonIds.set(row.text, row.id)
      this.reasons.set(row.id, row.text)
    }
    const stored = this.db.prepare("SELECT value FROM meta WHERE key = 'next_seq'").pluck().get() as number | undefined
    const maxSample = this.db.prepare('SELECT max(seq) FROM samples').pluck().get() as number | null
    const maxEvent = this.db.prepare('SELECT max(seq) FROM events').pluck().get() as number | null
    // never reuse a number, even if meta were behind the tables
    this.nextSeq = Math.max(stored ?? 1, (maxSample ?? 0) + 1, (maxEvent ?? 0) + 1)
  }

  /** Queue samples; they are committed within groupCommitMs (at once past groupCommitRecords). */
  appendSamples(samples: readonly Sample[]): void {
    this.assertOpen()
    for (const sample of samples) this.pending.push(sample)
    if (this.pending.length >= this.options.groupCommitRecords) this.flush()
    else this.timer ??= setTimeout(() => this.flush(), this.options.groupCommitMs)
  }

  /** Commit an event now, with a full sync, after every sample queued before it. Returns its sequence number. */
  appendEvent(event: NewEvent): number {
    return this.commitEvent(event)
  }

  /** `before` runs in the event's transaction: a cap's drop is committed with the event that reports it, or not at all. */
  private commitEvent(event: NewEvent, before?: () => void): number {
    this.assertOpen()
    this.db.pragma('synchronous = FULL')
    try {
      let seq = 0
      this.db.transaction(() => {
        before?.()
        this.writePending()
        seq = this.nextSeq++
        this.stmt.insertEvent.run(seq, event.ts, JSON.stringify({ ...event, seq }))
        this.stmt.setSeq.run(this.nextSeq)
      })()
      this.options.onCommit?.()
      return seq
    } finally {
      this.db.pragma('synchronous = NORMAL')
    }
  }

  /** Commit the queued samples now. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    if (this.pending.length === 0 || this.closed) return
    this.db.transaction(() => {
      this.writePending()
      this.stmt.setSeq.run(this.nextSeq)
    })()
    this.options.onCommit?.()
  }

  private writePending(): void {
    const pending = this.pending
    this.pending = []
    for (const s of pending) {
      const value = typeof s.value === 'boolean' ? (s.value ? 1 : 0) : s.value
      const code = QUALITY_CODE.get(s.quality)! | (typeof s.value === 'boolean' ? BOOLEAN_FLAG : 0)
      const reason = s.quality !== 'good' && s.reason !== undefined ? this.reasonId(s.reason) : null
      this.stmt.insertSample.run(this.nextSeq++, this.channelId(s.device, s.channel), s.ts, value, code, reason)
    }
  }

  private channelId(device: string, channel: string): number {
    const key = `${device}/${channel}`
    let id = this.channelIds.get(key)
    if (id === undefined) {
      id = (this.stmt.insertChannel.get(device, channel) as { id: number }).id
      this.channelIds.set(key, id)
      this.channels.set(id, { device, channel })
    }
    return id
  }

  private reasonId(text: string): number {
    let id = this.reasonIds.get(text)
    if (id === undefined) {
      id = (this.stmt.insertReason.get(text) as { id: number }).id
      this.reasonIds.set(text, id)
      this.reasons.set(id, text)
    }
    return id
  }

  /** The oldest committed samples after `afterSeq`, in sequence order. */
  nextSamples(afterSeq: number, limit: number): SequencedSample[] {
    const rows = this.stmt.nextSamples.all(afterSeq, limit) as [number, number, number, number | string | null, number, number | null][]
    return rows.map(([seq, ch, ts, v, q, r]) => {
      const { device, channel } = this.channels.get(ch)!
      const quality = QUALITIES[q & ~BOOLEAN_FLAG]!
      const value = q & BOOLEAN_FLAG ? v === 1 : v
      const reason = r === null ? undefined : this.reasons.get(r)
      return { seq, device, channel, ts, value, quality, ...(reason !== undefined && { reason }) }
    })
  }

  /** The oldest committed events after `afterSeq`, in sequence order. */
  nextEvents(afterSeq: number, limit: number): AgentEvent[] {
    return (this.stmt.nextEvents.all(afterSeq, limit) as string[]).map((body) => JSON.parse(body) as AgentEvent)
  }

  /** The broker has these samples (inclusive range of sequence numbers): forget them. */
  acknowledgeSamples(firstSeq: number, lastSeq: number): void {
    this.stmt.deleteSamples.run(firstSeq, lastSeq)
  }

  acknowledgeEvents(seqs: readonly number[]): void {
    this.db.transaction(() => {
      for (const seq of seqs) this.stmt.deleteEvent.run(seq)
    })()
  }

  /** Records waiting to be sent (committed ones, and samples still in the group-commit window). */
  depth(): { samples: number; events: number; pending: number } {
    return { samples: this.stmt.countSamples.get() as number, events: this.stmt.countEvents.get() as number, pending: this.pending.length }
  }

  /** Bytes the database holds in live pages (the file shrinks to this after reclaim()). */
  usedBytes(): number {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number
    const pages = this.db.pragma('page_count', { simple: true }) as number
    const free = this.db.pragma('freelist_count', { simple: true }) as number
    return (pages - free) * pageSize
  }

  /** Give free pages back to the file system (deleting rows alone never shrinks the file). */
  reclaim(maxPages = 10_000): void {
    this.db.pragma(`incremental_vacuum(${Math.max(1, Math.floor(maxPages))})`)
    this.db.pragma('wal_checkpoint(PASSIVE)')
  }

  /**
   * Apply the size and age caps: drop the oldest telemetry (never events) and record a
   * buffer-overflow event with the exact count and sequence range dropped. Returns the events written.
   */
  enforceCaps(): number[] {
    this.flush()
    const written: number[] = []
    const { maxAgeMs, maxBytes } = this.options
    if (maxAgeMs !== undefined) {
      const cutoff = this.clock() - maxAgeMs
      const range = this.db.prepare('SELECT min(seq) AS first, max(seq) AS last, count(*) AS count FROM samples WHERE ts < ?').get(cutoff) as { first: number | null; last: number | null; count: number }
      if (range.count > 0) {
        const deleteDropped = (): void => void this.db.prepare('DELETE FROM samples WHERE ts < ?').run(cutoff)
        written.push(this.commitEvent({ type: 'buffer-overflow', ts: this.clock(), count: range.count, firstSeq: range.first!, lastSeq: range.last!, cause: 'age' }, deleteDropped))
      }
    }
    if (maxBytes !== undefined && this.usedBytes() > maxBytes) {
      const total = this.stmt.countSamples.get() as number
      // drop a tenth more than the overshoot suggests, so the cap is not hit again at once
      const share = Math.min(1, (this.usedBytes() - maxBytes) / this.usedBytes() + 0.1)
      const drop = Math.max(1, Math.ceil(total * share))
      const range = this.db.prepare('SELECT min(seq) AS first, max(seq) AS last, count(*) AS count FROM (SELECT seq FROM samples ORDER BY seq LIMIT ?)').get(drop) as { first: number | null; last: number | null; count: number }
      if (range.count > 0) {
        const deleteDropped = (): void => void this.db.prepare('DELETE FROM samples WHERE seq BETWEEN ? AND ?').run(range.first, range.last)
        written.push(this.commitEvent({ type: 'buffer-overflow', ts: this.clock(), count: range.count, firstSeq: range.first!, lastSeq: range.last!, cause: 'size' }, deleteDropped))
        this.reclaim(Number.MAX_SAFE_INTEGER)
      }
    }
    return written
  }

  /** The next sequence number to be given out (for status and tests). */
  peekNextSeq(): number {
    return this.nextSeq
  }

  close(): void {
    if (this.closed) return
    this.flush()
    this.closed = true
    this.db.close()
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('outbox is closed')
  }
}
