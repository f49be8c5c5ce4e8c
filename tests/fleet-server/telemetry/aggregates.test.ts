import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Aggregates, HOUR_MS, MINUTE_MS, type Bucket } from '../../../fleet-server/src/telemetry/aggregates.ts'
import { packSamples, scanKept } from '../../../fleet-server/src/telemetry/packed-telemetry.ts'
import { QUALITIES } from '../../../protocols/quality.ts'
import type { SequencedSample } from '../../../protocols/mqtt/index.ts'

const T0 = Date.parse('2026-11-29T15:58:00Z') // two minutes before midnight in Shanghai
const DEVICES = ['gas-0', 'gas-1', 'relay-0']
const CHANNELS = ['ch4', 'co']

const sampleArb = fc.record({
  device: fc.constantFrom(...DEVICES),
  channel: fc.constantFrom(...CHANNELS),
  // mostly forward in time, across minute and hour boundaries, sometimes back
  ts: fc.integer({ min: 0, max: 2 * HOUR_MS }).map((d) => T0 + d),
  value: fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.boolean(), fc.constant(null), fc.string({ maxLength: 3 })),
  quality: fc.constantFrom(...QUALITIES, 'good', 'good'),
})

interface Oracle { count: number; bad: number; n: number; min: number; max: number; sum: number }

/** What the aggregates must hold, computed the plain way. */
function oracle(samples: readonly Omit<SequencedSample, 'seq'>[], key: (s: Omit<SequencedSample, 'seq'>) => string, stepMs: number): Map<string, Oracle> {
  const out = new Map<string, Oracle>()
  for (const s of samples) {
    const k = `${key(s)}@${s.ts - (s.ts % stepMs)}`
    const o = out.get(k) ?? { count: 0, bad: 0, n: 0, min: Infinity, max: -Infinity, sum: 0 }
    o.count++
    const good = s.quality === 'good'
    if (!good) o.bad++
    const v = typeof s.value === 'number' ? s.value : typeof s.value === 'boolean' ? Number(s.value) : undefined
    if (good && v !== undefined) {
      o.n++
      o.sum += v
      o.min = Math.min(o.min, v)
      o.max = Math.max(o.max, v)
    }
    out.set(k, o)
  }
  return out
}

const close = (a: Bucket, b: Oracle) => {
  expect([a.count, a.bad, a.n]).toEqual([b.count, b.bad, b.n])
  if (b.n > 0) {
    expect([a.min, a.max]).toEqual([b.min, b.max])
    expect(a.sum).toBeCloseTo(b.sum, 3)
  }
}

describe('Aggregates', () => {
  it('hold per channel exactly the 1-minute and 1-hour buckets, latest sample and good minutes of any sample sequence', () => {
    fc.assert(fc.property(fc.array(sampleArb, { minLength: 1, maxLength: 300 }), (list) => {
      const ids = new Map<string, number>()
      const idOf = (s: { device: string; channel: string }) => {
        const k = `${s.device}/${s.channel}`
        if (!ids.has(k)) ids.set(k, ids.size + 1)
        return ids.get(k)!
      }
      const samples = list.map((s, seq) => ({ ...s, seq }) as SequencedSample)
      const a = new Aggregates()
      // in two raw rows, as two messages
      const half = Math.floor(samples.length / 2)
      a.add('gw', samples.slice(0, half), samples.slice(0, half).map(idOf), 1)
      a.add('gw', samples.slice(half), samples.slice(half).map(idOf), 2)
      expect(a.watermark).toBe(2)

      const minutes = oracle(samples, idOf as never, MINUTE_MS)
      const hours = oracle(samples, idOf as never, HOUR_MS)
      let seenMinutes = 0
      let seenHours = 0
      for (const id of a.channels) {
        a.minutes.buckets(id, (b) => {
          seenMinutes++
          close(b, minutes.get(`${id}@${b.bucket}`)!)
        })
        a.minutes.hours(id, (b) => {
          seenHours++
          close(b, hours.get(`${id}@${b.bucket}`)!)
        })
        const mine = samples.filter((s) => idOf(s) === id)
        const newest = Math.max(...mine.map((s) => s.ts))
        // of samples with the same newest time, the last one added wins
        const last = mine.filter((s) => s.ts === newest).at(-1)!
        const latest = a.latest(id)
        expect(latest.ts).toBe(newest)
        expect(latest.value).toEqual(last.value)
        expect(QUALITIES[latest.quality]).toBe(last.quality)
      }
      expect(seenMinutes).toBe(minutes.size)
      expect(seenHours).toBe(hours.size)

      for (const device of DEVICES) {
        const good = samples.filter((s) => s.device === device && s.quality === 'good')
        const entry = a.lastGood.get('gw')?.get(device)
        if (good.length === 0) {
          expect(entry).toBeUndefined()
          continue
        }
        expect(entry!.ts).toBe(Math.max(...good.map((s) => s.ts)))
        expect(new Set(entry!.minutes)).toEqual(new Set(good.map((s) => Math.floor(s.ts / MINUTE_MS))))
        expect(entry!.minutes.length).toBe(new Set(entry!.minutes).size)
      }
      a.clear()
      expect(a.empty).toBe(true)
    }), { numRuns: 300 })
  })

  it('take in a packed batch exactly as its decoded samples', () => {
    fc.assert(fc.property(fc.array(sampleArb, { minLength: 1, maxLength: 200 }), fc.array(fc.boolean(), { minLength: 200, maxLength: 200 }), (list, mask) => {
      const samples = list.map((s, seq) => ({ ...s, seq }) as SequencedSample)
      const packed = packSamples('gw', samples)
      packed.keep = Uint8Array.from(samples.map((_, i) => (mask[i] ? 1 : 0)))
      packed.count = packed.keep.reduce((n, k) => n + k, 0)
      const kept = samples.filter((_, i) => mask[i])
      const keys = packed.batch.ch
      const span = scanKept(packed)
      // the span the plain way
      if (kept.length > 0) {
        expect(span.firstSeq).toBe(Math.min(...kept.map((s) => s.seq)))
        expect(span.lastSeq).toBe(Math.max(...kept.map((s) => s.seq)))
        expect(span.minTs).toBe(Math.min(...kept.map((s) => s.ts)))
        expect(span.maxTs).toBe(Math.max(...kept.map((s) => s.ts)))
      }
      expect([...span.used].flatMap((u, i) => (u === 1 ? [keys[i]] : [])).sort()).toEqual([...new Set(kept.map((s) => `${s.device}/${s.channel}`))].sort())

      const ids = keys.map((_, i) => i + 1)
      const devices = keys.map((k) => k.slice(0, k.indexOf('/')))
      const packedAggregates = new Aggregates()
      packedAggregates.addPacked('gw', packed, ids, devices, 7)
      const plain = new Aggregates()
      plain.add('gw', kept, kept.map((s) => keys.indexOf(`${s.device}/${s.channel}`) + 1), 7)
      expect([...packedAggregates.channels].sort()).toEqual([...plain.channels].sort())
      for (const id of plain.channels) {
        expect(packedAggregates.latest(id)).toEqual(plain.latest(id))
        const buckets = (x: Aggregates) => {
          const out: Bucket[] = []
          x.minutes.buckets(id, (b) => out.push(b))
          return out.sort((p, q) => p.bucket - q.bucket)
        }
        expect(buckets(packedAggregates)).toEqual(buckets(plain))
      }
      expect(packedAggregates.lastGood).toEqual(plain.lastGood)
    }), { numRuns: 300 })
  })
})
