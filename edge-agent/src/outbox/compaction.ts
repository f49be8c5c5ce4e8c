import type { Database as Db } from 'better-sqlite3'
import type { TelemetryTable } from './telemetry-table.ts'
import { mergeStoredRows, ROW_MAX_BYTES, ROW_MAX_SAMPLES, type TelemetryRow } from './telemetry-rows.ts'

/** a row with fewer samples is merged with its neighbours by compaction */
const SMALL_ROW = 1000
/** compaction runs once this many samples in small rows are old enough */
const COMPACT_MIN_SAMPLES = 5000
/** rows one compaction looks at, at most */
const SCAN_MAX_ROWS = 2000
/** a commit mark is kept at most this often */
const MARK_EVERY_MS = 1000

/**
 * Merges runs of small, seq-contiguous rows committed at least compactAfterMs ago into rows of up
 * to ROW_MAX_SAMPLES (one transaction: the merged row replaces them), so an outage backlog drains
 * as a few large rows. The uplink is unaffected: a row it has in flight that gets merged is simply
 * not deleted by that acknowledgement, and its unsent rest is read again as a slice.
 */
export class Compaction {
  /** (time, next sequence number) at commits: what was committed before a given time */
  private readonly commitMarks: { at: number; seq: number }[] = []
  /** rows ending before this number were committed long enough ago */
  private oldBefore: number
  /** every row ending before this number has been looked at */
  private compactedThrough = 0

  /** `openedAtSeq`: the next number when the file was opened (rows found at open are old: they may be merged at once) */
  constructor(private readonly db: Db, private readonly telemetry: TelemetryTable, private readonly compactAfterMs: number, openedAtSeq: number) {
    this.oldBefore = openedAtSeq
  }

  /** Look at what became old by `now` (`nextSeq`: the next number to be given out). */
  run(now: number, nextSeq: number): void {
    const marks = this.commitMarks
    if (marks.length === 0 || now - marks[marks.length - 1]!.at >= MARK_EVERY_MS) marks.push({ at: now, seq: nextSeq })
    // the newest mark old enough: rows ending before its number were committed long enough ago
    while (marks.length > 0 && now - marks[0]!.at >= this.compactAfterMs) this.oldBefore = Math.max(this.oldBefore, marks.shift()!.seq)
    if (this.oldBefore - this.compactedThrough < COMPACT_MIN_SAMPLES) return
    const runs = this.runsToMerge(this.oldBefore)
    if (runs.length === 0) return
    this.db.transaction(() => {
      for (const rows of runs) this.telemetry.replaceByMerge(mergeStoredRows(rows))
    })()
  }

  /** Runs of small contiguous rows ending before `limitSeq`, each worth merging; advances compactedThrough. */
  private runsToMerge(limitSeq: number): TelemetryRow[][] {
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
    this.telemetry.eachRowAfter(this.compactedThrough, (head, readBody) => {
      if (head.lastSeq >= limitSeq || ++scanned > SCAN_MAX_ROWS) return false
      const small = head.count < SMALL_ROW
      const row: TelemetryRow = { ...head, body: small ? readBody() : Buffer.alloc(0) }
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
    if (run.length > 0 && runCount < ROW_MAX_SAMPLES * 0.9 && scanned <= SCAN_MAX_ROWS) through = run[0]!.firstSeq - 1
    else close()
    this.compactedThrough = through
    return runs
  }
}
