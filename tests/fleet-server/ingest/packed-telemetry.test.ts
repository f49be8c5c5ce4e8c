import { describe, expect, it } from 'vitest'
import { checkTelemetry, keptSamples, packSamples } from '../../../fleet-server/src/ingest/packed-telemetry.ts'
import { parseTopic, ReferenceConsumer } from '../../../protocols/mqtt/index.ts'
import { samples, telemetryPayload } from '../store/fixtures.ts'
import { hostileMessages } from './hostile-payloads.ts'

describe('packed telemetry', () => {
  it('checks a telemetry payload exactly as ReferenceConsumer does: same verdict, reason and detail', () => {
    const valid = Array.from({ length: 200 }, (_, i) => ({ topic: 'fleet/v1/site-0-0/gw-0-0-0/telemetry', payload: telemetryPayload('gw-0-0-0', samples(i * 7, 1 + (i % 40), 1_700_000_000_000 + i)) }))
    const messages = [...valid, ...hostileMessages(5000, 99, 'site-0-0', 'gw-0-0-0', 'site-0-1')]
    let compared = 0
    for (const m of messages) {
      const topic = parseTopic(m.topic)
      if (topic?.kind !== 'telemetry') continue
      const reference = new ReferenceConsumer().consume(m.topic, m.payload)
      const packed = checkTelemetry(topic.gateway, m.payload)
      if (reference.ok) {
        expect(packed.ok).toBe(true)
        if (packed.ok && reference.accepted.kind === 'telemetry') expect(packed.samples).toBe(reference.accepted.samples.length + reference.accepted.duplicates)
      } else {
        expect(packed).toEqual({ ok: false, reason: reference.reason, detail: reference.detail })
      }
      compared++
    }
    expect(compared).toBeGreaterThan(3000)
  })

  it('gives the same verdicts when it skips the entry rules of a dictionary that passed before', () => {
    const gateway = 'gw-0-0-0'
    const dictionaries = new Map<string, readonly string[]>()
    // mostly one dictionary (3 devices), now and then another one (2 devices)
    const valid = (i: number) => telemetryPayload(gateway, samples(i * 7, 6, 1_700_000_000_000 + i, i % 11 === 0 ? 2 : 3))
    // a dictionary the cache holds, then the same one with a broken entry or a broken value: the whole schema must speak
    const known = JSON.parse(valid(4).toString()) as { ch: string[]; g: { values: unknown[] }[] }
    const brokenEntry = Buffer.from(JSON.stringify({ ...known, ch: known.ch.map((c, i) => (i === 0 ? 'no-slash' : c)) }))
    const brokenValue = Buffer.from(JSON.stringify({ ...known, g: [{ ...known.g[0], values: [{ deep: 1 }] }] }))
    const hostile = hostileMessages(3000, 5, 'site-0-0', gateway, 'site-0-1').filter((m) => parseTopic(m.topic)?.gateway === gateway)
    const stream = Array.from({ length: 600 }, (_, i) => (i % 3 === 0 ? hostile[i % hostile.length]!.payload : i % 7 === 0 ? (i % 2 ? brokenEntry : brokenValue) : valid(i)))
    let skipped = 0
    for (const payload of stream) {
      const before = dictionaries.get(gateway)
      const cached = checkTelemetry(gateway, payload, dictionaries)
      expect(cached).toEqual(checkTelemetry(gateway, payload))
      if (cached.ok && before !== undefined && dictionaries.get(gateway) === before) skipped++
    }
    expect(skipped).toBeGreaterThan(150)
  })

  it('packs samples and gives back the kept ones', () => {
    const list = samples(10, 30, 1_700_000_000_000, 3)
    const packed = packSamples('gw-0-0-0', list)
    expect(packed.count).toBe(30)
    expect(keptSamples(packed)).toEqual(list)
    packed.keep.fill(0, 0, 12)
    expect(keptSamples(packed)).toEqual(list.slice(12))
  })
})
