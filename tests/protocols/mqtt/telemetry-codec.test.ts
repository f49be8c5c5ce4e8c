import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeTelemetry, encodeTelemetry, TelemetryBatchSchema, type SequencedSample } from '../../../protocols/mqtt/index.ts'
import { createValidator } from '../../../protocols/validation/index.ts'
import { QUALITIES } from '../../../protocols/quality.ts'

const validate = createValidator(TelemetryBatchSchema)

/** One poll of `devices` devices × `channels` channels at 1 Hz, consecutive sequence numbers. */
function polls(count: number, devices: number, channels: number, seq0 = 1000): SequencedSample[] {
  const samples: SequencedSample[] = []
  let seq = seq0
  for (let p = 0; p < count; p++) {
    for (let d = 0; d < devices; d++) {
      for (let c = 0; c < channels; c++) {
        samples.push({ seq: seq++, device: `ch4-t${d}`, channel: `c${c}`, ts: 1795963372000 + p * 1000 + d, value: Math.round(Math.random() * 400) / 100, quality: 'good' })
      }
    }
  }
  return samples
}

describe('telemetry batches', () => {
  it('round-trips every sample exactly, and validates', () => {
    const samples = polls(5, 4, 6)
    samples[7] = { ...samples[7]!, value: null, quality: 'comm-fail', reason: 'no answer within 300 ms' }
    samples[8] = { ...samples[8]!, value: true }
    samples[9] = { ...samples[9]!, value: 'GJC4', quality: 'good' }
    const batch = encodeTelemetry('gw-1', samples)
    expect(validate(batch)).toBe(true)
    expect(decodeTelemetry(batch)).toEqual(samples)
  })

  it('packs a poll of a device into one group', () => {
    const batch = encodeTelemetry('gw-1', polls(3, 2, 10))
    expect(batch.ch).toHaveLength(20)
    expect(batch.g).toHaveLength(6)
    expect(batch.g[2]).toMatchObject({ seq0: 1020, ch0: 0 })
  })

  it('costs at most 20 bytes a sample on the wire for 500 channels at 1 Hz', () => {
    const samples = polls(10, 50, 10)
    const bytes = Buffer.byteLength(JSON.stringify(encodeTelemetry('yongshan-coal-gw1', samples.slice(0, 5000))))
    expect(bytes / 5000).toBeLessThanOrEqual(20)
  })

  it('round-trips any sample sequence (property)', () => {
    const sample = fc.record({
      device: fc.stringMatching(/^[a-z0-9-]{1,12}$/u),
      channel: fc.stringMatching(/^[a-z0-9_]{1,12}$/u),
      ts: fc.integer({ min: 0, max: 2_000_000_000_000 }),
      value: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.string({ maxLength: 20 })),
      quality: fc.constantFrom(...QUALITIES),
      gap: fc.integer({ min: 1, max: 3 }),
    })
    fc.assert(fc.property(fc.array(sample, { minLength: 1, maxLength: 200 }), (raw) => {
      let seq = 0
      const samples: SequencedSample[] = raw.map(({ gap, ...s }) => ({ ...s, value: Object.is(s.value, -0) ? 0 : s.value, seq: (seq += gap) }))
      const batch = encodeTelemetry('gw', samples)
      expect(validate(batch)).toBe(true)
      const decoded = decodeTelemetry(JSON.parse(JSON.stringify(batch)))
      expect(decoded).toEqual(samples)
    }))
  })
})
