import type { Database as Db } from 'better-sqlite3'
import type { AgentEvent, SequencedSample } from '../../../protocols/mqtt/index.ts'
import type { Sample } from '../../../protocols/sample.ts'
import { AcknowledgementQueue } from './acknowledgements.ts'
import { Batching, type TelemetryBatchText } from './batching.ts'
import { BufferCaps } from './caps.ts'
import { ChannelDictionary } from './channel-dictionary.ts'
import { CommandIds, type EarlierCommand } from './command-ids.ts'
import { Compaction } from './compaction.ts'
import { Journal, type NewEvent } from './journal.ts'
import { migratePerSampleRows, migratePrefixedSafetyState } from './migrations.ts'
import { openOutboxFile, reclaimFreePages, transactionWithoutSync, usedBytes } from './outbox-file.ts'
import { SafetyRecords, type SafetyRecord } from './safety-records.ts'
import { TelemetryTable } from './telemetry-table.ts'
import { TestRuns } from './test-runs.ts'
import type { Run, SignedRun } from '../../../protocols/commissioning/index.ts'

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

const OUTBOX_DEFAULTS = { groupCommitMs: 100, groupCommitRecords: 5000, compactAfterMs: 10_000 } as const

/**
 * The gateway's store-and-forward buffer: samples and events with the gateway's sequence number,
 * in SQLite (WAL). Telemetry is group-committed (≤ groupCommitMs) as rows of already-encoded
 * groups (see telemetry-rows.ts), each a contiguous range of sequence numbers; an event is
 * committed at once with a full sync, together with every sample received before it. A record
 * leaves only when acknowledged; telemetry leaves as whole rows. The safety state is committed
 * with the events that change it.
 *
 * The parts: journal.ts (sequence, group commit, event log), telemetry-table.ts and
 * compaction.ts (rows), acknowledgements.ts, caps.ts, batching.ts (wire batches), safety-records.ts.
 */
export class Outbox {
  private readonly db: Db
  private readonly clock: () => number
  private readonly telemetry: TelemetryTable
  private readonly journal: Journal
  private readonly acknowledgements: AcknowledgementQueue
  private readonly batching: Batching
  private readonly compaction: Compaction | undefined
  private readonly caps: BufferCaps
  private readonly safetyRecords: SafetyRecords
  private readonly commandIds: CommandIds
  private readonly testRuns: TestRuns

  constructor(options: OutboxOptions) {
    const { groupCommitMs, groupCommitRecords, compactAfterMs } = { ...OUTBOX_DEFAULTS, ...options }
    this.clock = options.clock ?? Date.now
    this.db = openOutboxFile(options.path)
    const channels = new ChannelDictionary(this.db)
    this.telemetry = new TelemetryTable(this.db, channels)
    migratePerSampleRows(this.db, channels, this.telemetry)
    migratePrefixedSafetyState(this.db)
    this.journal = new Journal(this.db, this.telemetry, { groupCommitMs, groupCommitRecords, onCommit: options.onCommit, afterGroupCommit: () => this.compactOld() })
    this.acknowledgements = new AcknowledgementQueue(this.db, this.telemetry)
    this.batching = new Batching(this.telemetry, channels, this.acknowledgements)
    this.compaction = compactAfterMs ? new Compaction(this.db, this.telemetry, compactAfterMs, this.journal.next) : undefined
    this.caps = new BufferCaps(this.db, this.telemetry, this.journal, { maxBytes: options.maxBytes, maxAgeMs: options.maxAgeMs }, this.clock)
    this.safetyRecords = new SafetyRecords(this.db)
    this.commandIds = new CommandIds(this.db)
    this.testRuns = new TestRuns(this.db)
  }

  /** Queue samples; they are committed within groupCommitMs (at once past groupCommitRecords). */
  appendSamples(samples: readonly Sample[]): void {
    this.journal.appendSamples(samples)
  }

  /** Commit an event now, with a full sync, after every sample queued before it. Returns its sequence number. */
  commitEvent(event: NewEvent): number {
    return this.journal.commitEvents([event])[0]!
  }

  /**
   * Commit several events and the safety state they change in one transaction with one full sync:
   * an alarm or an interlock trip is never on disk without the state that explains it, nor the reverse.
   * A record whose value is null is deleted. Returns the events' sequence numbers.
   */
  commitEvents(events: readonly NewEvent[], safetyState: Iterable<SafetyRecord> = []): number[] {
    return this.journal.commitEvents(events, () => this.safetyRecords.write(safetyState))
  }

  /** Keep a signed run and commit the event that sends it, in one transaction. Returns the event's sequence number. */
  recordRun(run: Run, signed: SignedRun, ts: number): number {
    return this.journal.commitEvents([{ type: 'commissioning', ts, signed }], () => this.testRuns.insert(run, signed))[0]!
  }

