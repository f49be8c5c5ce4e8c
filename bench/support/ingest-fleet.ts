import { encodeTelemetry, type SequencedSample } from '../../protocols/mqtt/index.ts'

/** The fleet the ingest bench publishes: gateways of 50 devices × 5 channels, 2 polls (500 samples) a batch. */
export const BENCH_DEVICES = 50
export const BENCH_CHANNELS = ['ch4', 'co', 'o2', 'temp', 'hum']
export const SAMPLES_PER_BATCH = BENCH_DEVICES * BENCH_CHANNELS.length * 2
const POLL_SAMPLES = BENCH_DEVICES * BENCH_CHANNELS.length

export const benchGateway = (g: number) => ({ id: `gw-${String(g).padStart(4, '0')}`, site: `site-${String(Math.floor(g / 2)).padStart(4, '0')}` })

const value = (g: number, d: number, c: number, b: number) => Math.round((20 + ((g + d + c + b) % 17) * 0.7) * 10) / 10
const dictionary = JSON.stringify(Array.from({ length: BENCH_DEVICES }, (_, d) => BENCH_CHANNELS.map((c) => `gas-${d}/${c}`)).flat())

/** Batch b of gateway g as the agent's encoder writes it: two polls one second apart, every device 5 consecutive channels. */
export function benchBatchReference(g: number, b: number, t0: number): { topic: string; payload: Buffer } {
  const { id, site } = benchGateway(g)
  const samples: SequencedSample[] = []
  let seq = b * SAMPLES_PER_BATCH
  for (let poll = 0; poll < 2; poll++) {
    const ts = t0 + (b * 2 + poll) * 1000
    for (let d = 0; d < BENCH_DEVICES; d++) {
      for (const [c, channel] of BENCH_CHANNELS.entries()) {
        samples.push({ seq: seq++, device: `gas-${d}`, channel, ts, value: value(g, d, c, b), quality: 'good' })
      }
    }
  }
  return { topic: `fleet/v1/${site}/${id}/telemetry`, payload: Buffer.from(JSON.stringify(encodeTelemetry(id, samples))) }
}

/** a poll's values depend on (g + b) mod 17 only: the 17 possible value lists, as JSON */
const pollValues = Array.from({ length: 17 }, (_, k) => {
  const values: number[] = []
  for (let d = 0; d < BENCH_DEVICES; d++) for (let c = 0; c < BENCH_CHANNELS.length; c++) values.push(value(k, d, c, 0))
  return values.join(',')
})

/**
 * The same bytes as benchBatchReference (the bench checks), written as text from parts made once,
 * so that the publisher can hold tens of thousands of batches without spending the bench's time on them.
 */
export function benchBatch(g: number, b: number, t0: number): { topic: string; payload: Buffer } {
  const { id, site } = benchGateway(g)
  const values = pollValues[(g + b) % 17]!
  const group = (poll: number) => `{"seq0":${b * SAMPLES_PER_BATCH + poll * POLL_SAMPLES},"ts":${t0 + (b * 2 + poll) * 1000},"ch0":0,"values":[${values}]}`
  return { topic: `fleet/v1/${site}/${id}/telemetry`, payload: Buffer.from(`{"v":1,"gw":"${id}","ch":${dictionary},"g":[${group(0)},${group(1)}]}`) }
}
