import {
  decodeTelemetry, encodeTelemetry, MAX_PAYLOAD_BYTES, parseEnvelope, TelemetryBatchSchema,
  type RejectReason, type SequencedSample, type TelemetryBatch,
} from '../../../protocols/mqtt/index.ts'
import { createValidator, firstErrorText } from '../../../protocols/validation/ajv.ts'

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

/**
 * What checkTelemetry remembers of a gateway's last batch with a new dictionary that passed every
 * check: the dictionary and, when the batch began as the agent's encoder writes it, those first
 * bytes — its head, `{"v":1,"gw":…,"ch":[…],`. The agent sends the same head message after message.
 */
interface KnownTelemetry {
  ch: readonly string[]
  head: Buffer | undefined
}

/** Per gateway, what checkTelemetry keeps (KnownTelemetry). */
export type KnownTelemetryMap = Map<string, KnownTelemetry>

/** The bytes the agent's encoder writes before the groups of a batch of gateway `gw` with dictionary `ch`. */
export const telemetryHead = (gw: string, ch: readonly string[]): Buffer => Buffer.from(`{"v":1,"gw":${JSON.stringify(gw)},"ch":${JSON.stringify(ch)},`)

const startsWith = (payload: Uint8Array, head: Buffer): boolean =>
  payload.byteLength > head.length && Buffer.compare(head, Buffer.from(payload.buffer, payload.byteOffset, head.length)) === 0

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
  /** the message began with the gateway's known head (these bytes, the same object message after message) */
  head?: Buffer
}

export type TelemetryCheck =
  | { ok: true; batch: TelemetryBatch; samples: number; head?: Buffer }
  | { ok: false; reason: RejectReason; detail: string }

/**
 * The checks protocols/mqtt/consumer.ts (ReferenceConsumer) makes of a telemetry payload whose topic
 * it accepted — size, JSON, version, schema, gateway, dictionary — with the same reasons and
 * details, without decoding the samples. A test holds the two to the same verdicts.
 *
 * With `known`, a payload that begins with the gateway's known head has only the rest parsed and its
 * groups checked (the head's bytes parsed to the same v, gw and ch when they passed): the dictionary
 * was most of the parsing and of the schema check. Anything that does not pass that way — the rest not
 * JSON, a key other than `g` in it, a schema error — goes through the whole check: same verdicts,
 * same first error.
 */
export function checkTelemetry(gateway: string, payload: Uint8Array, known?: KnownTelemetryMap): TelemetryCheck {
  const last = known?.get(gateway)
  if (last?.head !== undefined && payload.byteLength <= MAX_PAYLOAD_BYTES && startsWith(payload, last.head)) {
    const checked = checkRest(gateway, payload, last)
    if (checked) return checked
  }
  const envelope = parseEnvelope(payload)
  if (!envelope.ok) return envelope
  const { body } = envelope
  const knownDictionary = sameDictionary(last?.ch, (body as { ch?: unknown }).ch)
  if (!(knownDictionary && validateKnownDictionary(body)) && !validate(body)) {
    return { ok: false, reason: 'schema', detail: firstErrorText(validate.errors) }
  }
  const batch = body as TelemetryBatch
  const checked = checkBatch(gateway, batch)
  if (checked.ok && known && !knownDictionary) {
    if (known.size >= 100_000) known.clear()
    const head = telemetryHead(gateway, batch.ch)
    known.set(gateway, { ch: batch.ch, head: startsWith(payload, head) ? head : undefined })
  }
  return checked
}

/** The payload after the gateway's known head, checked; undefined when the whole check must speak. */
function checkRest(gateway: string, payload: Uint8Array, last: KnownTelemetry): TelemetryCheck | undefined {
  const head = last.head!
  let rest: { g?: unknown }
  try {
    rest = JSON.parse(`{${Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8', head.length)}`) as { g?: unknown }
  } catch {
    return undefined
  }
  // a v, gw or ch after the head would override the head's (JSON.parse keeps the last)
  const keys = Object.keys(rest)
  if (keys.length !== 1 || keys[0] !== 'g') return undefined
  const body = { v: 1, gw: gateway, ch: last.ch, g: rest.g }
  if (!validateKnownDictionary(body)) return undefined
  const checked = checkBatch(gateway, body as TelemetryBatch)
  return checked.ok ? { ...checked, head } : undefined
}

/** What the schema cannot tell: the gateway named in the payload and the groups' dictionary entries. */
function checkBatch(gateway: string, batch: TelemetryBatch): TelemetryCheck {
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
