/**
 * The ingest bench's publisher, in its own process: every gateway's telemetry batches published to
 * the broker as fast as QoS 1 allows (one connection, a window of messages in flight).
 *
 *   node ingest-publisher.mjs --url mqtt://… --gateways 200 --batches 5 --t0 MS [--window 64]
 *
 * Prints one line `result {json}`.
 */
import { connect } from 'mqtt'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { benchBatch, benchBatchReference, SAMPLES_PER_BATCH } from './ingest-fleet.ts'

const { values: args } = parseArgs({ options: { url: { type: 'string' }, gateways: { type: 'string' }, batches: { type: 'string' }, t0: { type: 'string' }, window: { type: 'string' } } })
const gateways = Number(args.gateways ?? 200)
const batches = Number(args.batches ?? 5)
const t0 = Number(args.t0 ?? Date.now())
const window = Number(args.window ?? 64)

// the batches are written as text for speed: they must be the bytes the agent's encoder makes
for (const [g, b] of [[0, 0], [1, 3], [gateways - 1, batches - 1]] as const) {
  if (!benchBatch(g, b, t0).payload.equals(benchBatchReference(g, b, t0).payload)) throw new Error(`batch ${b} of gateway ${g} differs from encodeTelemetry's`)
}
const messages: { topic: string; payload: Buffer }[] = []
for (let b = 0; b < batches; b++) for (let g = 0; g < gateways; g++) messages.push(benchBatch(g, b, t0))
const bytes = messages.reduce((n, m) => n + m.payload.length, 0)

const client = connect(args.url!, { protocolVersion: 4, clientId: `bench-publisher-${process.pid}`, clean: true })
client.on('connect', () => (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true))
await new Promise((resolve) => client.once('connect', resolve))
const started = performance.now()
let next = 0
async function lane(): Promise<void> {
  while (next < messages.length) {
    const m = messages[next++]!
    await client.publishAsync(m.topic, m.payload, { qos: 1 })
  }
}
await Promise.all(Array.from({ length: window }, lane))
const seconds = (performance.now() - started) / 1000
await client.endAsync()
const samples = messages.length * SAMPLES_PER_BATCH
console.log(`result ${JSON.stringify({ messages: messages.length, samples, bytes, seconds, samplesPerS: samples / seconds })}`)
