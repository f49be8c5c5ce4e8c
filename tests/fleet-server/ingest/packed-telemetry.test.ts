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

  it('packs samples and gives back the kept ones', () => {
    const list = samples(10, 30, 1_700_000_000_000, 3)
    const packed = packSamples('gw-0-0-0', list)
    expect(packed.count).toBe(30)
    expect(keptSamples(packed)).toEqual(list)
    packed.keep.fill(0, 0, 12)
    expect(keptSamples(packed)).toEqual(list.slice(12))
  })
})
