import Database, { type Database as Db, type Statement } from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { AgentEvent } from '../../../protocols/mqtt/index.ts'
import type { SequencedSample } from '../../../protocols/mqtt/index.ts'
import { QUALITIES } from '../../../protocols/quality.ts'
import type { Sample } from '../../../protocols/sample.ts'
import { decodeRow, encodeRows, mergeRows, mergeStoredRows, ROW_MAX_BYTES, ROW_MAX_SAMPLES, sliceRow, type TelemetryRow } from './telemetry-rows.ts'

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
  /**
   * small rows (one group-commit window each) are merged into rows of up to 5,000 samples once
   * they are this old and still unsent — during an outage — so a backlog drains as a few large
   * rows (default 10 s; 0 turns compaction off)
   */
  compactAfterMs?: number
  /** called after every commit, so a sender can pick up what became durable */
  onCommit?: () => void
}

export const OUTBOX_DEFAULTS = { groupCommitMs: 100, groupCommitRecords: 5000, compactAfterMs: 10_000 } as const

/** a row with fewer samples is merged with its neighbours by compaction */
const SMALL_ROW = 1000
/** compaction runs once this many samples in small rows are old enough */
const COMPACT_MIN_SAMPLES = 5000

const BOOLEAN_FLAG = 16

/** A stored row without its body, and the body's size. */
type RowHead = Omit<TelemetryRow, 'body'> & { bytes: number }

/** A wire batch built from the outbox, with what the sender needs to acknowledge it. */
export interface TelemetryBatchText {
  /** a TelemetryBatch as UTF-8 JSON */
  payload: Buffer
  /** acknowledge with acknowledgeSamples(rowFirstSeq, lastSeq): the rows this batch completes */
  rowFirstSeq: number
  firstSeq: number
  lastSeq: number
  count: number
  /** the oldest sample time in the batch */
  minTs: number
  /** the batch stopped at a limit (more is waiting, or it reached maxSamples or maxBytes) */
  full: boolean
}

/**
 * The gateway's store-and-forward buffer: samples and events with the gateway's sequence number,
 * in SQLite (WAL). Telemetry is group-committed (≤ groupCommitMs) as rows of already-encoded
 * groups (see telemetry-rows.ts), each a contiguous range of sequence numbers; an event is
 * committed at once with a full sync, together with every sample received before it. A record
 * leaves only when acknowledged; telemetry leaves as whole rows.
 */
export class Outbox {
  private readonly db: Db
  private readonly clock: () => number
  private readonly options: Required<Omit<OutboxOptions, 'maxBytes' | 'maxAgeMs' | 'clock' | 'onCommit'>> & Pick<OutboxOptions, 'maxBytes' | 'maxAgeMs' | 'onCommit'>
  private pending: Sample[] = []
  private timer: NodeJS.Timeout | undefined
  private nextSeq: number
  private readonly channelIds = new Map<string, number>()
  private readonly channels = new Map<number, string>()
  private readonly channelJson = new Map<number, string>()
  /** the start of a batch whose dictionary is the gateway's, entries 0…n (names never change) */
  private readonly denseHeads = new Map<string, Buffer>()
  private readonly stmt: Record<'insertRow' | 'insertEvent' | 'insertChannel' | 'setSeq' | 'headsFrom' | 'bodyAt' | 'rowAt' | 'nextEvents' | 'deleteRows' | 'deleteRange' | 'deleteEvent' | 'countEvents' | 'oldestRows', Statement>
  /** committed samples in the telemetry table */
  private telemetryCount: number
  private closed = false

