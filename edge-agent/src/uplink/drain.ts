import type { UplinkOutbox } from './options.ts'

/** One message to publish, and what its PUBACK lets go of in the outbox. */
export interface OutboxMessage {
  stream: 'events' | 'telemetry'
  payload: Buffer
  onAcknowledged: () => void
}

export interface OutboxDrainOptions {
  gateway: string
  outbox: UplinkOutbox
  batchSamples: number
  batchEvents: number
  /** live telemetry waits up to this long for a fuller message */
  batchMs: number
  clock: () => number
  /** samples and events acknowledged, for the uplink's stats */
  acknowledged: (stream: 'events' | 'telemetry', count: number) => void
}

/**
 * What one connection publishes next from the outbox: events ahead of telemetry, each oldest first,
 * each record once per connection (a cursor per stream), telemetry merged into batches and live
 * telemetry held back up to batchMs to fill one. Knows the outbox, not the connection: the uplink
 * sends each message and calls its onAcknowledged in the PUBACK callback.
 */
export class OutboxDrain {
  /** highest sequence number handed to a publish on this connection, per stream */
  private sampleCursor = 0
  private eventCursor = 0
  /** when the drain first held back the current partial telemetry message */
  private holdSince: number | undefined
  /** the first row of the telemetry published on this connection */
  private connectionFirstSeq: number | undefined

  constructor(private readonly options: OutboxDrainOptions) {}

  /** A new connection (or none): start again from the oldest unacknowledged record. */
  restart(): void {
    this.sampleCursor = 0
    this.eventCursor = 0
    this.holdSince = undefined
    this.connectionFirstSeq = undefined
  }

  /** The next message of at most maxPayloadBytes, or undefined when there is nothing to publish now. */
  next(maxPayloadBytes: number): OutboxMessage | undefined {
    return this.nextEvents(maxPayloadBytes) ?? this.nextTelemetry(maxPayloadBytes)
  }

  private nextEvents(maxPayloadBytes: number): OutboxMessage | undefined {
    const { outbox, gateway } = this.options
    const events = outbox.nextEvents(this.eventCursor, this.options.batchEvents)
    if (events.length === 0) return undefined
    let payload = Buffer.from(JSON.stringify({ v: 1, gw: gateway, events }))
    while (payload.length > maxPayloadBytes && events.length > 1) {
      events.length = Math.ceil(events.length / 2)
      payload = Buffer.from(JSON.stringify({ v: 1, gw: gateway, events }))
    }
    const seqs = events.map((e) => e.seq)
    this.eventCursor = seqs[seqs.length - 1]!
    return {
      stream: 'events', payload,
      onAcknowledged: () => {
        outbox.acknowledgeEvents(seqs)
        this.options.acknowledged('events', seqs.length)
      },
    }
  }

  private nextTelemetry(maxPayloadBytes: number): OutboxMessage | undefined {
    const { outbox, gateway, batchMs } = this.options
    const batch = outbox.nextTelemetryBatch(gateway, this.sampleCursor, this.options.batchSamples, maxPayloadBytes)
    if (!batch) {
      this.holdSince = undefined
      return undefined
    }
    if (!batch.full && batchMs > 0) {
      // live telemetry: wait for a fuller message, at most batchMs from its oldest sample (or from
      // when it was first seen, should the sample clock run ahead); the idle poll looks again
      const now = this.options.clock()
      this.holdSince ??= now
      if (now < Math.min(batch.minTs, this.holdSince) + batchMs) return undefined
    }
    this.holdSince = undefined
    const { lastSeq, count } = batch
    this.sampleCursor = lastSeq
    // This connection publishes the telemetry in sequence order from the oldest row, and the broker
    // acknowledges in order: at this PUBACK every sample from the first row of the connection up to
    // lastSeq has been acknowledged, so every row within that range may go (also one that the
    // outbox's compaction merged while parts of it were in flight).
    const from = (this.connectionFirstSeq ??= batch.rowFirstSeq)
    return {
      stream: 'telemetry', payload: batch.payload,
      onAcknowledged: () => {
        outbox.queueAcknowledgement(from, lastSeq)
        this.options.acknowledged('telemetry', count)
      },
    }
  }
}
