import Database from 'better-sqlite3'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Outbox, type NewEvent, type OutboxOptions } from '../../../edge-agent/src/outbox/index.ts'
import { decodeTelemetry, TelemetryBatchSchema, type AgentEvent, type TelemetryBatch } from '../../../protocols/mqtt/index.ts'
import { createValidator } from '../../../protocols/validation/ajv.ts'
import type { Sample } from '../../../protocols/sample.ts'

const T0 = 1_795_963_372_000

let dir: string
let open: Outbox[] = []
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outbox-test-'))
})
afterEach(() => {
  vi.useRealTimers()
  for (const outbox of open) outbox.close()
  open = []
  rmSync(dir, { recursive: true, force: true })
})

function make(options: Partial<OutboxOptions> = {}): Outbox {
  const outbox = new Outbox({ path: join(dir, 'outbox.db'), ...options })
  open.push(outbox)
  return outbox
}
function reopen(outbox: Outbox, options: Partial<OutboxOptions> = {}): Outbox {
  outbox.close()
  open = open.filter((o) => o !== outbox)
  return make(options)
}

const sample = (i: number, extra: Partial<Sample> = {}): Sample => ({ device: `dev-${i % 3}`, channel: 'ch4', ts: T0 + i, value: i / 10, quality: 'good', ...extra })
const samples = (n: number, from = 0, extra: Partial<Sample> = {}): Sample[] => Array.from({ length: n }, (_, i) => sample(from + i, extra))
const lineEvent = (ts = T0): NewEvent => ({ type: 'line-state', ts, bus: 'rs485-1', state: 'down', reason: 'no answer' })
const seqsOf = (records: { seq: number }[]): number[] => records.map((r) => r.seq)

/** What another process (the next boot after a power cut) would find in the file right now. */
function committedOnDisk(): { samples: number[]; events: number[] } {
  const db = new Database(join(dir, 'outbox.db'), { readonly: true, fileMustExist: true })
  try {
    return {
      samples: (db.prepare('SELECT first_seq, last_seq FROM telemetry ORDER BY first_seq').raw().all() as [number, number][])
        .flatMap(([first, last]) => Array.from({ length: last - first + 1 }, (_, i) => first + i)),
      events: db.prepare('SELECT seq FROM events ORDER BY seq').pluck().all() as number[],
    }
  } finally {
    db.close()
  }
}

describe('Outbox sequence numbers', () => {
  it('are monotonic across samples and events', () => {
    const outbox = make()
    outbox.appendSamples(samples(3))
    const event = outbox.commitEvent(lineEvent())
    outbox.appendSamples(samples(2, 3))
    outbox.flush()
    expect(event).toBe(4)
    expect(seqsOf(outbox.nextSamples(0, 100))).toEqual([1, 2, 3, 5, 6])
    expect(seqsOf(outbox.nextEvents(0, 100))).toEqual([4])
  })

  it('are persisted across a reopen and never reused, even after every record was acknowledged', () => {
    let outbox = make()
    outbox.appendSamples(samples(5))
    const event = outbox.commitEvent(lineEvent())
    outbox.flush()
    outbox.acknowledgeSamples(1, 5)
    outbox.acknowledgeEvents([event])
    expect(outbox.depth()).toEqual({ samples: 0, events: 0, pending: 0 })
    outbox = reopen(outbox)
    expect(outbox.peekNextSeq()).toBe(7)
    outbox.appendSamples(samples(1))
    outbox.flush()
    expect(seqsOf(outbox.nextSamples(0, 10))).toEqual([7])
    outbox.acknowledgeSamples(7, 7)
    outbox = reopen(outbox)
    expect(outbox.commitEvent(lineEvent())).toBe(8)
  })

  it('commits the open group-commit window on close', () => {
    let outbox = make({ groupCommitMs: 60_000 })
    outbox.appendSamples(samples(4))
    expect(committedOnDisk().samples).toEqual([])
    outbox = reopen(outbox)
    expect(seqsOf(outbox.nextSamples(0, 10))).toEqual([1, 2, 3, 4])
  })
})