  constructor(options: OutboxOptions) {
    this.options = { ...OUTBOX_DEFAULTS, ...options }
    this.clock = options.clock ?? Date.now
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true })
    this.db = new Database(options.path)
    // must precede the first table: lets acknowledged space be given back to the file system
    this.db.pragma('auto_vacuum = INCREMENTAL')
    this.db.pragma('journal_mode = WAL')
    // every commit of records is synced (group commit makes that ≤ 10 fsyncs a second for telemetry), so a
    // power cut loses at most the open group-commit window; deletions after a PUBACK are not (see relaxed())
    this.db.pragma('synchronous = FULL')
    // 8 MiB of page cache: a message's rows are read, then deleted at its PUBACK, while still cached;
    // rows are read through a memory map (no read call per page: a backlog row spans tens of pages)
    this.db.pragma('cache_size = -8192')
    this.db.pragma('mmap_size = 134217728')
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
      CREATE TABLE IF NOT EXISTS channels (id INTEGER PRIMARY KEY, device TEXT NOT NULL, channel TEXT NOT NULL, UNIQUE (device, channel)) STRICT;
      CREATE TABLE IF NOT EXISTS telemetry (first_seq INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL, count INTEGER NOT NULL, min_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL, chans TEXT NOT NULL, body BLOB NOT NULL) STRICT;
      CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, body TEXT NOT NULL) STRICT;
      CREATE TABLE IF NOT EXISTS safety_state (key TEXT PRIMARY KEY, body TEXT NOT NULL) STRICT;
    `)
    this.stmt = {
      insertRow: this.db.prepare('INSERT INTO telemetry (first_seq, last_seq, count, min_ts, max_ts, chans, body) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      insertEvent: this.db.prepare('INSERT INTO events (seq, ts, body) VALUES (?, ?, ?)'),
      insertChannel: this.db.prepare('INSERT INTO channels (device, channel) VALUES (?, ?) RETURNING id'),
      setSeq: this.db.prepare("INSERT INTO meta (key, value) VALUES ('next_seq', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
      rowAt: this.db.prepare('SELECT first_seq, last_seq FROM telemetry WHERE first_seq <= ? ORDER BY first_seq DESC LIMIT 1').raw(),
      headsFrom: this.db.prepare('SELECT first_seq, last_seq, count, min_ts, max_ts, chans, length(body) FROM telemetry WHERE first_seq >= ? ORDER BY first_seq LIMIT ?').raw(),
      bodyAt: this.db.prepare('SELECT body FROM telemetry WHERE first_seq = ?').pluck(),
      nextEvents: this.db.prepare('SELECT body FROM events WHERE seq > ? ORDER BY seq LIMIT ?').pluck(),
      deleteRows: this.db.prepare('DELETE FROM telemetry WHERE first_seq >= ? AND first_seq <= ? AND last_seq <= ? RETURNING count').pluck(),
      deleteRange: this.db.prepare('DELETE FROM telemetry WHERE first_seq >= ? AND first_seq <= ?'),
      deleteEvent: this.db.prepare('DELETE FROM events WHERE seq = ?'),
      countEvents: this.db.prepare('SELECT count(*) FROM events').pluck(),
      oldestRows: this.db.prepare('SELECT first_seq, last_seq, count, max_ts FROM telemetry ORDER BY first_seq').raw(),
    }
    for (const row of this.db.prepare('SELECT id, device, channel FROM channels').all() as { id: number; device: string; channel: string }[]) {
      this.rememberChannel(row.id, row.device, row.channel)
    }
    this.migratePerSampleRows()
    this.telemetryCount = (this.db.prepare('SELECT coalesce(sum(count), 0) FROM telemetry').pluck().get() as number)
    const stored = this.db.prepare("SELECT value FROM meta WHERE key = 'next_seq'").pluck().get() as number | undefined
    const maxSample = this.db.prepare('SELECT max(last_seq) FROM telemetry').pluck().get() as number | null
    const maxEvent = this.db.prepare('SELECT max(seq) FROM events').pluck().get() as number | null
    // never reuse a number, even if meta were behind the tables
    this.nextSeq = Math.max(stored ?? 1, (maxSample ?? 0) + 1, (maxEvent ?? 0) + 1)
    // rows found at open are old: compaction may merge them at once
    this.openedSeq = this.nextSeq
    this.lastEventSeq = maxEvent ?? 0
  }

  private readonly openedSeq: number
  /** the last seq given to the sender since its connection began (see releaseHandedOut) */
  private handedOutThrough = 0
  /** the newest event committed (events are never renumbered) */
  private lastEventSeq: number
  /** the last number of a whole row the last batch ended with: no row straddles it (reset by compaction) */
  private rowEndHint: number | undefined
  private oldSeq = 0

  /** An outbox file of the per-sample format (samples table) becomes rows, in one transaction. */
  private migratePerSampleRows(): void {
    const exists = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'samples'").get()
    if (!exists) return
    const reasons = new Map<number, string>()
    const hasReasons = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'reasons'").get()
    if (hasReasons) for (const r of this.db.prepare('SELECT id, text FROM reasons').all() as { id: number; text: string }[]) reasons.set(r.id, r.text)
    const old = this.db.prepare('SELECT seq, ch, ts, v, q, r FROM samples ORDER BY seq').raw().all() as [number, number, number, number | string | null, number, number | null][]
    this.db.transaction(() => {
      let run: Sample[] = []
      let runFirst = 0
      const close = (): void => {
        if (run.length > 0) this.insertRows(run, runFirst)
        run = []
      }
      for (const [seq, ch, ts, v, q, r] of old) {
        if (run.length > 0 && seq !== runFirst + run.length) close()
        if (run.length === 0) runFirst = seq
        const name = this.channels.get(ch) ?? 'unknown/unknown'
        const slash = name.indexOf('/')
        const quality = QUALITIES[q & ~BOOLEAN_FLAG] ?? 'device-fault'
        const reason = r === null ? undefined : reasons.get(r)
        run.push({ device: name.slice(0, slash), channel: name.slice(slash + 1), ts, value: q & BOOLEAN_FLAG ? v === 1 : v, quality, ...(reason !== undefined && { reason }) })
      }
      close()
      this.db.exec('DROP TABLE samples; DROP TABLE IF EXISTS reasons;')
    })()
  }

  private rememberChannel(id: number, device: string, channel: string): void {
    const key = `${device}/${channel}`
    this.channelIds.set(key, id)
    this.channels.set(id, key)
    this.channelJson.set(id, JSON.stringify(key))
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

  /**
   * Commit several events and the safety state they change in one transaction with one full sync:
   * an alarm or an interlock trip is never on disk without the state that explains it, nor the reverse.
   * A state value of null deletes the key. Returns the events' sequence numbers.
   */
  commitEvents(events: readonly NewEvent[], state: Iterable<readonly [string, string | null]> = []): number[] {
    this.assertOpen()
    const seqs: number[] = []
    const firstSeq = this.nextSeq
    const lastEventSeq = this.lastEventSeq
    try {
      this.db.transaction(() => {
        this.writePending()
        for (const event of events) {
          const seq = this.nextSeq++
          this.stmt.insertEvent.run(seq, event.ts, JSON.stringify({ ...event, seq }))
          seqs.push(seq)
        }
        for (const [key, body] of state) {
          if (body === null) this.db.prepare('DELETE FROM safety_state WHERE key = ?').run(key)
          else this.db.prepare('INSERT INTO safety_state (key, body) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET body = excluded.body').run(key, body)
        }
        this.stmt.setSeq.run(this.nextSeq)
      })()
    } catch (error) {
      // rolled back: the numbers were not used (never published), the counts are read again
      this.nextSeq = Math.max(firstSeq, this.nextSeq)
      this.lastEventSeq = lastEventSeq
      this.telemetryCount = this.db.prepare('SELECT coalesce(sum(count), 0) FROM telemetry').pluck().get() as number
      throw error
    }
    if (seqs.length > 0) this.lastEventSeq = seqs[seqs.length - 1]!
    if (events.length > 0) this.options.onCommit?.()
    return seqs
  }

  /** The safety state saved by commitEvents: key → body. */
  loadState(): Map<string, string> {
    this.assertOpen()
    const rows = this.db.prepare('SELECT key, body FROM safety_state').raw().all() as [string, string][]
    return new Map(rows)
  }

  /** `before` runs in the event's transaction: a cap's drop is committed with the event that reports it, or not at all. */
  private commitEvent(event: NewEvent, before?: () => void): number {
    this.assertOpen()
    try {
      let seq = 0
      this.db.transaction(() => {
        before?.()
        this.writePending()
        seq = this.nextSeq++
        this.stmt.insertEvent.run(seq, event.ts, JSON.stringify({ ...event, seq }))
        this.lastEventSeq = seq
        this.stmt.setSeq.run(this.nextSeq)
      })()
      this.options.onCommit?.()
      return seq
    } catch (error) {
      // rolled back: recount what the transaction had counted in or out
      this.telemetryCount = this.db.prepare('SELECT coalesce(sum(count), 0) FROM telemetry').pluck().get() as number
      throw error
    }
  }

  /** Deleting acknowledged records needs no sync of its own: lost in a power cut, it only means a resend. */
  private relaxed(work: () => void): void {
    this.db.pragma('synchronous = NORMAL')
    try {
      this.db.transaction(work)()
    } finally {
      this.db.pragma('synchronous = FULL')
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
    this.compactOld()
  }

  /** (time, next sequence number) at commits: what was committed before a given time */
  private readonly commitMarks: { at: number; seq: number }[] = []
  /** every row ending before this number has been looked at by compaction */
  private compactedThrough = 0

  /**
   * Merge runs of small, seq-contiguous rows committed at least compactAfterMs ago into rows of up
   * to ROW_MAX_SAMPLES (one transaction: the merged row replaces them). The uplink is unaffected:
   * a row it has in flight that gets merged is simply not deleted by that acknowledgement, and its
   * unsent rest is read again as a slice (see nextTelemetryBatch).
   */
  compactOld(): void {
    const { compactAfterMs } = this.options
    if (!compactAfterMs || this.closed) return
    this.applyAcknowledgements()
    const now = this.clock()
    const marks = this.commitMarks
    if (marks.length === 0 || now - marks[marks.length - 1]!.at >= 1000) marks.push({ at: now, seq: this.nextSeq })
    // the newest mark old enough: rows ending before its number were committed long enough ago
    let old = this.openedSeq
    while (marks.length > 0 && now - marks[0]!.at >= compactAfterMs) old = Math.max(old, marks.shift()!.seq)
    this.oldSeq = Math.max(this.oldSeq, old)
    if (this.oldSeq - this.compactedThrough < COMPACT_MIN_SAMPLES) return
    const limitSeq = this.oldSeq
    const runs: TelemetryRow[][] = []
    let run: TelemetryRow[] = []
    let runCount = 0
    let runBytes = 0
    let through = this.compactedThrough
    const close = (): void => {
      if (run.length > 1) runs.push(run)
      run = []
      runCount = runBytes = 0
    }
    let scanned = 0
    this.eachRowAfter(this.compactedThrough, (head, readBody) => {
      if (head.lastSeq >= limitSeq || ++scanned > 2000) return false
      const row: TelemetryRow = { ...head, body: head.count < SMALL_ROW ? readBody() : Buffer.alloc(0) }
      const small = row.count < SMALL_ROW
      const contiguous = run.length > 0 && run[run.length - 1]!.lastSeq + 1 === row.firstSeq
      if (!small || !contiguous || runCount + row.count > ROW_MAX_SAMPLES || runBytes + row.body.length > ROW_MAX_BYTES) close()
      if (small) {
        run.push(row)
        runCount += row.count
        runBytes += row.body.length + 1
      }
      through = row.lastSeq
      return true
    })
    // the last run may still grow with rows not yet old enough: leave it for the next time
    if (run.length > 0 && runCount < ROW_MAX_SAMPLES * 0.9 && scanned <= 2000) through = run[0]!.firstSeq - 1
    else close()
    this.compactedThrough = through
    if (runs.length === 0) return
    this.rowEndHint = undefined
    this.db.transaction(() => {
      for (const rows of runs) {
        const merged = mergeStoredRows(rows)
        this.stmt.deleteRange.run(merged.firstSeq, merged.lastSeq)
        this.stmt.insertRow.run(merged.firstSeq, merged.lastSeq, merged.count, merged.minTs, merged.maxTs, merged.chans, merged.body)
      }
    })()
  }

  private writePending(): void {
    const pending = this.pending
    if (pending.length === 0) return
    this.pending = []
    this.insertRows(pending, this.nextSeq)
    this.nextSeq += pending.length
  }

  /** Store samples numbered firstSeq… as rows (inside the caller's transaction). */
  private insertRows(samples: readonly Sample[], firstSeq: number): void {
    for (const row of encodeRows(samples, firstSeq, (device, channel) => this.channelId(device, channel))) {
      this.stmt.insertRow.run(row.firstSeq, row.lastSeq, row.count, row.minTs, row.maxTs, row.chans, row.body)
      this.telemetryCount += row.count
    }
  }

  private channelId(device: string, channel: string): number {
    const id = this.channelIds.get(`${device}/${channel}`)
    if (id !== undefined) return id
    const created = (this.stmt.insertChannel.get(device, channel) as { id: number }).id
    this.rememberChannel(created, device, channel)
    return created
  }

  /**
   * Committed rows holding sequence numbers after `afterSeq`, oldest first (the first may start at
   * or before it), while `visit` returns true. A row's body is read only when `visit` asks for it
   * (a row that does not fit a message costs no read of its body).
   */
  private eachRowAfter(afterSeq: number, visit: (row: RowHead, body: () => Buffer) => boolean): void {
    if (this.ackQueue.length > 0 && afterSeq < this.ackQueueLast) this.applyAcknowledgements()
    let from = afterSeq + 1
    if (afterSeq !== this.rowEndHint) {
      const before = this.stmt.rowAt.get(afterSeq) as [number, number] | undefined
      if (before && before[1] > afterSeq) from = before[0]
    }
    // a message usually takes one or two large rows, or many small ones: read heads 4, then 64 at a time
    for (let page = 4; ; page = 64) {
      const heads = this.stmt.headsFrom.all(from, page) as [number, number, number, number, number, string, number][]
      for (const [firstSeq, lastSeq, count, minTs, maxTs, chans, bytes] of heads) {
        const head = { firstSeq, lastSeq, count, minTs, maxTs, chans, bytes }
        if (!visit(head, () => this.stmt.bodyAt.get(firstSeq) as Buffer)) return
      }
      if (heads.length < page) return
      from = heads[heads.length - 1]![1] + 1
    }
  }

  /**
   * The next telemetry message after `afterSeq`: whole rows merged into one batch of at most
   * maxSamples samples and maxBytes bytes (a row is split only when it alone exceeds a limit, or
   * when afterSeq falls inside it). Undefined when nothing is committed after afterSeq.
   */
  nextTelemetryBatch(gateway: string, afterSeq: number, maxSamples: number, maxBytes: number): TelemetryBatchText | undefined {
    const picked: TelemetryRow[] = []
    let samples = 0
    let bytes = 0
    let full = false
    let rowFirstSeq = 0
    let lastStoredSeq = 0
    this.eachRowAfter(afterSeq, (head, readBody) => {
      if (picked.length === 0) rowFirstSeq = head.firstSeq
      const sliced = head.firstSeq <= afterSeq
      if (!sliced && picked.length > 0 && (samples + head.count > maxSamples || bytes + head.bytes > maxBytes / 2)) {
        full = true
        return false
      }
      let row: TelemetryRow = { ...head, body: readBody() }
      if (sliced) row = sliceRow(row, afterSeq + 1, row.lastSeq)
      if (samples + row.count > maxSamples || bytes + row.body.length > maxBytes / 2) {
        full = true
        if (picked.length > 0) return false
        // a row alone beyond a limit: send its first part now
        const fit = Math.max(1, Math.min(maxSamples, Math.floor(row.count * (maxBytes / 2) / Math.max(1, row.body.length))))
        row = sliceRow(row, row.firstSeq, row.firstSeq + fit - 1)
      }
      picked.push(row)
      lastStoredSeq = head.lastSeq
      samples += row.count
      bytes += row.body.length
      if (samples >= maxSamples) full = true
      return !full
    })
    if (picked.length === 0) return undefined
    let payload = mergeRows(gateway, picked, (index) => this.channelJson.get(index + 1) ?? '"unknown/unknown"', this.denseHeads)
    while (payload.length > maxBytes && picked.length > 1) {
      picked.length = Math.ceil(picked.length / 2)
      full = true
      payload = mergeRows(gateway, picked, (index) => this.channelJson.get(index + 1) ?? '"unknown/unknown"', this.denseHeads)
    }
    const last = picked[picked.length - 1]!
    this.rowEndHint = last.lastSeq === lastStoredSeq ? last.lastSeq : undefined
    this.handedOutThrough = Math.max(this.handedOutThrough, last.lastSeq)
    return {
      payload, rowFirstSeq, firstSeq: picked[0]!.firstSeq, lastSeq: last.lastSeq,
      count: picked.reduce((n, r) => n + r.count, 0), minTs: picked.reduce((m, r) => Math.min(m, r.minTs), Infinity), full,
    }
  }

  /**
   * The sender's connection is gone: what it was handed is no longer on its way (it will be read and
   * sent again), so a cap may drop it. Until then a cap never drops telemetry handed out for sending:
   * it may already be at the broker, and the overflow event would report as lost what was delivered.
   */
  releaseHandedOut(): void {
    this.handedOutThrough = 0
  }

  /** The oldest committed samples after `afterSeq`, in sequence order, decoded (tests, diagnostics: the uplink sends rows as they are). */
  nextSamples(afterSeq: number, limit: number): SequencedSample[] {
    const out: SequencedSample[] = []
    if (limit <= 0) return out
    this.eachRowAfter(afterSeq, (head, readBody) => {
      for (const s of decodeRow({ body: readBody() }, (index) => this.channels.get(index + 1) ?? 'unknown/unknown')) {
        if (s.seq > afterSeq && out.length < limit) out.push(s)
      }
      return out.length < limit
    })
    return out
  }

  /** The oldest committed events after `afterSeq`, in sequence order. */
  nextEvents(afterSeq: number, limit: number): AgentEvent[] {
    if (afterSeq >= this.lastEventSeq) return [] // nothing newer committed: no query (the drain asks before every message)
    return (this.stmt.nextEvents.all(afterSeq, limit) as string[]).map((body) => JSON.parse(body) as AgentEvent)
  }

  /**
   * The broker has every sample numbered firstSeq…lastSeq: forget them. Telemetry leaves as whole
   * rows: a row goes when it lies entirely within the range (a row split across messages goes with
   * the message that completes it, acknowledged from the row's first number). Returns the samples deleted.
   */
  acknowledgeSamples(firstSeq: number, lastSeq: number): number {
    this.applyAcknowledgements()
    return this.deleteAcknowledged(firstSeq, lastSeq)
  }

  private ackQueue: [number, number][] = []
  private ackTimer: NodeJS.Timeout | undefined
  private ackQueueLast = 0

  /**
   * As acknowledgeSamples, but the rows are deleted a little later, several in one transaction
   * (at 16 acknowledgements, within 20 ms, or before anything could read them again): the drain's
   * PUBACK path. If the process dies first, the rows are sent again (duplicates, never a loss).
   */
  queueAcknowledgement(firstSeq: number, lastSeq: number): void {
    this.assertOpen()
    this.ackQueue.push([firstSeq, lastSeq])
    if (lastSeq > this.ackQueueLast) this.ackQueueLast = lastSeq
    if (this.ackQueue.length >= 16) this.applyAcknowledgements()
    else if (!this.ackTimer) {
      this.ackTimer = setTimeout(() => this.applyAcknowledgements(), 20)
      this.ackTimer.unref?.()
    }
  }

  /** Delete the rows of queued acknowledgements now. */
  applyAcknowledgements(): void {
    if (this.ackTimer) {
      clearTimeout(this.ackTimer)
      this.ackTimer = undefined
    }
    if (this.ackQueue.length === 0 || this.closed) return
    const queue = this.ackQueue
    this.ackQueue = []
    this.relaxed(() => {
      for (const [first, last] of queue) this.deleteAcknowledged(first, last)
    })
  }

  private deleteAcknowledged(firstSeq: number, lastSeq: number): number {
    const counts = this.stmt.deleteRows.all(firstSeq, lastSeq, lastSeq) as number[]
    let deleted = 0
    for (const c of counts) deleted += c
    this.telemetryCount -= deleted
    return deleted
  }

  acknowledgeEvents(seqs: readonly number[]): void {
    this.relaxed(() => {
      for (const seq of seqs) this.stmt.deleteEvent.run(seq)
    })
  }

  /** Records waiting to be sent (committed ones, and samples still in the group-commit window). */
  depth(): { samples: number; events: number; pending: number } {
    this.applyAcknowledgements()
    return { samples: this.telemetryCount, events: this.stmt.countEvents.get() as number, pending: this.pending.length }
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
    this.applyAcknowledgements()
    const written: number[] = []
    const { maxAgeMs, maxBytes } = this.options
    if (maxAgeMs !== undefined) {
      const cutoff = this.clock() - maxAgeMs
      // the oldest rows whose every sample is older than the cutoff (a prefix: the range is exact)
      const drop = this.prefix((_, maxTs) => maxTs < cutoff)
      if (drop) written.push(this.commitEvent({ type: 'buffer-overflow', ts: this.clock(), count: drop.count, firstSeq: drop.firstSeq, lastSeq: drop.lastSeq, cause: 'age' }, () => this.dropRows(drop)))
    }
    if (maxBytes !== undefined && this.usedBytes() > maxBytes) {
      const used = this.usedBytes()
      // drop a tenth more than the overshoot suggests, so the cap is not hit again at once
      const share = Math.min(1, (used - maxBytes) / used + 0.1)
      const target = Math.max(1, Math.ceil(this.telemetryCount * share))
      let taken = 0
      const drop = this.prefix((count) => {
        if (taken >= target) return false
        taken += count
        return true
      })
      if (drop) {
        written.push(this.commitEvent({ type: 'buffer-overflow', ts: this.clock(), count: drop.count, firstSeq: drop.firstSeq, lastSeq: drop.lastSeq, cause: 'size' }, () => this.dropRows(drop)))
        this.reclaim(Number.MAX_SAFE_INTEGER)
      }
    }
    return written
  }

  /**
   * The longest run of oldest rows for which `take` holds — after the rows handed out for sending —
   * its exact count and sequence range.
   */
  private prefix(take: (count: number, maxTs: number) => boolean): { firstSeq: number; lastSeq: number; count: number } | undefined {
    let first: number | undefined
    let last = 0
    let count = 0
    for (const [firstSeq, lastSeq, rowCount, maxTs] of this.stmt.oldestRows.iterate() as IterableIterator<[number, number, number, number]>) {
      if (first === undefined && firstSeq <= this.handedOutThrough) continue
      if (!take(rowCount, maxTs)) break
      first ??= firstSeq
      last = lastSeq
      count += rowCount
    }
    return first === undefined ? undefined : { firstSeq: first, lastSeq: last, count }
  }

  private dropRows(drop: { firstSeq: number; lastSeq: number; count: number }): void {
    const deleted = this.acknowledgeSamples(drop.firstSeq, drop.lastSeq)
    if (deleted !== drop.count) throw new Error(`outbox: dropped ${deleted} samples, expected ${drop.count}`)
  }

  /** The next sequence number to be given out (for status and tests). */
  peekNextSeq(): number {
    return this.nextSeq
  }

  close(): void {
    if (this.closed) return
    this.flush()
    this.applyAcknowledgements()
    this.closed = true
    this.db.close()
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('outbox is closed')
  }
}
