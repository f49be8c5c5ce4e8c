/**
 * Store-and-forward: the outbox (SQLite) and the MQTT uplink, each figure beside its baseline from
 * the same run. Everything measured runs in a child bundled like the shipped CLI (plain node).
 *
 *   outbox_append_vs_raw_sqlite  outbox appendSamples ÷ raw better-sqlite3 inserts of the per-sample
 *                                rows (WAL, NORMAL, 1,000 rows a transaction) of the same samples
 *   drain_vs_raw_mqtt            uplink drain of a 1-hour backlog to mosquitto (QoS 1) ÷ raw mqtt.js
 *                                QoS 1 publishing of the same payloads with the same in-flight window
 *   disk_bytes_per_sample        the 1-hour outage file (live pages after a checkpoint) ÷ samples
 *   wire_bytes_per_sample        the larger of live (2 s of 1 Hz polls, batchMs 2000) and backlog (5,000-sample batches)
 *   outage_24h_disk_gb           projected from the measured 1-hour outage (1.8 M samples) × 24
 *   outage_24h_drain_minutes     43.2 M samples ÷ the measured drain rate of the 1-hour backlog
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startMosquitto } from '../tests/support/mosquitto.ts'
import { run as runProcess } from '../tests/support/processes.ts'
import { figure, type Figure } from './run.ts'
import { bundleForBench } from './support/bundle.ts'

const CHILD = fileURLToPath(new URL('./support/buffer-child.ts', import.meta.url))
const OUTAGE_SAMPLES_24H = 43_200_000

async function child<T>(script: string, args: string[], timeoutMs: number): Promise<T> {
  const result = await runProcess(process.execPath, [script, ...args], { timeoutMs })
  const line = result.stdout.split('\n').find((l) => l.startsWith('result '))
  if (!line) throw new Error(`buffer-child ${args[0]} ended without a result (exit ${String(result.code ?? result.signal)}${result.timedOut ? ', timed out' : ''}): ${result.stderr.slice(-2000)}`)
  return JSON.parse(line.slice('result '.length)) as T
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

export async function run(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-buffer-'))
  const broker = await startMosquitto()
  try {
    const script = await bundleForBench(CHILD)
    console.log('-- samples: 50 devices × 10 channels (names like gas-12/h2s), one timestamp per poll, values with one decimal')

    const a = await child<{ samples: number; rawRowsPerS: number[]; outboxSamplesPerS: number[]; ratio: number; liveSamples: number; liveWireBytesPerSample: number; perCommitWireBytesPerSample: number }>(script, ['append', '--dir', dir, '--samples', '500000', '--rounds', '3'], 120_000)
    console.log(`   raw better-sqlite3, per-sample rows, 1,000 a transaction: ${a.rawRowsPerS.map(fmt).join(' / ')} rows/s`)
    console.log(`   outbox appendSamples (polls of 10, group commit at 5,000): ${a.outboxSamplesPerS.map(fmt).join(' / ')} samples/s  (${a.samples.toLocaleString('en-US')} samples a round)`)

    const o = await child<{ seconds: number; samples: number; rows: number; writeS: number; usedBytes: number; fileBytes: number; diskBytesPerSample: number }>(script, ['outage', '--dir', dir, '--seconds', '3600'], 180_000)
    console.log(`-- 1-hour outage, 500 channels at 1 Hz, a commit every 100 ms (50 samples a row): ${o.samples.toLocaleString('en-US')} samples written in ${o.writeS.toFixed(1)} s (compacted into ${o.rows.toLocaleString('en-US')} rows once 10 s old); ${(o.usedBytes / 1e6).toFixed(1)} MB in live pages (file ${(o.fileBytes / 1e6).toFixed(1)} MB) = ${o.diskBytesPerSample.toFixed(2)} B/sample`)

    const d = await child<{ samples: number; messages: number; wireBytesPerSample: number; rawSamplesPerS: number[]; drainSamplesPerS: number[]; split: { totalMs: number; readMs: number; ackMs: number }[]; ratio: number }>(script, ['drain', '--dir', dir, '--url', broker.url, '--rounds', '9'], 180_000)
    console.log(`-- drain of that backlog to mosquitto (QoS 1, 16 in flight, ${d.messages.toLocaleString('en-US')} messages of ≤ 5,000 samples):`)
    console.log(`   raw mqtt.js publishing the same payloads: ${d.rawSamplesPerS.map(fmt).join(' / ')} samples/s`)
    console.log(`   uplink drain (read rows, merge, publish, delete after PUBACK): ${d.drainSamplesPerS.map(fmt).join(' / ')} samples/s`)
    console.log(`   of each drain, ms reading+merging / deleting at PUBACK / total: ${d.split.map((x) => `${x.readMs.toFixed(0)}/${x.ackMs.toFixed(0)}/${x.totalMs.toFixed(0)}`).join('  ')}`)
    console.log('   rounds alternate raw, drain; the first round of each is a warm-up, the ratio is of the medians of the others')
    console.log(`   wire: backlog ${d.wireBytesPerSample.toFixed(2)} B/sample; live ${a.liveWireBytesPerSample.toFixed(2)} B/sample (${a.liveSamples} samples = 2 s at 1 Hz, batchMs 2000; one message per 100 ms commit would be ${a.perCommitWireBytesPerSample.toFixed(2)})`)

    const drainRate = Math.min(...d.drainSamplesPerS)
    const diskGb = (o.diskBytesPerSample * OUTAGE_SAMPLES_24H) / 1e9
    const drainMinutes = OUTAGE_SAMPLES_24H / drainRate / 60
    console.log(`-- 24-hour outage (43.2 M samples), projected from the measured 1-hour run: disk = ${o.diskBytesPerSample.toFixed(2)} B/sample × 43.2 M; drain = 43.2 M ÷ the slowest measured drain rate ${fmt(drainRate)} samples/s (rows are read by primary key, so the cost per row does not grow with the table)`)
    return [
      figure('outbox_append_vs_raw_sqlite', a.ratio, '>=0.5', `outbox ${fmt(medianOf(a.outboxSamplesPerS))} samples/s vs raw ${fmt(medianOf(a.rawRowsPerS))} rows/s`),
      figure('drain_vs_raw_mqtt', d.ratio, '>=0.5', `drain ${fmt(medianOf(d.drainSamplesPerS.slice(1)))} vs raw mqtt.js ${fmt(medianOf(d.rawSamplesPerS.slice(1)))} samples/s, same payloads, same run`),
      figure('disk_bytes_per_sample', o.diskBytesPerSample, '<=40', '1-hour outage file, live pages after checkpoint'),
      figure('wire_bytes_per_sample', Math.max(a.liveWireBytesPerSample, d.wireBytesPerSample), '<=20', `worst of live ${a.liveWireBytesPerSample.toFixed(2)} (batchMs 2000) and backlog ${d.wireBytesPerSample.toFixed(2)}`),
      figure('outage_24h_disk_gb', diskGb, '<=2', 'projected: measured 1-hour B/sample × 43.2 M'),
      figure('outage_24h_drain_minutes', drainMinutes, '<=10', 'projected: 43.2 M ÷ measured drain rate of the 1-hour backlog'),
    ]
  } finally {
    await broker.dispose()
    rmSync(dir, { recursive: true, force: true })
  }
}

function medianOf(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
