import Database from 'better-sqlite3'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Outbox, type NewEvent, type OutboxOptions } from '../../../edge-agent/src/outbox/index.ts'
import type { AgentEvent } from '../../../protocols/mqtt/index.ts'
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
      samples: db.prepare('SELECT seq FROM samples ORDER BY seq').pluck().all() as number[],
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
    const event = outbox.appendEvent(lineEvent())
    outbox.appendSamples(samples(2, 3))
    outbox.flush()
    expect(event).toBe(4)
    expect(seqsOf(outbox.nextSamples(0, 100))).toEqual([1, 2, 3, 5, 6])
    expect(seqsOf(outbox.nextEvents(0, 100))).toEqual([4])
  })

  it('are persisted across a reopen and never reused, even after every record was acknowledged', () => {
    let outbox = make()
    outbox.appendSamples(samples(5))
    const event = outbox.appendEvent(lineEvent())
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
    expect(outbox.appendEvent(lineEvent())).toBe(8)
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
    const seq = outbox.appendEvent(lineEvent())
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
    const seqs = events.map((e) => outbox.appendEvent(e))
    expect(seqs).toEqual([1, 2, 3, 4, 5])
    outbox = reopen(outbox)
    const expected = events.map((e, i) => ({ ...e, seq: i + 1 }) as AgentEvent)
    expect(outbox.nextEvents(0, 10)).toEqual(expected)
    expect(outbox.nextEvents(2, 2)).toEqual(expected.slice(2, 4))
    outbox.acknowledgeEvents([2, 4])
    expect(seqsOf(outbox.nextEvents(0, 10))).toEqual([1, 3, 5])
  })

  it('acknowledges an inclusive range of samples and nothing else', () => {
    const outbox = make()
    outbox.appendSamples(samples(5))
    outbox.appendEvent(lineEvent())
    outbox.appendSamples(samples(5, 5))
    outbox.flush()
    outbox.acknowledgeSamples(2, 7) // spans the event's number: the event stays
    expect(seqsOf(outbox.nextSamples(0, 100))).toEqual([1, 8, 9, 10, 11])
    expect(seqsOf(outbox.nextEvents(0, 100))).toEqual([6])
  })
})

describe('Outbox caps', () => {
  it('age: drops only telemetry older than maxAgeMs and says exactly how much in a buffer-overflow event', () => {
    let now = T0
    const outbox = make({ maxAgeMs: 60_000, clock: () => now })
    outbox.appendSamples(samples(10, 0, { ts: T0 - 45_000 })) // seqs 1..10: too old once the clock moves on 15 s
    outbox.appendEvent(lineEvent(T0 - 45_000)) // seq 11: as old, but an event
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
      eventSeqs.push(outbox.appendEvent(lineEvent()))
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

  it('size: never drops events, even when they alone exceed the cap', () => {
    const outbox = make({ maxBytes: 20_000 })
    for (let i = 0; i < 300; i++) outbox.appendEvent({ type: 'device-state', ts: T0, device: `device-${i}`, from: 'online', to: 'offline', reason: 'r'.repeat(200) })
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
