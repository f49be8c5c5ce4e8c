/**
 * The outbox's on-disk telemetry format and its conversion to wire batches (TelemetryBatch, protocol v1).
 *
 * At group commit the samples of the window become one or more ROWS, each a contiguous range of
 * sequence numbers, holding its samples already encoded as the wire's groups (JSON text, without
 * the enclosing brackets) — except that `ch0` is the outbox's global channel id (the `channels`
 * table), not an index into a per-message dictionary. A row therefore needs no dictionary on disk.
 * Beside the body a row keeps the runs of global channel ids it uses ("a-b,c-d").
 *
 * A wire batch merges several rows. When they use (nearly) every index from 0 up to their largest
 * — a gateway polling its configured channels — the batch's dictionary is the gateway's, entries
 * 0…largest, and the bodies are copied unchanged. Otherwise the dictionary is the sorted union of
 * the indexes the rows use, and every `ch0` is replaced by its rank in that union. A group's channels are consecutive global
 * ids, all of them in the union, so their ranks are consecutive too: merging never splits a group.
 * The bodies are concatenated as they are, with only `"ch0":N` rewritten (a JSON string value
 * cannot contain that text unescaped, so the rewrite cannot touch a value).
 */
import { QUALITIES, type Quality } from '../../../protocols/quality.ts'
import type { SampleGroup, SequencedSample } from '../../../protocols/mqtt/index.ts'
import type { Sample } from '../../../protocols/sample.ts'

/** A stored row, as the outbox reads it back. */
export interface TelemetryRow {
  firstSeq: number
  lastSeq: number
  count: number
  minTs: number
  maxTs: number
  /** runs of global channel ids: "3-12,40-49" */
  chans: string
  /** groups as JSON text (UTF-8) without the enclosing brackets; ch0 = global channel id */
  body: Buffer
}

/** Samples a row holds at most (a wire group and batch hold at most MAX_BATCH_SAMPLES). */
export const ROW_MAX_SAMPLES = 5000
/** Body bytes at which a row is closed, so one row always fits one message. */
export const ROW_MAX_BYTES = 256 * 1024

const QUALITY_SET = new Set<string>(QUALITIES)

function jsonValue(value: Sample['value']): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null'
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  return JSON.stringify(value)
}

/**
 * Encode samples that receive the consecutive sequence numbers firstSeq… into rows. `channelId`
 * gives (and if need be creates) the global id of "device/channel".
 */
export function encodeRows(samples: readonly Sample[], firstSeq: number, channelId: (device: string, channel: string) => number): TelemetryRow[] {
  const rows: TelemetryRow[] = []
  let i = 0
  let seq = firstSeq
  while (i < samples.length) {
    const rowFirst = seq
    const parts: string[] = []
    let bytes = 0
    let minTs = Infinity
    let maxTs = -Infinity
    const ids: number[] = []
    // the open group
    let gSeq0 = 0
    let gTs = 0
    let gCh0 = -1
    let gLen = 0
    let gValues = ''
    let gQ = ''
    let gR = ''
    const closeGroup = (): void => {
      if (gCh0 < 0) return
      const text = `{"ch0":${gCh0},"seq0":${gSeq0},"ts":${gTs},"values":[${gValues}]${gQ ? `,"q":{${gQ}}` : ''}${gR ? `,"r":{${gR}}` : ''}}`
      parts.push(text)
      bytes += text.length + 1
      gCh0 = -1
    }
    let count = 0
    while (i < samples.length && count < ROW_MAX_SAMPLES && bytes + gValues.length < ROW_MAX_BYTES) {
      const s = samples[i]!
      const id = channelId(s.device, s.channel) - 1 // the channel's index in the gateway's dictionary
      ids.push(id)
      if (s.ts < minTs) minTs = s.ts
      if (s.ts > maxTs) maxTs = s.ts
      if (!(gCh0 >= 0 && s.ts === gTs && id === gCh0 + gLen)) {
        closeGroup()
        gSeq0 = seq
        gTs = s.ts
        gCh0 = id
        gLen = 0
        gValues = ''
        gQ = ''
        gR = ''
      }
      gValues += gLen === 0 ? jsonValue(s.value) : `,${jsonValue(s.value)}`
      if (s.quality !== 'good') {
        const quality = QUALITY_SET.has(s.quality) ? s.quality : 'device-fault'
        gQ += `${gQ ? ',' : ''}"${gLen}":"${quality}"`
        if (s.reason !== undefined) gR += `${gR ? ',' : ''}"${gLen}":${JSON.stringify(s.reason.slice(0, 500))}`
      }
      gLen++
      seq++
      i++
      count++
    }
    closeGroup()
    rows.push({ firstSeq: rowFirst, lastSeq: seq - 1, count, minTs, maxTs, chans: runsOf(ids), body: Buffer.from(parts.join(',')) })
  }
  return rows
}

