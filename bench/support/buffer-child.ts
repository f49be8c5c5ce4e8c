/**
 * The store-and-forward figures, in a child bundled like the shipped CLI (plain node, no TypeScript loader).
 *
 *   node buffer-child.mjs append --dir DIR [--samples 500000] [--rounds 2]
 *     raw better-sqlite3 inserts of per-sample rows (WAL, NORMAL, 1,000 a transaction) and the
 *     outbox's appendSamples of the same samples (polls of 10 channels), alternating; plus live wire bytes
 *   node buffer-child.mjs outage --dir DIR [--seconds 3600]
 *     an outage of 500 channels at 1 Hz written as the agent writes it (commit every 100 ms), its disk use
 *   node buffer-child.mjs drain --dir DIR --url mqtt://… [--rounds 2]
 *     the outage file drained by the Uplink to the broker, beside raw mqtt.js publishing of the same
 *     payloads (QoS 1, same in-flight window), alternating, each round on a fresh copy of the file
 *
 * Prints one line `result {json}`.
 */
import Database from 'better-sqlite3'
import { connect, type MqttClient } from 'mqtt'
import { copyFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { Outbox } from '../../edge-agent/src/outbox/index.ts'
import { Uplink, UPLINK_DEFAULTS } from '../../edge-agent/src/uplink/index.ts'
import type { Sample } from '../../protocols/sample.ts'

const GW = 'gw-1'
const SITE = 'site-1'
export const CHANNELS = ['ch4', 'co', 'o2', 'h2s', 'temp', 'hum', 'flow', 'press', 'alarm', 'fault']
export const DEVICES = 50
/** the outage: 500 channels at 1 Hz, ending an hour before now (so nothing counts as live) */
const OUTAGE_END = Date.now() - 3_600_000

const { positionals, values: args } = parseArgs({
  allowPositionals: true,
  options: { dir: { type: 'string' }, url: { type: 'string' }, samples: { type: 'string' }, rounds: { type: 'string' }, seconds: { type: 'string' } },
})
const mode = positionals[0]
const dir = args.dir!

/** One poll of device d at second s: 10 channels, one timestamp, values with one decimal. */
function poll(d: number, s: number, t0: number): Sample[] {
  const ts = t0 + s * 1000 + d * 20
  return CHANNELS.map((channel, c) => ({ device: `gas-${d}`, channel, ts, value: Math.round((d * 7 + c * 13 + s) % 1000) / 10, quality: 'good' as const }))
}

/** the median; for an even count, the mean of the middle two */
const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

async function append(): Promise<object> {
  const n = Number(args.samples ?? 500_000)
  const rounds = Number(args.rounds ?? 2)
  const polls: Sample[][] = []
  for (let s = 0; polls.length * 10 < n; s++) for (let d = 0; d < DEVICES && polls.length * 10 < n; d++) polls.push(poll(d, s, OUTAGE_END - 86_400_000))
  const total = polls.length * 10
  // the raw rows: what the per-sample outbox stored (integer channel id and quality code), prepared outside the timing
  const ids = new Map<string, number>()
  const rawRows: [number, number, number, number, number, null][] = []
  let seq = 1
  for (const p of polls) for (const s of p) {
    const key = `${s.device}/${s.channel}`
    if (!ids.has(key)) ids.set(key, ids.size + 1)
    rawRows.push([seq++, ids.get(key)!, s.ts, s.value as number, 0, null])
  }
  const raw: number[] = []
  const outbox: number[] = []
  for (let round = 0; round < rounds; round++) {
    {
      const path = join(dir, `raw-${round}.db`)
      const db = new Database(path)
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      db.exec('CREATE TABLE samples (seq INTEGER PRIMARY KEY, ch INTEGER NOT NULL, ts INTEGER NOT NULL, v ANY, q INTEGER NOT NULL, r INTEGER) STRICT')
      const insert = db.prepare('INSERT INTO samples (seq, ch, ts, v, q, r) VALUES (?, ?, ?, ?, ?, ?)')
      const batch = db.transaction((rows: typeof rawRows, from: number, to: number) => {
        for (let i = from; i < to; i++) insert.run(...rawRows[i]!)
      })
      const started = performance.now()
      for (let i = 0; i < rawRows.length; i += 1000) batch(rawRows, i, Math.min(rawRows.length, i + 1000))
      raw.push(rawRows.length / ((performance.now() - started) / 1000))
      db.close()
      rmSync(path, { force: true })
      rmSync(`${path}-wal`, { force: true })
      rmSync(`${path}-shm`, { force: true })
    }
    {
      const path = join(dir, `outbox-${round}.db`)
      const o = new Outbox({ path })
      const started = performance.now()
      for (const p of polls) o.appendSamples(p)
      o.flush()
      outbox.push(total / ((performance.now() - started) / 1000))
      o.close()
      rmSync(path, { force: true })
      rmSync(`${path}-wal`, { force: true })
      rmSync(`${path}-shm`, { force: true })
    }
  }
  // live: 2 s of 1 Hz polls committed every 100 ms, as the uplink sends them with batchMs 2000
  const livePath = join(dir, 'live.db')
  const live = new Outbox({ path: livePath })
  for (let s = 0; s < 2; s++) {
    for (let d = 0; d < DEVICES; d++) {
      live.appendSamples(poll(d, s, Date.now()))
      if (d % 5 === 4) live.flush()
    }
  }
  const liveBatch = live.nextTelemetryBatch(GW, 0, UPLINK_DEFAULTS.batchSamples, 1_000_000)!
  // without coalescing: one message per 100 ms commit (50 samples)
  const perCommit = live.nextTelemetryBatch(GW, 0, 50, 1_000_000)!
  live.close()
  rmSync(livePath, { force: true })
  return {
    samples: total, rawRowsPerS: raw, outboxSamplesPerS: outbox, ratio: median(outbox) / median(raw),
    liveSamples: liveBatch.count, liveWireBytesPerSample: liveBatch.payload.length / liveBatch.count,
    perCommitWireBytesPerSample: perCommit.payload.length / perCommit.count,
  }
}

function outage(): object {
  const seconds = Number(args.seconds ?? 3600)
  const path = join(dir, 'outage.db')
  const t0 = OUTAGE_END - seconds * 1000
  // the outbox's clock follows the simulated hour, so its compaction (rows older than 10 s) runs as it would
  let now = t0
  const o = new Outbox({ path, clock: () => now })
  const started = performance.now()
  for (let s = 0; s < seconds; s++) {
    for (let d = 0; d < DEVICES; d++) {
      now = t0 + s * 1000 + d * 20
      o.appendSamples(poll(d, s, t0))
      if (d % 5 === 4) o.flush() // the 100 ms group-commit window: 5 devices, 50 samples a row
    }
  }
  const writeS = (performance.now() - started) / 1000
  o.reclaim()
  const samples = o.depth().samples
  const used = o.usedBytes()
  o.close()
  const db = new Database(path, { readonly: true })
  const rows = db.prepare('SELECT count(*) FROM telemetry').pluck().get() as number
  db.close()
  return { path, seconds, samples, rows, writeS, usedBytes: used, fileBytes: statSync(path).size, diskBytesPerSample: used / samples }
}

async function connectRaw(url: string): Promise<MqttClient> {
  const client = connect(url, { protocolVersion: 5, clean: true, clientId: `raw-${process.pid}`, reconnectPeriod: 0 })
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve())
    client.once('error', reject)
  })
  ;(client.stream as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true)
  return client
}