describe('Outbox commits', () => {
  it('group-commits telemetry after groupCommitMs or at groupCommitRecords', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const outbox = make({ groupCommitMs: 100, groupCommitRecords: 10 })
    outbox.appendSamples(samples(3))
    outbox.appendSamples(samples(3, 3))
    expect(outbox.depth()).toEqual({ samples: 0, events: 0, pending: 6 })
    expect(outbox.nextSamples(0, 100)).toEqual([])
    vi.advanceTimersByTime(99)
    expect(committedOnDisk().samples).toEqual([])
    vi.advanceTimersByTime(1)
    expect(committedOnDisk().samples).toEqual([1, 2, 3, 4, 5, 6])
    expect(outbox.depth()).toEqual({ samples: 6, events: 0, pending: 0 })
    // the record threshold commits at once, without waiting for the timer
    outbox.appendSamples(samples(9, 6))
    expect(committedOnDisk().samples).toHaveLength(6)
    outbox.appendSamples(samples(1, 15))
    expect(committedOnDisk().samples).toHaveLength(16)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('commits an event at once, together with every sample queued before it', () => {
    const outbox = make({ groupCommitMs: 60_000 })
    outbox.appendSamples(samples(2))
    const seq = outbox.commitEvent(lineEvent())
    outbox.appendSamples(samples(1, 2))
    expect(committedOnDisk()).toEqual({ samples: [1, 2], events: [3] })
    expect(seq).toBe(3)
    expect(outbox.depth()).toEqual({ samples: 2, events: 1, pending: 1 })
  })
})

describe('Outbox round trip', () => {
  const mixed: Sample[] = [
    { device: 'gas-1', channel: 'ch4', ts: T0, value: 0.42, quality: 'good' },
    { device: 'gas-1', channel: 'co', ts: T0, value: -17, quality: 'good' },
    { device: 'gas-1', channel: 'alarm', ts: T0, value: true, quality: 'good' },
    { device: 'gas-1', channel: 'relay', ts: T0, value: false, quality: 'good' },
    { device: 'gas-1', channel: 'serial', ts: T0, value: 'SN-0042', quality: 'good' },
    { device: 'gas-1', channel: 'text-number', ts: T0, value: '1', quality: 'good' },
    { device: 'gas-1', channel: 'empty', ts: T0, value: '', quality: 'good' },
    { device: 'gas-2', channel: 'ch4', ts: T0 + 1, value: null, quality: 'comm-fail', reason: 'no answer after 3 tries' },
    { device: 'gas-2', channel: 'o2', ts: T0 + 1, value: 25.5, quality: 'out-of-range', reason: 'above 25 %VOL' },
    { device: 'gas-2', channel: 'h2s', ts: T0 + 1, value: 0, quality: 'warming-up' },
    { device: 'gas-2', channel: 'flag', ts: T0 + 1, value: true, quality: 'device-fault', reason: 'sensor fault bit' },
    { device: 'gas-2', channel: 'co', ts: T0 + 1, value: 1e-9, quality: 'stale', reason: 'no answer after 3 tries' },
    { device: 'gas-2', channel: 'big', ts: T0 + 1, value: 2 ** 53 - 1, quality: 'good' },
  ]

  it('keeps booleans, strings, null, numbers, qualities and reasons, also after a reopen', () => {
    let outbox = make()
    outbox.appendSamples(mixed)
    outbox.flush()
    const expected = mixed.map((s, i) => ({ seq: i + 1, ...s }))
    expect(outbox.nextSamples(0, 100)).toEqual(expected)
    outbox = reopen(outbox)
    expect(outbox.nextSamples(0, 100)).toEqual(expected)
    expect(outbox.nextSamples(5, 3)).toEqual(expected.slice(5, 8))
  })

  it('drops a reason given with a good quality (only a bad quality has one)', () => {
    const outbox = make()
    outbox.appendSamples([{ device: 'd', channel: 'c', ts: T0, value: 1, quality: 'good', reason: 'ignored' }])
    outbox.flush()
    expect(outbox.nextSamples(0, 1)).toEqual([{ seq: 1, device: 'd', channel: 'c', ts: T0, value: 1, quality: 'good' }])
  })

  it('keeps every kind of event as it was given, with its sequence number', () => {
    let outbox = make()
    const events: NewEvent[] = [
      { type: 'device-state', ts: T0, device: 'gas-1', from: 'online', to: 'offline', reason: 'no answer' },
      { type: 'device-identity', ts: T0, device: 'gas-1', identity: { vendor: 'Leping', model: 'GD-4' }, mismatch: 'model differs' },
      { type: 'line-state', ts: T0, bus: 'rs485-1', state: 'open' },
      { type: 'buffer-overflow', ts: T0, count: 3, firstSeq: 1, lastSeq: 3, cause: 'size' },
      { type: 'agent-started', ts: T0, version: '0.1.0', configHash: 'abc123' },
    ]
    const seqs = events.map((e) => outbox.commitEvent(e))
    expect(seqs).toEqual([1, 2, 3, 4, 5])
    outbox = reopen(outbox)
    const expected = events.map((e, i) => ({ ...e, seq: i + 1 }) as AgentEvent)
    expect(outbox.nextEvents(0, 10)).toEqual(expected)
    expect(outbox.nextEvents(2, 2)).toEqual(expected.slice(2, 4))
    outbox.acknowledgeEvents([2, 4])
    expect(seqsOf(outbox.nextEvents(0, 10))).toEqual([1, 3, 5])
  })

  it('acknowledges whole rows lying within an inclusive range, and nothing else', () => {
    const outbox = make()
    outbox.appendSamples(samples(5)) // row 1..5, committed with the event
    outbox.commitEvent(lineEvent()) // 6
    outbox.appendSamples(samples(5, 5)) // row 7..11
    outbox.flush()
    expect(outbox.acknowledgeSamples(2, 7)).toBe(0) // covers neither row whole: both stay, the event too
    expect(seqsOf(outbox.nextSamples(0, 100))).toEqual([1, 2, 3, 4, 5, 7, 8, 9, 10, 11])
    expect(outbox.acknowledgeSamples(1, 9)).toBe(5) // the first row; the event's number is skipped
    expect(seqsOf(outbox.nextSamples(0, 100))).toEqual([7, 8, 9, 10, 11])
    expect(seqsOf(outbox.nextEvents(0, 100))).toEqual([6])
    expect(outbox.depth()).toEqual({ samples: 5, events: 1, pending: 0 })
  })
})

describe('Outbox caps', () => {
  it('age: drops only telemetry older than maxAgeMs and says exactly how much in a buffer-overflow event', () => {
    let now = T0
    const outbox = make({ maxAgeMs: 60_000, clock: () => now })
    outbox.appendSamples(samples(10, 0, { ts: T0 - 45_000 })) // seqs 1..10: too old once the clock moves on 15 s
    outbox.commitEvent(lineEvent(T0 - 45_000)) // seq 11: as old, but an event
    outbox.appendSamples(samples(5, 10, { ts: T0 })) // seqs 12..16
    expect(outbox.enforceCaps()).toEqual([])
    now = T0 + 30_000 // cutoff T0 - 30 s: seqs 1..10 are older
    const written = outbox.enforceCaps()
    expect(written).toEqual([17])
    expect(seqsOf(outbox.nextSamples(0, 100))).toEqual([12, 13, 14, 15, 16])
    expect(outbox.nextEvents(0, 100)).toEqual([
      { type: 'line-state', ts: T0 - 45_000, bus: 'rs485-1', state: 'down', reason: 'no answer', seq: 11 },
      { type: 'buffer-overflow', ts: now, count: 10, firstSeq: 1, lastSeq: 10, cause: 'age', seq: 17 },
    ])
    expect(outbox.enforceCaps()).toEqual([])
  })

  it('age: the drop and the event that reports it are one transaction (no silent drop if the event fails)', () => {
    // the first reading sets the cutoff; the second, the event's time, cannot be serialised
    const readings: unknown[] = [T0 + 30_000, 10n]
    const outbox = make({ maxAgeMs: 1000, clock: () => readings.shift() as number })
    outbox.appendSamples(samples(3, 0, { ts: T0 }))
    expect(() => outbox.enforceCaps()).toThrow(/BigInt/)
    expect(seqsOf(outbox.nextSamples(0, 10))).toEqual([1, 2, 3])
    expect(outbox.nextEvents(0, 10)).toEqual([])
  })

  it('size: drops the oldest telemetry (a prefix), never events, with the exact count and range', () => {
    const maxBytes = 400_000
    const outbox = make({ maxBytes })
    const eventSeqs: number[] = []
    for (let round = 0; round < 20; round++) {
      outbox.appendSamples(samples(1000, round * 1000, { value: 'x'.repeat(20) }))
      eventSeqs.push(outbox.commitEvent(lineEvent()))
    }
    outbox.flush()
    const before = seqsOf(outbox.nextSamples(0, 1_000_000))
    expect(outbox.usedBytes()).toBeGreaterThan(maxBytes)
    const written = outbox.enforceCaps()
    expect(written).toHaveLength(1)
    const overflow = outbox.nextEvents(0, 1000).find((e) => e.seq === written[0])
    expect(overflow).toMatchObject({ type: 'buffer-overflow', cause: 'size' })
    if (overflow?.type !== 'buffer-overflow') throw new Error('no overflow event')
    const after = seqsOf(outbox.nextSamples(0, 1_000_000))
    const dropped = before.filter((s) => !after.includes(s))
    expect(overflow.count).toBe(dropped.length)
    expect(dropped).toEqual(before.slice(0, dropped.length)) // the oldest, contiguous
    expect(overflow.firstSeq).toBe(dropped[0])
    expect(overflow.lastSeq).toBe(dropped.at(-1))
    // every event is still there, the new one last
    expect(seqsOf(outbox.nextEvents(0, 1000))).toEqual([...eventSeqs, written[0]])
    expect(outbox.usedBytes()).toBeLessThanOrEqual(maxBytes)
  })

  it('size: never drops telemetry handed out for sending until the sender lets it go', () => {
    const maxBytes = 400_000
    const outbox = make({ maxBytes })
    for (let round = 0; round < 20; round++) outbox.appendSamples(samples(1000, round * 1000, { value: 'x'.repeat(20) }))
    outbox.flush()
    const batch = outbox.nextTelemetryBatch('gw', 0, 5000, 1_000_000)!
    const written = outbox.enforceCaps()
    expect(written).toHaveLength(1)
    const overflow = outbox.nextEvents(0, 1000).find((e) => e.seq === written[0])
    if (overflow?.type !== 'buffer-overflow') throw new Error('no overflow event')
    // the batch on its way is still there, the drop starts after it
    expect(overflow.firstSeq).toBeGreaterThan(batch.lastSeq)
    expect(seqsOf(outbox.nextSamples(0, batch.count)).at(-1)).toBe(batch.lastSeq)
    outbox.releaseHandedOut()
    outbox.appendSamples(samples(20_000, 100_000, { value: 'x'.repeat(20) }))
    outbox.flush()
    const again = outbox.enforceCaps()
    const second = outbox.nextEvents(0, 1000).find((e) => e.seq === again[0])
    if (second?.type !== 'buffer-overflow') throw new Error('no second overflow event')
    expect(second.firstSeq).toBe(batch.firstSeq)
  })

  it('size: never drops events, even when they alone exceed the cap', () => {
    const outbox = make({ maxBytes: 20_000 })
    for (let i = 0; i < 300; i++) outbox.commitEvent({ type: 'device-state', ts: T0, device: `device-${i}`, from: 'online', to: 'offline', reason: 'r'.repeat(200) })
    expect(outbox.usedBytes()).toBeGreaterThan(20_000)
    expect(outbox.enforceCaps()).toEqual([])
    expect(outbox.depth().events).toBe(300)
  })
})

describe('Outbox file size', () => {
  it('reclaim() gives the space of acknowledged records back to the file system', () => {
    const outbox = make()
    const file = join(dir, 'outbox.db')
    for (let i = 0; i < 10; i++) outbox.appendSamples(samples(10_000, i * 10_000))
    outbox.flush()
    outbox.reclaim() // checkpoint the WAL into the main file
    const full = statSync(file).size
    expect(full).toBeGreaterThan(1_000_000)
    outbox.acknowledgeSamples(1, 100_000)
    outbox.reclaim(0) // a checkpoint, but at most one page vacuumed
    expect(statSync(file).size).toBeGreaterThan(full * 0.9) // deleting alone does not shrink the file
    outbox.reclaim()
    expect(statSync(file).size).toBeLessThan(full / 10)
    expect(outbox.usedBytes()).toBeLessThan(full / 10)
  })
})

describe('Outbox telemetry batches (rows merged into wire batches)', () => {
  const GW = 'gw-1'
  const validate = createValidator<TelemetryBatch>(TelemetryBatchSchema)
  /** One poll of a device: consecutive channels, one timestamp. */
  const poll = (device: string, channels: string[], ts: number, value = 1.5): Sample[] =>
    channels.map((channel, i) => ({ device, channel, ts, value: value + i, quality: 'good' }))
  const batchOf = (outbox: Outbox, afterSeq: number, maxSamples = 5000, maxBytes = 1_000_000) => {
    const batch = outbox.nextTelemetryBatch(GW, afterSeq, maxSamples, maxBytes)
    if (!batch) throw new Error('no batch')
    const parsed = JSON.parse(batch.payload.toString()) as TelemetryBatch
    expect(validate(parsed)).toBe(true)
    return { batch, parsed, samples: decodeTelemetry(parsed) }
  }

  it('merges rows with different channel sets: one dictionary, ch0 remapped, every sample as committed', () => {
    const outbox = make()
    // global channel ids in order of first appearance: a/x=1, a/y=2, b/x=3, b/y=4, b/z=5, c/x=6
    const all = [
      ...poll('a', ['x', 'y'], T0), ...poll('b', ['x', 'y', 'z'], T0), ...poll('c', ['x'], T0),
    ]
    outbox.appendSamples(all)
    outbox.flush() // row 1..6
    outbox.appendSamples([...poll('c', ['x'], T0 + 1000), ...poll('b', ['y', 'z'], T0 + 1000, 7)])
    outbox.flush() // row 7..9: uses ids 6, 4, 5 only
    outbox.appendSamples(poll('b', ['y', 'z'], T0 + 2000, 9))
    outbox.flush() // row 10..11: ids 4, 5
    const second = batchOf(outbox, 6)
    // the dictionary holds only what the message uses, in global-id order: b/y, b/z, c/x
    expect(second.parsed.ch).toEqual(['b/y', 'b/z', 'c/x'])
    expect(second.parsed.g.map((g) => [g.seq0, g.ch0, g.values.length])).toEqual([[7, 2, 1], [8, 0, 2], [10, 0, 2]])
    expect(second.batch).toMatchObject({ rowFirstSeq: 7, firstSeq: 7, lastSeq: 11, count: 5, full: false })
    const whole = batchOf(outbox, 0)
    expect(whole.samples).toEqual(outbox.nextSamples(0, 100))
    expect(whole.samples.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    expect(whole.parsed.ch).toEqual(['a/x', 'a/y', 'b/x', 'b/y', 'b/z', 'c/x'])
  })

  it('keeps a group whole when the ids between its channels are missing from the message', () => {
    const outbox = make()
    outbox.appendSamples(poll('d', ['c1', 'c2', 'c3', 'c4'], T0)) // ids 1..4
    outbox.flush()
    outbox.appendSamples([...poll('e', ['k'], T0), ...poll('d', ['c3', 'c4'], T0 + 1)]) // ids 5, 3, 4
    outbox.flush()
    const { parsed, samples } = batchOf(outbox, 4)
    expect(parsed.ch).toEqual(['d/c3', 'd/c4', 'e/k'])
    expect(parsed.g.map((g) => [g.ch0, g.values])).toEqual([[2, [1.5]], [0, [1.5, 2.5]]])
    expect(samples.map((s) => `${s.seq} ${s.device}/${s.channel}`)).toEqual(['5 e/k', '6 d/c3', '7 d/c4'])
  })

  it('respects maxSamples by whole rows, splits a row only when it alone is too big, and acknowledges whole rows', () => {
    const outbox = make()
    for (let i = 0; i < 4; i++) {
      outbox.appendSamples(poll(`dev-${i}`, ['a', 'b', 'c', 'd', 'e'], T0 + i))
      outbox.flush()
    } // rows 1..5, 6..10, 11..15, 16..20
    const first = batchOf(outbox, 0, 12)
    expect(first.batch).toMatchObject({ rowFirstSeq: 1, firstSeq: 1, lastSeq: 10, count: 10, full: true })
    // a limit smaller than a row: the row is split, the part carries the row's first number for the acknowledgement
    const part = batchOf(outbox, 10, 3)
    expect(part.batch).toMatchObject({ rowFirstSeq: 11, firstSeq: 11, lastSeq: 13, count: 3, full: true })
    expect(outbox.acknowledgeSamples(part.batch.rowFirstSeq, part.batch.lastSeq)).toBe(0) // the row is not complete yet
    const rest = batchOf(outbox, 13, 3)
    expect(rest.batch).toMatchObject({ rowFirstSeq: 11, firstSeq: 14, lastSeq: 15, count: 2 })
    expect(rest.samples.map((s) => [s.seq, s.device, s.channel, s.value])).toEqual([[14, 'dev-2', 'd', 4.5], [15, 'dev-2', 'e', 5.5]])
    expect(outbox.acknowledgeSamples(1, 10)).toBe(10)
    expect(outbox.acknowledgeSamples(rest.batch.rowFirstSeq, rest.batch.lastSeq)).toBe(5)
    expect(seqsOf(outbox.nextSamples(0, 100))).toEqual([16, 17, 18, 19, 20])
    expect(outbox.nextTelemetryBatch(GW, 20, 100, 1_000_000)).toBeUndefined()
  })

  it('keeps qualities and reasons through a split and a merge', () => {
    const outbox = make()
    const bad: Sample[] = [
      { device: 'g', channel: 'a', ts: T0, value: 1, quality: 'good' },
      { device: 'g', channel: 'b', ts: T0, value: null, quality: 'comm-fail', reason: 'no answer' },
      { device: 'g', channel: 'c', ts: T0, value: 'x"ch0":5', quality: 'good' },
      { device: 'g', channel: 'd', ts: T0, value: true, quality: 'stale', reason: 'old "ch0":7' },
    ]
    outbox.appendSamples(bad)
    outbox.flush()
    const expected = bad.map((s, i) => ({ seq: i + 1, ...s }))
    expect(batchOf(outbox, 0).samples).toEqual(expected)
    expect(batchOf(outbox, 1, 2).samples).toEqual(expected.slice(1, 3))
    expect(batchOf(outbox, 2).samples).toEqual(expected.slice(2))
  })

  it('bytes per sample: ≤ 40 on disk, ≤ 20 on the wire for 2 s of live 1 Hz polls and for a backlog batch', () => {
    // 500 channels: 50 devices of 10 channels (names of ~11 characters, e.g. gas-12/h2s), polled at 1 Hz,
    // group commit every 100 ms (≈ 50 samples a row)
    const outbox = make()
    const channels = ['ch4', 'co', 'o2', 'h2s', 'temp', 'hum', 'flow', 'press', 'alarm', 'fault']
    let seconds = 0
    const second = (): void => {
      for (let d = 0; d < 50; d++) {
        outbox.appendSamples(poll(`gas-${d}`, channels, T0 + seconds * 1000 + d * 20, Math.round(d * 13.7) / 10))
        if (d % 5 === 4) outbox.flush()
      }
      seconds++
    }
    for (let s = 0; s < 120; s++) second()
    outbox.reclaim()
    const committed = outbox.depth().samples
    expect(committed).toBe(60_000)
    const disk = outbox.usedBytes() / committed
    expect(disk).toBeLessThanOrEqual(40)
    const live = batchOf(outbox, 0, 5000) // what a live uplink sends with batchMs 2000 is 2 s of polls
    const liveTwoSeconds = outbox.nextTelemetryBatch(GW, 0, 1000, 1_000_000)!
    expect(liveTwoSeconds.count).toBe(1000)
    expect(liveTwoSeconds.payload.length / liveTwoSeconds.count).toBeLessThanOrEqual(20)
    expect(live.batch.count).toBe(5000)
    expect(live.batch.payload.length / live.batch.count).toBeLessThanOrEqual(20)
  })
})

describe('Outbox compaction (an outage backlog becomes a few large rows)', () => {
  const GW = 'gw-1'
  const rowsOnDisk = (): [number, number, number][] => {
    const db = new Database(join(dir, 'outbox.db'), { readonly: true, fileMustExist: true })
    try {
      return db.prepare('SELECT first_seq, last_seq, count FROM telemetry ORDER BY first_seq').raw().all() as [number, number, number][]
    } finally {
      db.close()
    }
  }
  /** 100-sample commits (as 100 ms windows would make), the clock one second on each */
  function fill(outbox: Outbox, clock: { now: number }, commits: number, from = 0): void {
    for (let c = 0; c < commits; c++) {
      outbox.appendSamples(samples(100, from + c * 100))
      outbox.flush()
      clock.now += 1000
    }
  }

  it('merges small rows once compactAfterMs old, never across an event, keeping every sample', () => {
    const clock = { now: T0 }
    const outbox = make({ clock: () => clock.now, compactAfterMs: 10_000 })
    fill(outbox, clock, 30) // seqs 1..3000
    const event = outbox.commitEvent(lineEvent()) // 3001
    fill(outbox, clock, 60, 3000) // 3002..9001
    const before = outbox.nextSamples(0, 100_000)
    fill(outbox, clock, 12, 9000) // moves the clock on: the first 90 commits are now older than 10 s
    const rows = rowsOnDisk()
    expect(rows[0]).toEqual([1, 3000, 3000]) // merged up to the event
    // after it, a row of at least 90 % of 5,000 samples; a shorter run waits to fill one
    expect(rows[1]![0]).toBe(event + 1)
    expect(rows[1]![2]).toBeGreaterThanOrEqual(4500)
    expect(rows.slice(2).every(([, , count]) => count === 100 || count >= 4500)).toBe(true)
    expect(rows.length).toBeLessThan(30)
    expect(outbox.nextSamples(0, 100_000).filter((s) => s.seq <= 9001)).toEqual(before)
    expect(outbox.depth()).toEqual({ samples: 10_200, events: 1, pending: 0 })
    // rows hold contiguous ranges: count = last - first + 1
    for (const [first, last, count] of rowsOnDisk()) expect(count).toBe(last - first + 1)
  })

  it('a row merged while parts of it are in flight: the acknowledgement keeps it, its unsent rest goes next, nothing twice', () => {
    const clock = { now: T0 }
    const outbox = make({ clock: () => clock.now, compactAfterMs: 10_000 })
    fill(outbox, clock, 60) // 6,000 samples in 100-sample rows
    // the uplink reads a first message of 3 rows (300 samples) …
    const first = outbox.nextTelemetryBatch(GW, 0, 300, 1_000_000)!
    expect(first).toMatchObject({ rowFirstSeq: 1, lastSeq: 300 })
    // … then compaction merges those rows with later ones before the PUBACK
    clock.now += 20_000
    fill(outbox, clock, 1, 6000)
    expect(rowsOnDisk()[0]![1]).toBeGreaterThan(300)
    outbox.queueAcknowledgement(first.rowFirstSeq, first.lastSeq)
    expect(outbox.depth().samples).toBe(6100) // the merged row is not complete: kept
    const rest = outbox.nextTelemetryBatch(GW, first.lastSeq, 5000, 1_000_000)!
    const restSamples = decodeTelemetry(JSON.parse(rest.payload.toString()) as TelemetryBatch)
    expect(restSamples[0]!.seq).toBe(301) // the rest of the merged row, as a slice
    outbox.queueAcknowledgement(first.rowFirstSeq, rest.lastSeq) // the uplink acknowledges from its connection's first row
    expect(outbox.depth().samples).toBe(6100 - rest.lastSeq)
    expect(seqsOf(outbox.nextSamples(0, 100_000))[0]).toBe(rest.lastSeq + 1)
  })

  it('queued acknowledgements are deleted in batches, and before anything could read them again', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const outbox = make({ compactAfterMs: 0 })
    for (let i = 0; i < 5; i++) {
      outbox.appendSamples(samples(10, i * 10))
      outbox.flush()
    }
    outbox.queueAcknowledgement(1, 10)
    outbox.queueAcknowledgement(1, 20)
    expect(committedOnDisk().samples).toHaveLength(50) // not yet deleted
    // a reader starting below the acknowledged range (a new connection) does not see them
    expect(seqsOf(outbox.nextSamples(0, 100))[0]).toBe(21)
    expect(committedOnDisk().samples).toHaveLength(30)
    outbox.queueAcknowledgement(1, 30)
    vi.advanceTimersByTime(20)
    expect(committedOnDisk().samples).toHaveLength(20)
    expect(outbox.depth().samples).toBe(20)
  })
})

describe('Outbox upgrade from the per-sample format', () => {
  it('turns a samples table into rows at open, keeping numbers, values, qualities and reasons', () => {
    const path = join(dir, 'outbox.db')
    const db = new Database(path)
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
      CREATE TABLE channels (id INTEGER PRIMARY KEY, device TEXT NOT NULL, channel TEXT NOT NULL, UNIQUE (device, channel)) STRICT;
      CREATE TABLE reasons (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE) STRICT;
      CREATE TABLE samples (seq INTEGER PRIMARY KEY, ch INTEGER NOT NULL, ts INTEGER NOT NULL, v ANY, q INTEGER NOT NULL, r INTEGER) STRICT;
      CREATE TABLE events (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, body TEXT NOT NULL) STRICT;
      INSERT INTO channels VALUES (1, 'gas-1', 'ch4'), (2, 'gas-1', 'alarm');
      INSERT INTO reasons VALUES (1, 'no answer');
      INSERT INTO samples VALUES (3, 1, ${T0}, 0.5, 0, NULL), (4, 2, ${T0}, 1, 16, NULL), (6, 1, ${T0 + 1}, NULL, 1, 1);
      INSERT INTO meta VALUES ('next_seq', 7);
    `)
    db.close()
    const outbox = make()
    expect(outbox.nextSamples(0, 10)).toEqual([
      { seq: 3, device: 'gas-1', channel: 'ch4', ts: T0, value: 0.5, quality: 'good' },
      { seq: 4, device: 'gas-1', channel: 'alarm', ts: T0, value: true, quality: 'good' },
      { seq: 6, device: 'gas-1', channel: 'ch4', ts: T0 + 1, value: null, quality: 'comm-fail', reason: 'no answer' },
    ])
    expect(outbox.depth().samples).toBe(3)
    expect(outbox.peekNextSeq()).toBe(7)
  })
})
