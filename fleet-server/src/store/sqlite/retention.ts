import type { Database, Statement } from 'better-sqlite3'
import type { AggregateStore } from './aggregate-store.ts'
import type { TelemetryHeads } from './telemetry-heads.ts'

const DAY_MS = 86_400_000
/** raw telemetry is kept this long (the default) */
const DEFAULT_RAW_RETENTION_DAYS = 90
/** 1-minute roll-ups are kept this long (the dashboard's trends); 1-hour roll-ups and device_minutes are kept */
const DEFAULT_MINUTE_ROLLUP_RETENTION_DAYS = 35

export interface RetentionDays {
  /** raw telemetry (default DEFAULT_RAW_RETENTION_DAYS) */
  raw?: number | undefined
  /** 1-minute roll-ups (default DEFAULT_MINUTE_ROLLUP_RETENTION_DAYS) */
  minuteRollups?: number | undefined
}

/** One batch of a sweep: how much it deleted, and whether the sweep is done. */
export interface PruneBatch { deleted: number; done: boolean }

interface PruneRow { r: number; ts: number; count: number; head: number | null }

/**
 * Deletes what is past its retention, a batch at a time so that the ingest goes on between batches:
 * raw telemetry (and the heads no raw row uses any more), then 1-minute roll-ups. Each sweep walks
 * its table from a cursor kept between batches. The aggregates held in memory are written first, so
 * a raw row goes only once what it added to the derived tables is stored.
 */
export class Retention {
  private readonly sql: Record<'rawWindow' | 'rawRow' | 'anyLegacy' | 'legacyWindow' | 'legacyRow' | 'channelWindow' | 'minuteRollups', Statement>
  private readonly rawMs: number
  private readonly minuteRollupMs: number
  private rawCursor = 0
  /** a sweep starts with the rows of the former samples table, while there are any */
  private rawPhase: 'legacy' | 'raw'
  private rollupCursor = 0

  constructor(private readonly db: Database, private readonly aggregates: AggregateStore, private readonly heads: TelemetryHeads, days: RetentionDays = {}) {
    const p = (sql: string) => db.prepare(sql)
    this.sql = {
      rawWindow: p('SELECT id AS r, max_ts AS ts, count, head_id AS head FROM telemetry_raw WHERE id > ? AND id <= ? ORDER BY id LIMIT ?'),
      rawRow: p('DELETE FROM telemetry_raw WHERE id = ?'),
      // rows of the samples table (schema 1 and 2), no longer written
      anyLegacy: p('SELECT 1 AS one FROM samples LIMIT 1'),
      legacyWindow: p('SELECT rowid AS r, ts, 1 AS count, NULL AS head FROM samples WHERE rowid > ? ORDER BY rowid LIMIT ?'),
      legacyRow: p('DELETE FROM samples WHERE rowid = ?'),
      channelWindow: p('SELECT id FROM channels WHERE id > ? ORDER BY id LIMIT ?'),
      minuteRollups: p('DELETE FROM rollup_1m WHERE channel_id = ? AND bucket < ?'),
    }
    this.rawMs = (days.raw ?? DEFAULT_RAW_RETENTION_DAYS) * DAY_MS
    this.minuteRollupMs = (days.minuteRollups ?? DEFAULT_MINUTE_ROLLUP_RETENTION_DAYS) * DAY_MS
    this.rawPhase = this.legacyPhase()
  }

  private legacyPhase(): 'legacy' | 'raw' {
    return this.sql.anyLegacy.get() !== undefined ? 'legacy' : 'raw'
  }

  /**
   * Deletes raw telemetry older than the retention: messages whose newest sample is past it, only
   * among rows whose aggregates are written; then the rows of the former samples table. `deleted`
   * counts samples.
   */
  pruneSamples(now: number, limit = 5000): PruneBatch {
    this.aggregates.flush()
    const cutoff = now - this.rawMs
    const legacy = this.rawPhase === 'legacy'
    if (!legacy && this.rawCursor === 0) this.heads.sweepStarted()
    const through = this.aggregates.flushedThrough
    const rows = (legacy ? this.sql.legacyWindow.all(this.rawCursor, limit) : this.sql.rawWindow.all(this.rawCursor, through, limit)) as PruneRow[]
    const remove = legacy ? this.sql.legacyRow : this.sql.rawRow
    const swept = rows.length < limit
    let deleted = 0
    this.db.transaction(() => {
      for (const row of rows) {
        if (row.ts < cutoff && remove.run(row.r).changes > 0) deleted += row.count
        else this.heads.keptRowUses(row.head)
      }
      // every raw row up to `through` seen: the heads none of them uses go
      if (swept && !legacy) this.heads.sweepDone(through)
    })()
    this.rawCursor = swept ? 0 : rows[rows.length - 1]!.r
    if (!swept) return { deleted, done: false }
    if (legacy) {
      this.rawPhase = 'raw'
      return { deleted, done: false }
    }
    this.rawPhase = this.legacyPhase()
    return { deleted, done: true }
  }

  /** 1-minute roll-ups older than their retention, `channels` channels at a time; `deleted` counts rows. */
  pruneMinuteRollups(now: number, channels = 2000): PruneBatch {
    this.aggregates.flush()
    const cutoff = now - this.minuteRollupMs
    const ids = this.sql.channelWindow.all(this.rollupCursor, channels) as { id: number }[]
    let deleted = 0
    this.db.transaction(() => {
      for (const { id } of ids) deleted += this.sql.minuteRollups.run(id, cutoff).changes
    })()
    const done = ids.length < channels
    this.rollupCursor = done ? 0 : ids[ids.length - 1]!.id
    return { deleted, done }
  }
}
