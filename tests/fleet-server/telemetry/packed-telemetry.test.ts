import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkTelemetry, keptSamples, packSamples, telemetryHead, type KnownTelemetryMap, type TelemetryCheck } from '../../../fleet-server/src/telemetry/packed-telemetry.ts'
import { MAX_PAYLOAD_BYTES, parseTopic, ReferenceConsumer } from '../../../protocols/mqtt/index.ts'
import { samples, telemetryPayload } from '../store/fixtures.ts'
import { hostileMessages } from '../ingest/hostile-payloads.ts'

/** a check's verdict without the head it was checked through */
const verdict = (check: TelemetryCheck) => {
  if (!check.ok) return check
  const { head: _head, ...rest } = check
  return rest
}

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
    const known: KnownTelemetryMap = new Map()
    // mostly one dictionary (3 devices), now and then another one (2 devices)
    const valid = (i: number) => telemetryPayload(gateway, samples(i * 7, 6, 1_700_000_000_000 + i, i % 11 === 0 ? 2 : 3))
    // a dictionary the cache holds, then the same one with a broken entry or a broken value: the whole schema must speak
    const usual = JSON.parse(valid(4).toString()) as { ch: string[]; g: { values: unknown[] }[] }
    const brokenEntry = Buffer.from(JSON.stringify({ ...usual, ch: usual.ch.map((c, i) => (i === 0 ? 'no-slash' : c)) }))
    const brokenValue = Buffer.from(JSON.stringify({ ...usual, g: [{ ...usual.g[0], values: [{ deep: 1 }] }] }))
    const hostile = hostileMessages(3000, 5, 'site-0-0', gateway, 'site-0-1').filter((m) => parseTopic(m.topic)?.gateway === gateway)
    const stream = Array.from({ length: 600 }, (_, i) => (i % 3 === 0 ? hostile[i % hostile.length]!.payload : i % 7 === 0 ? (i % 2 ? brokenEntry : brokenValue) : valid(i)))
    let skipped = 0
    for (const payload of stream) {
      const before = known.get(gateway)
      const cached = checkTelemetry(gateway, payload, known)
      expect(verdict(cached)).toEqual(checkTelemetry(gateway, payload))
      if (cached.ok && before !== undefined && known.get(gateway) === before) skipped++
    }
    expect(skipped).toBeGreaterThan(150)
  })

  describe('a payload that begins with the gateway\'s known head', () => {
    const gateway = 'gw-0-0-0'
    const T = 1_700_000_000_000
    const first = telemetryPayload(gateway, samples(0, 9, T, 3))
    const head = telemetryHead(gateway, (JSON.parse(first.toString()) as { ch: string[] }).ch)
    /** the text after the head of a valid batch with the same dictionary */
    const validRest = (i: number) => {
      const payload = telemetryPayload(gateway, samples(9 * (i + 1), 9, T + i * 3000, 3))
      expect(payload.subarray(0, head.length).equals(head)).toBe(true)
      return payload.subarray(head.length).toString()
    }
    const primed = (): KnownTelemetryMap => {
      const known: KnownTelemetryMap = new Map()
      expect(checkTelemetry(gateway, first, known).ok).toBe(true)
      expect(known.get(gateway)?.head?.equals(head)).toBe(true)
      return known
    }
    const g = validRest(1).slice(0, -1)
    const group = JSON.stringify({ seq0: 5, ts: T, ch0: 0, values: [1] })

    it('parses only the rest, hands out the head and the known dictionary, and stays the whole check\'s verdict', () => {
      const known = primed()
      const ch = known.get(gateway)!.ch
      for (let i = 0; i < 20; i++) {
        const payload = Buffer.concat([head, Buffer.from(validRest(i))])
        const checked = checkTelemetry(gateway, payload, known)
        expect(checked.ok && checked.head).toBe(known.get(gateway)!.head)
        expect(checked.ok && checked.batch.ch).toBe(ch)
        expect(verdict(checked)).toEqual(checkTelemetry(gateway, payload))
      }
    })

    it('leaves to the whole check what would parse otherwise: keys after the head, broken rests, oversize', () => {
      const rests = [
        `${g},"v":2}`, `${g},"gw":"gw-0-0-1"}`, `${g},"ch":["x/y"]}`, `${g},"\\u0063h":["no-slash"]}`, `${g},"ch":[]}`,
        `${g},"\\u0067":[]}`, `"\\u0067":[${group}]}`, `${g},"g":[{"seq0":1,"ts":0,"ch0":0,"values":[]}]}`, `${g},"__proto__":{}}`,
        `${g},"extra":1}`, `"extra":1,${g.slice(0)}}`, `${g}}garbage`, g, '}', `${g},}`, `${g} }\n`, `"g":[]}`,
        `"g":[{"seq0":1,"ts":0,"ch0":2,"values":[1,2]}]}`, `"g":[{"seq0":1,"ts":0,"ch0":0,"values":[{"deep":1}]}]}`,
        `"g":[{"seq0":1,"ts":0,"ch0":0,"values":[1],"q":{"0":"broken"}}]}`, `${g}${' '.repeat(MAX_PAYLOAD_BYTES)}}`,
      ]
      const known = primed()
      for (const rest of rests) {
        const payload = Buffer.concat([head, Buffer.from(rest)])
        expect(verdict(checkTelemetry(gateway, payload, known)), rest.slice(0, 200)).toEqual(checkTelemetry(gateway, payload))
      }
      const invalidUtf8 = Buffer.concat([head, Buffer.from(g), Buffer.from([0xc3, 0x28, 0x7d])])
      expect(verdict(checkTelemetry(gateway, invalidUtf8, known))).toEqual(checkTelemetry(gateway, invalidUtf8))
    })

    it('gives the whole check\'s verdict for any rest (property)', () => {
      const known = primed()
      const fragments = fc.constantFrom(',', '}', ']', '"', ':', '{', '"g":', '"v":1', '"ch":["a/b"]', '"gw":"gw-0-0-0"', '\\u0067', 'null', '[]', ' ', '1e400', '-0')
      fc.assert(fc.property(fc.nat(40), fc.array(fc.tuple(fc.nat(), fc.nat(6), fc.array(fragments, { maxLength: 3 })), { maxLength: 4 }), (i, edits) => {
        let rest = validRest(i)
        for (const [at, cut, inserted] of edits) {
          const p = at % (rest.length + 1)
          rest = rest.slice(0, p) + inserted.join('') + rest.slice(p + cut)
        }
        const payload = Buffer.concat([head, Buffer.from(rest)])
        expect(verdict(checkTelemetry(gateway, payload, known))).toEqual(checkTelemetry(gateway, payload))
      }), { numRuns: 3000, seed: 20261130 })
    })
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
