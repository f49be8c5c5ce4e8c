import { encodeTelemetry, MAX_BATCH_SAMPLES, MAX_PAYLOAD_BYTES } from '../../../protocols/mqtt/index.ts'
import { samples, status } from '../store/fixtures.ts'

export interface Hostile {
  topic: string
  payload: Buffer
  /** on a topic the ingest subscribes to, so it can go through a broker */
  deliverable: boolean
  what: string
}

/** a small seeded generator (mulberry32), so a failing case can be replayed from its seed */
import { mulberry32 as seeded } from '../../../edge-agent/src/simulator/scenarios.ts'

export { seeded }

const OVERSIZE = Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20)
const HUGE_VALUES = Array.from({ length: MAX_BATCH_SAMPLES + 1 }, (_, i) => i)
const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)

/**
 * Malformed or hostile messages for a registry where `site`/`gateway` exist and `otherSite` is
 * another registered site. None of them may be stored.
 */
export function hostileMessages(count: number, seed: number, site: string, gateway: string, otherSite: string): Hostile[] {
  const random = seeded(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!
  const int = (max: number) => Math.floor(random() * max)
  const root = `fleet/v1/${site}/${gateway}`
  const valid = () => encodeTelemetry(gateway, samples(int(1e6), 1 + int(20), 1_700_000_000_000 + int(1e9)))
  const buffer = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))
  const generators: (() => Hostile)[] = [
    () => {
      const text = JSON.stringify(valid())
      return { topic: `${root}/telemetry`, payload: buffer(text.slice(0, int(text.length - 1))), deliverable: true, what: 'truncated JSON' }
    },
    () => ({ topic: `${root}/${pick(['telemetry', 'events', 'status'])}`, payload: Buffer.from(Array.from({ length: 1 + int(200) }, () => int(256))), deliverable: true, what: 'random bytes' }),
    () => ({ topic: `${root}/telemetry`, payload: buffer(pick(['NaN', '{v:1}', "{'v':1}", '', 'undefined', '{"v":1,}', '[1,2', '"\\ud800"x'])), deliverable: true, what: 'not JSON' }),
    () => ({ topic: `${root}/${pick(['telemetry', 'events', 'status', 'inventory', 'cmd-result'])}`, payload: buffer(pick([{ ...valid(), v: 2 }, { ...valid(), v: '1' }, null, 1, 'v', [1], { gw: gateway }, true])), deliverable: true, what: 'wrong version' }),
    () => {
      const batch = valid() as unknown as { g: Record<string, unknown>[]; ch: unknown[] }
      const group = batch.g[0]!
      const mutation = pick([
        () => (group.seq0 = -1 - int(1000)), () => (group.seq0 = 'NaN'), () => (group.seq0 = 1.5), () => (group.ts = -5),
        () => (group.ts = '2026-11-29'), () => (group.values = [{ nested: true }]), () => (group.values = []), () => (group.extra = 1),
        () => (group.values = HUGE_VALUES), () => (batch.ch = []), () => (batch.ch = ['no-slash']), () => (batch.g = [] as never),
        () => (group.q = { 0: 'broken' }), () => (group.ch0 = -1), () => (group.values = [1, [2]]), () => (group.seq0 = Number.MAX_SAFE_INTEGER + 2),
      ])
      mutation()
      return { topic: `${root}/telemetry`, payload: buffer(batch), deliverable: true, what: 'telemetry of the wrong shape' }
    },
    () => ({ topic: `${root}/telemetry`, payload: buffer(`{"v":1,"gw":"${gateway}","ch":["a/b"],"g":[{"seq0":0,"ts":0,"ch0":0,"values":[${deep(500 + int(5000))}]}]}`), deliverable: true, what: 'deep nesting' }),
    () => ({
      topic: `${root}/events`,
      payload: buffer({ v: 1, gw: gateway, events: [pick([
        { seq: -1, ts: 0, type: 'agent-started', version: 'x', configHash: 'y' },
        { seq: 1, ts: 0, type: 'self-destruct' },
        { seq: 1, ts: 0, type: 'alarm', state: 'raised', device: 'd', channel: 'c', kind: 'level' },
        { seq: '1', ts: 0, type: 'device-state', device: 'd', from: 'a', to: 'b' },
        { seq: 1, ts: 0, type: 'buffer-overflow', count: 0, firstSeq: 0, lastSeq: 1, cause: 'size' },
      ])] }),
      deliverable: true, what: 'events of the wrong shape',
    }),
    () => ({ topic: `${root}/status`, payload: buffer({ ...status(gateway, 0), state: pick(['maybe', 1, null]) }), deliverable: true, what: 'bad status' }),
    () => ({ topic: `${root}/inventory`, payload: buffer({ v: 1, gw: gateway, ts: 0, devices: [{ device: 'x', unit: 999 }] }), deliverable: true, what: 'bad inventory' }),
    () => ({ topic: `${root}/telemetry`, payload: OVERSIZE, deliverable: random() < 0.1, what: 'oversize' }),
    () => ({ topic: `${root}/telemetry`, payload: buffer({ ...valid(), gw: pick(['gw-other', `${gateway}x`]) }), deliverable: true, what: 'gateway mismatch' }),
    () => ({ topic: `fleet/v1/${site}/gw-ghost-${int(100)}/telemetry`, payload: buffer({ ...valid(), gw: `gw-ghost-${int(100)}` }), deliverable: false, what: 'unknown gateway (filled below)' }),
    () => ({ topic: `fleet/v1/${otherSite}/${gateway}/telemetry`, payload: buffer(valid()), deliverable: true, what: 'gateway of another site' }),
    () => {
      const batch = valid()
      batch.g[0]!.ch0 = batch.ch.length
      return { topic: `${root}/telemetry`, payload: buffer(batch), deliverable: true, what: 'inconsistent dictionary' }
    },
    () => ({
      topic: pick([`fleet/v2/${site}/${gateway}/telemetry`, `${root}/telemetry/extra`, `${root}/cmd/ack-alarm`, `fleet/v1/${site}/${gateway}`, `fleet/v1/bad site!/${gateway}/telemetry`, `${root}/firmware`, `fleet/v1//${gateway}/telemetry`]),
      payload: buffer(valid()), deliverable: false, what: 'not a protocol topic',
    }),
    () => ({ topic: `fleet/v1/bad site!/${gateway}/telemetry`, payload: buffer(valid()), deliverable: true, what: 'topic id with forbidden characters' }),
  ]
  return Array.from({ length: count }, () => {
    const message = pick(generators)()
    if (message.what.startsWith('unknown gateway')) {
      const ghost = message.topic.split('/')[3]!
      return { ...message, payload: buffer({ ...valid(), gw: ghost }), deliverable: true, what: 'unknown gateway' }
    }
    return message
  })
}
