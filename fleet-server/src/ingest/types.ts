import type { RefusalCode, Verdict } from '../../../protocols/commissioning/index.ts'
import type { AgentEvent, Inventory, SeqRange, SequencedSample, Status } from '../../../protocols/mqtt/index.ts'
import type { RejectReason as ProtocolRejectReason } from '../../../protocols/mqtt/index.ts'
import type { PackedTelemetry } from '../telemetry/index.ts'
import type { SentCommand } from './attribution.ts'
import type { TimeRejectReason } from './time-bounds.ts'

/**
 * Why the fleet ingest refused a message: the protocol's reasons, the registry check, and a message
 * whose write failed MAX_STORE_ATTEMPTS times (kept in the quarantine, not lost); or a sample or event
 * whose time is out of the gateway's bounds (TimeRejectReason: counted per record, the message's
 * other records stored).
 */
export type IngestRejectReason = ProtocolRejectReason | 'unknown-gateway' | 'store-failed' | TimeRejectReason | `commissioning:${RunRefusalCode}`

/**
 * Why a signed commissioning run was refused (counted as `commissioning:<code>`, audited as
 * commissioning-refused): the contract's codes (verifySignedRun), and a run id the gateway already
 * used for a different run (RUN_ID_REUSED; the same run again is a duplicate).
 */
export type RunRefusalCode = RefusalCode | 'RUN_ID_REUSED'

/** The verdict on each commissioning event of a batch, by its seq (Ingest verifies; the store keeps or refuses). */
export type RunVerdicts = ReadonlyMap<number, Verdict>

export interface IngestStats {
  /** messages stored (any kind) */
  messages: number
  /** records (samples and events) stored */
  accepted: number
  /** records already stored before: (gateway, seq) seen again */
  duplicates: number
  /** messages refused, by reason; for ts-future and ts-before-enrolment, samples and events refused */
  rejected: Record<string, number>
}

/** One telemetry message's new samples, as IngestSink.storeTelemetry takes them. */
export interface TelemetryWrite {
  gatewayId: string
  /** the new samples: as objects, or packed (the wire batch with the new ones marked) */
  samples: readonly SequencedSample[] | PackedTelemetry
  /** the gateway's accepted sequence ranges with this message's */
  ranges: readonly SeqRange[]
  /** samples of the message stored before: (gateway, seq) seen again */
  duplicates: number
  now: number
  /**
   * the message as received, given when every sample in it is new (the store may keep those bytes
   * instead of encoding the samples again)
   */
  payload?: Uint8Array
}

/**
 * What the MQTT ingest writes. Each store* call is one SQLite transaction: the rows, the gateway's
 * accepted sequence ranges and the counters are stored together or not at all.
 */
export interface IngestSink {
  gatewaySite(gatewayId: string): string | undefined
  /** accepted sequence ranges of a gateway, as persisted */
  seqRanges(gatewayId: string): SeqRange[]
  /** when the gateway got its (current) credentials; undefined when unknown (registered without, or before the time was kept) */
  gatewayEnrolledAt(gatewayId: string): number | undefined
  /** the gateway's registered Ed25519 public key (base64 SPKI DER) its commissioning runs are verified with; undefined: none */
  gatewaySigningKey(gatewayId: string): string | undefined
  /** the commands sent to the gateway from `from` to `to` (sentAt, both included) naming user `by` (as sender or in their args) */
  sentCommands(gatewayId: string, by: string, from: number, to: number): SentCommand[]
  /** a message refused, or (the time checks) `n` of its records */
  countReject(reason: IngestRejectReason, n?: number): void
  /**
   * The new samples of one message. Latest values and roll-ups may be written later (flushAggregates;
   * reads of them see everything committed).
   */
  storeTelemetry(write: TelemetryWrite): void
  /**
   * `verdicts`: per commissioning event (by seq) whether its signed run verified; a verified run is kept once per (gateway, run id) — the
   * same run again is a duplicate —, a refused one (or one without a verdict) is counted and audited and nothing of it stored
   */
  storeEvents(gatewayId: string, siteId: string, events: readonly AgentEvent[], ranges: readonly SeqRange[], duplicates: number, now: number, verdicts?: RunVerdicts): void
  storeStatus(gatewayId: string, status: Status, retained: boolean, now: number): void
  storeInventory(gatewayId: string, siteId: string, inventory: Inventory, now: number): void
  storeCommandResult(gatewayId: string, id: string, result: { ok: boolean; message?: string; at: number }, now: number): void
  ingestStats(): IngestStats
  /** gateways online but silent since `before`, now marked offline */
  markSilentGatewaysOffline(before: number): string[]
  /**
   * Group commit: runs `work` (several store* calls) in one transaction, each call a savepoint
   * rolled back alone on failure; throws when the commit fails (then nothing is stored).
   */
  group<T>(work: () => T): T
  /**
   * Writes the latest values and roll-ups still held in memory (a no-op amid a group, or when none
   * are pending). Reads of them do it themselves; the ingest does it when it stops, sparing the next
   * start a replay.
   */
  flushAggregates(): void
  /** delete raw telemetry older than the retention, at most `limit` rows examined; `deleted` counts samples; done when a sweep finished */
  pruneSamples(now: number, limit?: number): { deleted: number; done: boolean }
  /**
   * Keeps a message that could not be stored after several attempts — topic, payload as received and
   * the error — and counts it as rejected ('store-failed'), in one transaction.
   */
  quarantine(topic: string, payload: Buffer, error: string, attempts: number, now: number): void
  /** delete 1-minute roll-ups older than their retention, a batch of channels at a time; `deleted` counts rows */
  pruneMinuteRollups(now: number): { deleted: number; done: boolean }
}