/** Publish every payload at QoS 1 with `window` awaiting PUBACK, as fast as the broker acknowledges. */
function publishAll(client: MqttClient, topic: string, payloads: Buffer[], window: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0
    let done = 0
    const one = (): void => {
      const payload = payloads[next++]!
      client.publish(topic, payload, { qos: 1 }, (error) => {
        if (error) return reject(error)
        done++
        if (done === payloads.length) resolve()
        else if (next < payloads.length) one()
      })
    }
    for (let k = 0; k < Math.min(window, payloads.length); k++) one()
  })
}

async function drain(): Promise<object> {
  const url = args.url!
  const rounds = Number(args.rounds ?? 2)
  const source = join(dir, 'outage.db')
  // the payloads the uplink will send: read from the file, not deleted
  const reader = new Outbox({ path: source })
  const total = reader.depth().samples
  const payloads: Buffer[] = []
  let cursor = 0
  for (;;) {
    const batch = reader.nextTelemetryBatch(GW, cursor, UPLINK_DEFAULTS.batchSamples, 1_000_000)
    if (!batch) break
    payloads.push(batch.payload)
    cursor = batch.lastSeq
  }
  reader.close()
  const wireBytes = payloads.reduce((n, p) => n + p.length, 0)
  const topic = `fleet/v1/${SITE}/${GW}/telemetry`
  const raw: number[] = []
  const uplink: number[] = []
  const withConnect: number[] = []
  const split: { totalMs: number; readMs: number; ackMs: number }[] = []
  const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined }
  for (let round = 0; round < rounds; round++) {
    {
      const client = await connectRaw(url)
      const started = performance.now()
      await publishAll(client, topic, payloads, UPLINK_DEFAULTS.windowMessages)
      raw.push(total / ((performance.now() - started) / 1000))
      await client.endAsync()
    }
    {
      const path = join(dir, `drain-${round}.db`)
      copyFileSync(source, path)
      const outbox = new Outbox({ path })
      // the clock runs from the uplink's first read of the outbox (after CONNACK, as the raw client's
      // starts after its connect) to the acknowledgement of the last sample
      let firstRead = 0
      const counts = new Map<number, number>()
      let readMs = 0
      let ackMs = 0
      let acked = 0
      let finished: () => void = () => undefined
      const done = new Promise<void>((resolve) => (finished = resolve))
      const port = {
        nextTelemetryBatch: (...a: Parameters<Outbox['nextTelemetryBatch']>) => {
          const t = performance.now()
          firstRead ||= t
          const b = outbox.nextTelemetryBatch(...a)
          readMs += performance.now() - t
          if (b) counts.set(b.lastSeq, b.count)
          return b
        },
        nextEvents: (afterSeq: number, limit: number) => outbox.nextEvents(afterSeq, limit),
        acknowledgeEvents: (seqs: readonly number[]) => outbox.acknowledgeEvents(seqs),
        releaseHandedOut: () => outbox.releaseHandedOut(),
        queueAcknowledgement: (first: number, last: number) => {
          const t = performance.now()
          outbox.queueAcknowledgement(first, last)
          acked += counts.get(last) ?? 0
          // the clock stops once the last rows are deleted, not merely acknowledged
          if (acked >= total) outbox.applyAcknowledgements()
          ackMs += performance.now() - t
          if (acked >= total) finished()
        },
      }
      const up = new Uplink({ url, site: SITE, gateway: GW, outbox: port, status: () => ({}), logger: silent, clientId: `drain-${process.pid}-${round}` })
      const started = performance.now()
      up.start()
      await done
      const ended = performance.now()
      uplink.push(total / ((ended - firstRead) / 1000))
      withConnect.push(total / ((ended - started) / 1000))
      split.push({ totalMs: ended - firstRead, readMs, ackMs })
      const left = outbox.depth().samples
      await up.stop()
      outbox.close()
      rmSync(path, { force: true })
      rmSync(`${path}-wal`, { force: true })
      rmSync(`${path}-shm`, { force: true })
      if (left !== 0) throw new Error(`drain left ${left} samples in the outbox`)
    }
  }
  return {
    samples: total, messages: payloads.length, wireBytesPerSample: wireBytes / total,
    rawSamplesPerS: raw, drainSamplesPerS: uplink, drainWithConnectSamplesPerS: withConnect, split, ratio: median(uplink.slice(1)) / median(raw.slice(1)),
  }
}

const run = mode === 'append' ? append : mode === 'outage' ? outage : mode === 'drain' ? drain : undefined
if (!run) {
  console.error(`unknown mode ${mode}`)
  process.exit(2)
}
Promise.resolve(run()).then(
  (result) => {
    console.log(`result ${JSON.stringify(result)}`)
    process.exit(0)
  },
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
