import { describe, expect, it } from 'vitest'
import { encodeTelemetry, ReferenceConsumer, topicOf, type SequencedSample } from '../../../protocols/mqtt/index.ts'

const json = (value: unknown) => Buffer.from(JSON.stringify(value))
const sample = (seq: number): SequencedSample => ({ seq, device: 'ch4-t1', channel: 'ch4', ts: 1795963372000 + seq, value: 0.5, quality: 'good' })
const telemetry = topicOf('site-1', 'gw-1', 'telemetry')

describe('ReferenceConsumer', () => {
  it('accepts each sample and event once across resends', () => {
    const consumer = new ReferenceConsumer()
    const first = consumer.consume(telemetry, json(encodeTelemetry('gw-1', [sample(1), sample(2), sample(3)])))
    expect(first).toMatchObject({ ok: true, accepted: { kind: 'telemetry', duplicates: 0 } })
    const resend = consumer.consume(telemetry, json(encodeTelemetry('gw-1', [sample(2), sample(3), sample(4)])))
    expect(resend.ok && resend.accepted.kind === 'telemetry' && resend.accepted.samples.map((s) => s.seq)).toEqual([4])
    const events = consumer.consume(topicOf('site-1', 'gw-1', 'events'), json({ v: 1, gw: 'gw-1', events: [{ seq: 5, ts: 1, type: 'line-state', bus: 'rs485', state: 'down' }, { seq: 3, ts: 1, type: 'line-state', bus: 'rs485', state: 'open' }] }))
    expect(events.ok && events.accepted.kind === 'events' && events.accepted.events.map((e) => e.seq)).toEqual([5])
    expect(consumer.duplicates).toBe(3)
    expect(consumer.tracker.gaps('gw-1')).toEqual([])
  })

  it('rejects and counts malformed payloads without accepting any part of them', () => {
    const consumer = new ReferenceConsumer()
    const cases: [string, Buffer, string][] = [
      ['fleet/v1/site-1/gw-1/nonsense', json({ v: 1 }), 'topic'],
      ['fleet/v1/site-1/+/telemetry', json({ v: 1 }), 'topic'],
      [telemetry, Buffer.alloc(1_000_001, 32), 'oversize'],
      [telemetry, Buffer.from('{"v":1,'), 'json'],
      [telemetry, json({ v: 2, gw: 'gw-1' }), 'version'],
      [telemetry, json([1, 2]), 'version'],
      [telemetry, json({ v: 1, gw: 'gw-1', ch: ['a/b'], g: [{ seq0: 'x', ts: 1, ch0: 0, values: [1] }] }), 'schema'],
      [telemetry, json(encodeTelemetry('gw-2', [sample(10)])), 'gateway-mismatch'],
      [telemetry, json({ v: 1, gw: 'gw-1', ch: ['a/b'], g: [{ seq0: 20, ts: 1, ch0: 0, values: [1, 2] }] }), 'inconsistent'],
    ]
    for (const [topic, payload, reason] of cases) {
      const result = consumer.consume(topic, payload)
      expect(result, reason).toMatchObject({ ok: false, reason })
    }
    expect(consumer.rejected).toEqual({ topic: 2, oversize: 1, json: 1, version: 2, schema: 1, 'gateway-mismatch': 1, inconsistent: 1 })
    expect(consumer.tracker.gateways()).toEqual([])
  })
})
