import type { ValidateFunction } from 'ajv'
import { createValidator, firstErrorText } from '../validation/ajv.ts'
import {
  CommandResultSchema, EventBatchSchema, InventorySchema, MAX_PAYLOAD_BYTES, StatusSchema, TelemetryBatchSchema,
  type AgentEvent, type CommandResult, type EventBatch, type Inventory, type Status, type TelemetryBatch,
} from './payloads.ts'
import { SequenceTracker } from './sequence-tracker.ts'
import { decodeTelemetry, TelemetryDecodeError, type SequencedSample } from './telemetry-codec.ts'
import { parseTopic, type TopicKind } from './topics.ts'

const REJECT_REASONS = ['topic', 'oversize', 'json', 'version', 'schema', 'gateway-mismatch', 'inconsistent'] as const
export type RejectReason = (typeof REJECT_REASONS)[number]

type Accepted =
  | { kind: 'telemetry'; site: string; gateway: string; samples: SequencedSample[]; duplicates: number }
  | { kind: 'events'; site: string; gateway: string; events: AgentEvent[]; duplicates: number }
  | { kind: 'status'; site: string; gateway: string; status: Status }
  | { kind: 'inventory'; site: string; gateway: string; inventory: Inventory }
  | { kind: 'cmd-result'; site: string; gateway: string; result: CommandResult }

export type ConsumeResult = { ok: true; accepted: Accepted } | { ok: false; reason: RejectReason; detail: string }

export type EnvelopeResult = { ok: true; body: object } | { ok: false; reason: RejectReason; detail: string }

/** The checks every payload passes before its schema: size, JSON, protocol version. */
export function parseEnvelope(payload: Uint8Array): EnvelopeResult {
  if (payload.byteLength > MAX_PAYLOAD_BYTES) return { ok: false, reason: 'oversize', detail: `${payload.byteLength} bytes > ${MAX_PAYLOAD_BYTES}` }
  let body: unknown
  try {
    body = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'))
  } catch (error) {
    return { ok: false, reason: 'json', detail: (error as Error).message }
  }
  if (typeof body !== 'object' || body === null || (body as { v?: unknown }).v !== 1) {
    return { ok: false, reason: 'version', detail: `expected "v": 1, got ${JSON.stringify((body as { v?: unknown } | null)?.v)}` }
  }
  return { ok: true, body }
}

const validators: Record<TopicKind, ValidateFunction> = {
  telemetry: createValidator<TelemetryBatch>(TelemetryBatchSchema),
  events: createValidator<EventBatch>(EventBatchSchema),
  status: createValidator<Status>(StatusSchema),
  inventory: createValidator<Inventory>(InventorySchema),
  'cmd-result': createValidator<CommandResult>(CommandResultSchema),
}

/**
 * The reference consumer of protocol v1: validates every payload against its schema, rejects and
 * counts anything malformed (never half-accepts a batch), and accepts each (gateway, seq) once.
 */
export class ReferenceConsumer {
  readonly tracker = new SequenceTracker()
  readonly rejected: Record<RejectReason, number> = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>
  duplicates = 0

  consume(topic: string, payload: Uint8Array): ConsumeResult {
    const result = this.check(topic, payload)
    if (!result.ok) this.rejected[result.reason]++
    return result
  }

  private check(topic: string, payload: Uint8Array): ConsumeResult {
    const parsed = parseTopic(topic)
    if (!parsed || parsed.kind === 'cmd') return { ok: false, reason: 'topic', detail: `not a protocol v1 agent topic: ${topic.slice(0, 200)}` }
    const envelope = parseEnvelope(payload)
    if (!envelope.ok) return envelope
    const { body } = envelope
    const validate = validators[parsed.kind]
    if (!validate(body)) {
      return { ok: false, reason: 'schema', detail: firstErrorText(validate.errors) }
    }
    if ((body as { gw: string }).gw !== parsed.gateway) {
      return { ok: false, reason: 'gateway-mismatch', detail: `payload says gateway ${(body as { gw: string }).gw}, topic ${parsed.gateway}` }
    }
    const { site, gateway } = parsed
    switch (parsed.kind) {
      case 'telemetry': {
        let samples: SequencedSample[]
        try {
          samples = decodeTelemetry(body as TelemetryBatch)
        } catch (error) {
          if (error instanceof TelemetryDecodeError) return { ok: false, reason: 'inconsistent', detail: error.message }
          throw error
        }
        const fresh = samples.filter((s) => this.tracker.accept(gateway, s.seq))
        this.duplicates += samples.length - fresh.length
        return { ok: true, accepted: { kind: 'telemetry', site, gateway, samples: fresh, duplicates: samples.length - fresh.length } }
      }
      case 'events': {
        const events = (body as EventBatch).events
        const fresh = events.filter((e) => this.tracker.accept(gateway, e.seq))
        this.duplicates += events.length - fresh.length
        return { ok: true, accepted: { kind: 'events', site, gateway, events: fresh, duplicates: events.length - fresh.length } }
      }
      case 'status':
        return { ok: true, accepted: { kind: 'status', site, gateway, status: body as Status } }
      case 'inventory':
        return { ok: true, accepted: { kind: 'inventory', site, gateway, inventory: body as Inventory } }
      case 'cmd-result':
        return { ok: true, accepted: { kind: 'cmd-result', site, gateway, result: body as CommandResult } }
    }
  }
}
