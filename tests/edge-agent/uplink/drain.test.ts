import { describe, expect, it } from 'vitest'
import { OutboxDrain, type OutboxDrainOptions } from '../../../edge-agent/src/uplink/drain.ts'
import type { UplinkOutbox } from '../../../edge-agent/src/uplink/options.ts'
import type { AgentEvent } from '../../../protocols/mqtt/index.ts'

// What the uplink publishes next and what each PUBACK lets go of, without a broker: an outbox fake
// that records what was acknowledged, and the test's clock.

type TelemetryBatch = NonNullable<ReturnType<UplinkOutbox['nextTelemetryBatch']>>

const event = (seq: number): AgentEvent => ({ seq, type: 'agent-started', ts: 1_000 + seq, version: '0.1.0', configHash: `hash-${seq}` }) as AgentEvent

/** Acknowledged telemetry rows leave it, as they leave the outbox. */
function fakeOutbox(events: AgentEvent[], batches: Omit<TelemetryBatch, 'payload'>[]) {
  const acknowledged = { events: [] as number[][], telemetry: [] as [number, number][] }
  const outbox: UplinkOutbox = {
    nextEvents: (afterSeq, limit) => events.filter((e) => e.seq > afterSeq).slice(0, limit),
    nextTelemetryBatch: (_gateway, afterSeq) => {
      const batch = batches.find((b) => b.lastSeq > afterSeq)
      return batch && { ...batch, payload: Buffer.from(`telemetry ${batch.firstSeq}-${batch.lastSeq}`) }
    },
    acknowledgeEvents: (seqs) => void acknowledged.events.push([...seqs]),
    queueAcknowledgement: (from, to) => {
      acknowledged.telemetry.push([from, to])
      batches = batches.filter((b) => b.lastSeq < from || b.rowFirstSeq > to)
    },
    releaseHandedOut: () => {},
  }
  return { outbox, acknowledged }
}

function drainOf(outbox: UplinkOutbox, options: Partial<OutboxDrainOptions> = {}) {
  let now = 10_000
  const counted: [string, number][] = []
  const drain = new OutboxDrain({
    gateway: 'gw-1', outbox, batchSamples: 5000, batchEvents: 100, batchMs: 2000, clock: () => now,
    acknowledged: (stream, count) => void counted.push([stream, count]), ...options,
  })
  return { drain, counted, advanceTo: (ms: number) => void (now = ms) }
}

const batch = (firstSeq: number, lastSeq: number, minTs: number, full: boolean): Omit<TelemetryBatch, 'payload'> =>
  ({ rowFirstSeq: firstSeq, firstSeq, lastSeq, count: lastSeq - firstSeq + 1, minTs, full })

describe('OutboxDrain', () => {
  it('gives the events ahead of the telemetry, each record once per connection', () => {
    const { outbox } = fakeOutbox([event(3), event(7)], [batch(1, 2, 0, true), batch(4, 6, 0, true)])
    const { drain } = drainOf(outbox)
    const first = drain.next(256 * 1024)!
    expect(first.stream).toBe('events')
    expect(JSON.parse(first.payload.toString())).toMatchObject({ v: 1, gw: 'gw-1', events: [{ seq: 3 }, { seq: 7 }] })
    expect([drain.next(256 * 1024)?.payload.toString(), drain.next(256 * 1024)?.payload.toString()]).toEqual(['telemetry 1-2', 'telemetry 4-6'])
    expect(drain.next(256 * 1024)).toBeUndefined()
  })

  it('holds live telemetry until batchMs after its oldest sample; a full batch goes at once', () => {
    const { outbox } = fakeOutbox([], [batch(1, 40, 9_000, false)])
    const { drain, advanceTo } = drainOf(outbox)
    expect(drain.next(256 * 1024)).toBeUndefined()
    advanceTo(10_999)
    expect(drain.next(256 * 1024)).toBeUndefined()
    advanceTo(11_000)
    expect(drain.next(256 * 1024)?.payload.toString()).toBe('telemetry 1-40')

    const full = drainOf(fakeOutbox([], [batch(1, 5000, 9_999, true)]).outbox)
    expect(full.drain.next(256 * 1024)?.stream).toBe('telemetry')
  })

  it('with batchMs 0, publishes live telemetry at once', () => {
    const { drain } = drainOf(fakeOutbox([], [batch(1, 3, 10_000, false)]).outbox, { batchMs: 0 })
    expect(drain.next(256 * 1024)?.stream).toBe('telemetry')
  })

  it('at a PUBACK, lets go of the events it carried and of every row from the connection\'s first one', () => {
    const { outbox, acknowledged } = fakeOutbox([event(5)], [batch(1, 4, 0, true), batch(6, 9, 0, true)])
    const { drain, counted } = drainOf(outbox)
    const messages = [drain.next(256 * 1024)!, drain.next(256 * 1024)!, drain.next(256 * 1024)!]
    for (const message of messages) message.onAcknowledged()
    expect(acknowledged).toEqual({ events: [[5]], telemetry: [[1, 4], [1, 9]] })
    expect(counted).toEqual([['events', 1], ['telemetry', 4], ['telemetry', 4]])
  })

  it('after restart() (a new connection) reads again from the oldest record left', () => {
    const { outbox, acknowledged } = fakeOutbox([event(3)], [batch(1, 2, 0, true), batch(4, 6, 0, true)])
    const { drain } = drainOf(outbox)
    drain.next(256 * 1024)
    drain.next(256 * 1024)!.onAcknowledged() // rows 1-2 acknowledged and gone
    drain.next(256 * 1024) // rows 4-6 in flight when the connection breaks
    drain.restart()
    expect(drain.next(256 * 1024)?.stream).toBe('events')
    const resent = drain.next(256 * 1024)!
    expect(resent.payload.toString()).toBe('telemetry 4-6')
    resent.onAcknowledged()
    // from the first row of this connection, not of the one before
    expect(acknowledged.telemetry).toEqual([[1, 2], [4, 6]])
  })

  it('halves an events message until it fits the broker\'s limit', () => {
    const events = Array.from({ length: 40 }, (_, i) => event(i + 1))
    const { drain } = drainOf(fakeOutbox(events, []).outbox)
    const message = drain.next(1500)!
    const carried = (JSON.parse(message.payload.toString()) as { events: AgentEvent[] }).events
    expect(message.payload.length).toBeLessThanOrEqual(1500)
    expect(carried.length).toBeGreaterThan(0)
    expect(carried.length).toBeLessThan(40)
    // the next message goes on after the last event this one carried
    const next = (JSON.parse(drain.next(256 * 1024)!.payload.toString()) as { events: AgentEvent[] }).events
    expect(next[0]!.seq).toBe(carried.at(-1)!.seq + 1)
  })
})
