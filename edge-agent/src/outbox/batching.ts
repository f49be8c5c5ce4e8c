import type { SequencedSample } from '../../../protocols/mqtt/index.ts'
import type { AcknowledgementQueue } from './acknowledgements.ts'
import type { ChannelDictionary } from './channel-dictionary.ts'
import { decodeRow, mergeRows, sliceRow, type TelemetryRow } from './telemetry-rows.ts'
import type { TelemetryTable } from './telemetry-table.ts'

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
 * Builds wire batches from committed rows, and remembers how far the sender has been handed
 * telemetry (a cap never drops that: it may already be at the broker).
 */
export class Batching {
  /** the last seq given to the sender since its connection began (see releaseHandedOut) */
  private handedOut = 0
  /** the start of a batch whose dictionary is the gateway's own, entries 0…n (names never change), by n and gateway */
  private readonly gatewayDictionaryHeads = new Map<string, Buffer>()

  constructor(private readonly telemetry: TelemetryTable, private readonly channels: ChannelDictionary, private readonly acknowledgements: AcknowledgementQueue) {}

  /** The last sequence number handed out for sending (0: none, or the sender let it go). */
  get handedOutThrough(): number {
    return this.handedOut
  }

  releaseHandedOut(): void {
    this.handedOut = 0
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
    this.acknowledgements.applyBeforeReadingAfter(afterSeq)
    this.telemetry.eachRowAfter(afterSeq, (head, readBody) => {
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
    const nameJson = (index: number): string => this.channels.nameJsonAt(index)
    let payload = mergeRows(gateway, picked, nameJson, this.gatewayDictionaryHeads)
    while (payload.length > maxBytes && picked.length > 1) {
      picked.length = Math.ceil(picked.length / 2)
      full = true
      payload = mergeRows(gateway, picked, nameJson, this.gatewayDictionaryHeads)
    }
    const last = picked[picked.length - 1]!
    this.telemetry.rememberRowEnd(last.lastSeq === lastStoredSeq ? last.lastSeq : undefined)
    this.handedOut = Math.max(this.handedOut, last.lastSeq)
    return {
      payload, rowFirstSeq, firstSeq: picked[0]!.firstSeq, lastSeq: last.lastSeq,
      count: picked.reduce((n, r) => n + r.count, 0), minTs: picked.reduce((m, r) => Math.min(m, r.minTs), Infinity), full,
    }
  }

  /** The oldest committed samples after `afterSeq`, in sequence order, decoded. */
  nextSamples(afterSeq: number, limit: number): SequencedSample[] {
    const out: SequencedSample[] = []
    if (limit <= 0) return out
    this.acknowledgements.applyBeforeReadingAfter(afterSeq)
    this.telemetry.eachRowAfter(afterSeq, (_, readBody) => {
      for (const s of decodeRow({ body: readBody() }, (index) => this.channels.nameAt(index))) {
        if (s.seq > afterSeq && out.length < limit) out.push(s)
      }
      return out.length < limit
    })
    return out
  }
}