  /** Every signed run kept, oldest first. */
  runs(): SignedRun[] {
    this.journal.assertOpen()
    return this.testRuns.all()
  }

  /** The safety state saved by commitEvents. */
  loadSafetyState(): SafetyRecord[] {
    this.journal.assertOpen()
    return this.safetyRecords.readAll()
  }

  /**
   * Take the id of a fleet command about to run, durably (a power cut after this never runs it again):
   * undefined, or what the earlier command of that id answered.
   */
  claimCommand(id: string, command: string, at: number): EarlierCommand | undefined {
    this.journal.assertOpen()
    return this.commandIds.claim(id, command, at)
  }

  /** What the command of `id` answered (its first answer is kept). */
  settleCommand(id: string, ok: boolean, message: string | undefined): void {
    this.journal.assertOpen()
    this.commandIds.settle(id, ok, message)
  }

  /** Commit the queued samples now. */
  flush(): void {
    this.journal.flush()
  }

  /** Merge small rows old enough into large ones (see compaction.ts); runs after every group commit. */
  compactOld(): void {
    if (!this.compaction || !this.db.open) return
    this.acknowledgements.apply()
    this.compaction.run(this.clock(), this.journal.next)
  }

  /** The next telemetry message after `afterSeq` (see Batching.nextTelemetryBatch). */
  nextTelemetryBatch(gateway: string, afterSeq: number, maxSamples: number, maxBytes: number): TelemetryBatchText | undefined {
    return this.batching.nextTelemetryBatch(gateway, afterSeq, maxSamples, maxBytes)
  }

  /**
   * The sender's connection is gone: what it was handed is no longer on its way (it will be read and
   * sent again), so a cap may drop it. Until then a cap never drops telemetry handed out for sending:
   * it may already be at the broker, and the overflow event would report as lost what was delivered.
   */
  releaseHandedOut(): void {
    this.batching.releaseHandedOut()
  }

  /** The oldest committed samples after `afterSeq`, in sequence order, decoded (tests, diagnostics: the uplink sends rows as they are). */
  nextSamples(afterSeq: number, limit: number): SequencedSample[] {
    return this.batching.nextSamples(afterSeq, limit)
  }

  /** The oldest committed events after `afterSeq`, in sequence order. */
  nextEvents(afterSeq: number, limit: number): AgentEvent[] {
    return this.journal.nextEvents(afterSeq, limit)
  }

  /**
   * The broker has every sample numbered firstSeq…lastSeq: forget them. Telemetry leaves as whole
   * rows: a row goes when it lies entirely within the range (a row split across messages goes with
   * the message that completes it, acknowledged from the row's first number). Returns the samples deleted.
   */
  acknowledgeSamples(firstSeq: number, lastSeq: number): number {
    this.acknowledgements.apply()
    return this.telemetry.deleteWithin(firstSeq, lastSeq)
  }

  /** As acknowledgeSamples, but the rows are deleted a little later, several in one transaction (see acknowledgements.ts). */
  queueAcknowledgement(firstSeq: number, lastSeq: number): void {
    this.journal.assertOpen()
    this.acknowledgements.add(firstSeq, lastSeq)
  }

  /** Delete the rows of queued acknowledgements now. */
  applyAcknowledgements(): void {
    this.acknowledgements.apply()
  }

  acknowledgeEvents(seqs: readonly number[]): void {
    transactionWithoutSync(this.db, () => this.journal.deleteEvents(seqs))
  }

  /** Records waiting to be sent (committed ones, and samples still in the group-commit window). */
  depth(): { samples: number; events: number; pending: number } {
    this.acknowledgements.apply()
    return { samples: this.telemetry.count, events: this.journal.eventCount(), pending: this.journal.pendingCount }
  }

  /** Bytes the database holds in live pages (the file shrinks to this after reclaim()). */
  usedBytes(): number {
    return usedBytes(this.db)
  }

  /** Give free pages back to the file system (deleting rows alone never shrinks the file). */
  reclaim(maxPages = 10_000): void {
    reclaimFreePages(this.db, maxPages)
  }

  /**
   * Apply the size and age caps: drop the oldest telemetry (never events) and record a
   * buffer-overflow event with the exact count and sequence range dropped. Returns the events written.
   */
  enforceCaps(): number[] {
    this.flush()
    this.acknowledgements.apply()
    return this.caps.enforce(this.batching.handedOutThrough)
  }

  /** The next sequence number to be given out (for status and tests). */
  peekNextSeq(): number {
    return this.journal.next
  }

  close(): void {
    if (!this.db.open) return
    this.flush()
    this.acknowledgements.apply()
    this.db.close()
  }
}
