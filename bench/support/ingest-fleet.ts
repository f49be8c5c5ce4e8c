import { encodeTelemetry, type SequencedSample } from '../../protocols/mqtt/index.ts'

/** The fleet the ingest bench publishes: gateways of 50 devices × 5 channels, 2 polls (500 samples) a batch. */
export const BENCH_DEVICES = 50
export const BENCH_CHANNELS = ['ch4', 'co', 'o2', 'temp', 'hum']
export const SAMPLES_PER_BATCH = BENCH_DEVICES * BENCH_CHANNELS.length * 2

export const benchGateway = (g: number) => ({ id: `gw-${String(g).padStart(4, '0')}`, site: `site-${String(Math.floor(g / 2)).padStart(4, '0')}` })

/** Batch b of gateway g: two polls one second apart, every device a group of 5 consecutive channels. */
export function benchBatch(g: number, b: number, t0: number): { topic: string; payload: Buffer } {
  const { id, site } = benchGateway(g)
  const samples: SequencedSample[] = []
  let seq = b * SAMPLES_PER_BATCH
  for (let poll = 0; poll < 2; poll++) {
    const ts = t0 + (b * 2 + poll) * 1000
    for (let d = 0; d < BENCH_DEVICES; d++) {
      for (const [c, channel] of BENCH_CHANNELS.entries()) {
        samples.push({ seq: seq++, device: `gas-${d}`, channel, ts, value: Math.round((20 + ((g + d + c + b) % 17) * 0.7) * 10) / 10, quality: 'good' })
      }
    }
  }
  return { topic: `fleet/v1/${site}/${id}/telemetry`, payload: Buffer.from(JSON.stringify(encodeTelemetry(id, samples))) }
}
