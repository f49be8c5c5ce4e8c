import {
  decodeTelemetry, encodeTelemetry, parseEnvelope, TelemetryBatchSchema,
  type RejectReason, type SequencedSample, type TelemetryBatch,
} from '../../../protocols/mqtt/index.ts'
import { createValidator } from '../../../protocols/validation/ajv.ts'

const validate = createValidator<TelemetryBatch>(TelemetryBatchSchema)
/**
 * The same schema with the dictionary's entries only required to be strings: most of the schema
 * check's time is the pattern and lengths of each entry, and a gateway sends the same dictionary
 * batch after batch, so an entry list equal to one that passed the whole schema is not checked again.
 */
const validateKnownDictionary = createValidator<TelemetryBatch>({
  ...TelemetryBatchSchema,
  properties: { ...TelemetryBatchSchema.properties, ch: { ...TelemetryBatchSchema.properties.ch, items: { type: 'string' } } },
})

/** Per gateway, the last dictionary that passed the whole schema (checkTelemetry keeps it). */
export type CheckedDictionaries = Map<string, readonly string[]>

function sameDictionary(known: readonly string[] | undefined, ch: unknown): boolean {
  if (known === undefined || !Array.isArray(ch) || ch.length !== known.length) return false
  for (let i = 0; i < known.length; i++) if (ch[i] !== known[i]) return false
  return true
}

/**
 * A telemetry batch as it came over the wire, with the samples to store marked: what the ingest
 * hands the store instead of one object per sample (the per-sample objects and their device and
 * channel strings were most of the ingest's allocations and garbage collection).
 */
export interface PackedTelemetry {
  batch: TelemetryBatch
  /** per sample, in batch order (group after group): 1 when it is to be stored */
  keep: Uint8Array
  /** samples marked */
  count: number
}

export type TelemetryCheck = { ok: true; batch: TelemetryBatch; samples: number } | { ok: false; reason: RejectReason; detail: string }

/**
 * The checks protocols/mqtt/consumer.ts (ReferenceConsumer) makes of a telemetry payload whose topic
 * it accepted — size, JSON, version, schema, gateway, dictionary — with the same reasons and
 * details, without decoding the samples. A test holds the two to the same verdicts.
 */
export function checkTelemetry(gateway: string, payload: Uint8Array, dictionaries?: CheckedDictionaries): TelemetryCheck {
  const envelope = parseEnvelope(payload)
  if (!envelope.ok) return envelope
  const { body } = envelope
  const known = dictionaries?.get(gateway)
  // anything the shortcut does not pass goes through the whole schema: same verdicts, same first error
  if (!(sameDictionary(known, (body as { ch?: unknown }).ch) && validateKnownDictionary(body))) {
    if (!validate(body)) {
      const first = validate.errors?.[0]
      return { ok: false, reason: 'schema', detail: `${first?.instancePath || '/'} ${first?.message ?? 'invalid'}` }
    }
    if (dictionaries) {
      if (dictionaries.size >= 100_000) dictionaries.clear()
      dictionaries.set(gateway, body.ch)
    }
  }
  const batch = body as TelemetryBatch
  if (batch.gw !== gateway) return { ok: false, reason: 'gateway-mismatch', detail: `payload says gateway ${batch.gw}, topic ${gateway}` }
  let samples = 0
  for (const group of batch.g) {
    if (group.ch0 + group.values.length > batch.ch.length) {
      return { ok: false, reason: 'inconsistent', detail: `group seq ${group.seq0}: channels ${group.ch0}..${group.ch0 + group.values.length - 1} beyond the dictionary of ${batch.ch.length}` }
    }
    samples += group.values.length
  }
  return { ok: true, batch, samples }
}

/** Samples as a packed batch, all of them kept. */
export function packSamples(gateway: string, samples: readonly SequencedSample[]): PackedTelemetry {
  return { batch: encodeTelemetry(gateway, samples), keep: new Uint8Array(samples.length).fill(1), count: samples.length }
}

/** The kept samples, decoded. */
export function keptSamples(packed: PackedTelemetry): SequencedSample[] {
  return decodeTelemetry(packed.batch).filter((_, i) => packed.keep[i] === 1)
}

/**
 * The kept samples' sequence and time span, and which dictionary entries they use (1 by index). When
 * every sample is kept — the usual case — it looks at the groups only, not at each sample.
 */
export function scanKept(packed: PackedTelemetry): { firstSeq: number; lastSeq: number; minTs: number; maxTs: number; used: Uint8Array } {
  const { batch, keep, count } = packed
  const used = new Uint8Array(batch.ch.length)
  let minTs = Infinity
  let maxTs = -Infinity
  let firstSeq = Infinity
  let lastSeq = -Infinity
  const all = count === keep.length
  let k = 0
  for (const group of batch.g) {
    const n = group.values.length
    if (all) {
      if (n === 0) continue
      used.fill(1, group.ch0, group.ch0 + n)
      if (group.seq0 < firstSeq) firstSeq = group.seq0
      if (group.seq0 + n - 1 > lastSeq) lastSeq = group.seq0 + n - 1
      if (group.ts < minTs) minTs = group.ts
      if (group.ts > maxTs) maxTs = group.ts
      continue
    }
    for (let i = 0; i < n; i++, k++) {
      if (keep[k] !== 1) continue
      used[group.ch0 + i] = 1
      const seq = group.seq0 + i
      if (seq < firstSeq) firstSeq = seq
      if (seq > lastSeq) lastSeq = seq
      if (group.ts < minTs) minTs = group.ts
      if (group.ts > maxTs) maxTs = group.ts
    }
  }
  return { firstSeq, lastSeq, minTs, maxTs, used }
}