/** "a-b,c-d" of the distinct ids, ascending. */
function runsOf(ids: readonly number[]): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b)
  const runs: string[] = []
  let start = sorted[0]!
  let prev = start
  for (let k = 1; k <= sorted.length; k++) {
    const id = sorted[k]
    if (id === prev + 1) {
      prev = id
      continue
    }
    runs.push(start === prev ? String(start) : `${start}-${prev}`)
    if (id !== undefined) start = prev = id
  }
  return runs.join(',')
}

function forEachRun(chans: string, fn: (first: number, last: number) => void): void {
  for (const run of chans.split(',')) {
    const dash = run.indexOf('-')
    if (dash < 0) {
      const id = Number(run)
      fn(id, id)
    } else fn(Number(run.slice(0, dash)), Number(run.slice(dash + 1)))
  }
}

/** The groups of a row, parsed (ch0 still global). */
function parseRow(row: Pick<TelemetryRow, 'body'>): SampleGroup[] {
  return JSON.parse(`[${row.body.toString()}]`) as SampleGroup[]
}

/** The samples of a row, with names from `nameOf` (global id → "device/channel"). */
export function decodeRow(row: Pick<TelemetryRow, 'body'>, nameOf: (id: number) => string): SequencedSample[] {
  const out: SequencedSample[] = []
  for (const group of parseRow(row)) {
    group.values.forEach((value, i) => {
      const key = nameOf(group.ch0 + i)
      const slash = key.indexOf('/')
      const quality: Quality = group.q?.[String(i)] ?? 'good'
      const reason = group.r?.[String(i)]
      out.push({ seq: group.seq0 + i, device: key.slice(0, slash), channel: key.slice(slash + 1), ts: group.ts, value, quality, ...(reason !== undefined && { reason }) })
    })
  }
  return out
}

/**
 * The part of a row with sequence numbers in [fromSeq, toSeq], as a row of its own (groups cut
 * where needed, their q and r re-indexed). Used only when a row must be split across messages.
 */
export function sliceRow(row: TelemetryRow, fromSeq: number, toSeq: number): TelemetryRow {
  const groups: SampleGroup[] = []
  const ids: number[] = []
  let minTs = Infinity
  let maxTs = -Infinity
  for (const g of parseRow(row)) {
    const from = Math.max(0, fromSeq - g.seq0)
    const to = Math.min(g.values.length - 1, toSeq - g.seq0)
    if (from > to) continue
    const cut: SampleGroup = { ch0: g.ch0 + from, seq0: g.seq0 + from, ts: g.ts, values: g.values.slice(from, to + 1) }
    for (const key of ['q', 'r'] as const) {
      const map = g[key] as Record<string, string> | undefined
      if (!map) continue
      const moved: Record<string, string> = {}
      for (const [k, v] of Object.entries(map)) {
        const at = Number(k)
        if (at >= from && at <= to) moved[String(at - from)] = v
      }
      if (Object.keys(moved).length > 0) (cut as Record<string, unknown>)[key] = moved
    }
    groups.push(cut)
    for (let k = 0; k < cut.values.length; k++) ids.push(cut.ch0 + k)
    if (g.ts < minTs) minTs = g.ts
    if (g.ts > maxTs) maxTs = g.ts
  }
  const first = Math.max(row.firstSeq, fromSeq)
  const last = Math.min(row.lastSeq, toSeq)
  return { firstSeq: first, lastSeq: last, count: ids.length, minTs, maxTs, chans: runsOf(ids), body: Buffer.from(JSON.stringify(groups).slice(1, -1)) }
}

/** Rows of contiguous sequence numbers as one row (bodies keep their global ids: no rewrite). */
export function mergeStoredRows(rows: readonly TelemetryRow[]): TelemetryRow {
  const ids: number[] = []
  for (const row of rows) forEachRun(row.chans, (first, last) => {
    for (let id = first; id <= last; id++) ids.push(id)
  })
  return {
    firstSeq: rows[0]!.firstSeq, lastSeq: rows[rows.length - 1]!.lastSeq, count: rows.reduce((n, r) => n + r.count, 0),
    minTs: Math.min(...rows.map((r) => r.minTs)), maxTs: Math.max(...rows.map((r) => r.maxTs)),
    chans: runsOf(ids), body: joinBuffers(rows.map((r) => r.body), COMMA),
  }
}

const COMMA = Buffer.from(',')
const TAIL = Buffer.from(']}')
const CH0 = Buffer.from('"ch0":')
const DIGIT_0 = 48

function joinBuffers(parts: readonly Buffer[], separator: Buffer): Buffer {
  const pieces: Buffer[] = []
  parts.forEach((part, i) => {
    if (i > 0) pieces.push(separator)
    pieces.push(part)
  })
  return Buffer.concat(pieces)
}

function concatBodies(head: Buffer, rows: readonly TelemetryRow[]): Buffer {
  const pieces: Buffer[] = [head]
  rows.forEach((row, r) => {
    if (r > 0) pieces.push(COMMA)
    pieces.push(row.body)
  })
  pieces.push(TAIL)
  return Buffer.concat(pieces)
}

/** Write the decimal digits of a non-negative integer at `at`; returns the offset after them. */
function writeDigits(out: Buffer, at: number, value: number): number {
  if (value < 10) {
    out[at] = DIGIT_0 + value
    return at + 1
  }
  const text = String(value)
  for (let k = 0; k < text.length; k++) out[at + k] = text.charCodeAt(k)
  return at + text.length
}

/**
 * One wire batch (a TelemetryBatch as UTF-8 JSON) of whole rows: merged dictionary, ch0 remapped.
 * `nameJson` gives the JSON string literal of the "device/channel" at an index of the gateway's dictionary. The bodies are
 * copied as bytes; only the digits after each `"ch0":` are rewritten (a rank is never longer than
 * the index it replaces, so the batch fits the sum of its parts).
 */
export function mergeRows(gateway: string, rows: readonly TelemetryRow[], nameJson: (id: number) => string, gatewayDictionaryHeads?: Map<string, Buffer>): Buffer {
  let maxId = 0
  for (const row of rows) forEachRun(row.chans, (_, last) => void (last > maxId && (maxId = last)))
  const used = new Uint8Array(maxId + 1)
  for (const row of rows) forEachRun(row.chans, (first, last) => used.fill(1, first, last + 1))
  let usedCount = 0
  for (let id = 0; id <= maxId; id++) usedCount += used[id]!
  // a few unused entries cost less than rewriting every group: the dictionary is the gateway's own, 0…maxId
  const gatewayDictionary = maxId + 1 - usedCount <= usedCount / 8
  const key = `${maxId}\n${gateway}`
  const cached = gatewayDictionary ? gatewayDictionaryHeads?.get(key) : undefined
  if (cached) return concatBodies(cached, rows)
  const rank = new Int32Array(maxId + 1)
  const names: string[] = []
  for (let id = 0; id <= maxId; id++) {
    if (gatewayDictionary || used[id] === 1) {
      rank[id] = names.length
      names.push(nameJson(id))
    }
  }
  const head = Buffer.from(`{"v":1,"gw":${JSON.stringify(gateway)},"ch":[${names.join(',')}],"g":[`)
  if (gatewayDictionary) {
    if (gatewayDictionaryHeads) {
      if (gatewayDictionaryHeads.size >= 16) gatewayDictionaryHeads.clear()
      gatewayDictionaryHeads.set(key, head)
    }
    return concatBodies(head, rows)
  }
  let size = head.length + 2
  for (const row of rows) size += row.body.length + 1
  const out = Buffer.allocUnsafe(size)
  let at = head.copy(out, 0)
  rows.forEach((row, r) => {
    if (r > 0) out[at++] = 44 // ,
    const body = row.body
    let from = 0
    for (let hit = body.indexOf(CH0, 0); hit >= 0; hit = body.indexOf(CH0, from)) {
      at += body.copy(out, at, from, hit + CH0.length)
      let digits = hit + CH0.length
      let id = 0
      while (digits < body.length && body[digits]! >= DIGIT_0 && body[digits]! <= DIGIT_0 + 9) id = id * 10 + body[digits++]! - DIGIT_0
      at = writeDigits(out, at, rank[id]!)
      from = digits
    }
    at += body.copy(out, at, from)
  })
  out[at++] = 93 // ]
  out[at++] = 125 // }
  return out.subarray(0, at)
}
