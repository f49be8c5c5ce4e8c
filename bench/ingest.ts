/**
 * Fleet ingest: telemetry through mosquitto into SQLite, beside a raw subscriber in the same run.
 *
 *   ingest_samples_per_s       samples stored (de-duplicated, roll-ups kept) per second by the Ingest in a
 *                              sustained stream: 200 gateways publishing 500-sample batches at QoS 1 from a
 *                              child process, 20 M samples a round; from its first message until every
 *                              sample is committed and acknowledged and its latest value and roll-ups are
 *                              written. The store is opened as the server opens it (background
 *                              checkpoints) and has seen the fleet once before (the server's steady state:
 *                              channels and sequence state exist); the latest values and roll-ups are
 *                              written from memory on their own timer (AGGREGATE_FLUSH_MS), and what is
 *                              still in memory when the last sample is acknowledged is flushed then and
 *                              its time added: whether a periodic flush falls inside a round of about the
 *                              interval's length or after it, all of that work is counted once. The rate
 *                              until the last acknowledgement alone is printed beside
 *   ingest_vs_raw_subscriber   that rate ÷ a raw mqtt.js subscriber that only parses JSON and counts
 *                              samples, fed by the same publisher the same way, same run, rounds
 *                              alternating; both QoS 1 subscriptions with TCP_NODELAY; the raw one
 *                              acknowledges on receipt, the Ingest after the message's commit
 *
 * Each round also prints the subscriber's CPU share (this process's user+system CPU ÷ wall time,
 * first message to end; 1.0 = one core) — the publisher and mosquitto run in other processes.
 * mosquitto queues without limit here (max_queued_messages 0: the publisher outruns both subscribers)
 * and sends up to INFLIGHT messages ahead of their acknowledgements.
 *   site_detail_p99_ms         p99 of GET /api/sites/{id} through app.inject() (store.getSite when the
 *                              app cannot be built) over 2,000 random calls, 1,000 sites loaded
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { connect } from 'mqtt'
import { Ingest, startIngest } from '../fleet-server/src/ingest/index.ts'
import { AGGREGATE_FLUSH_MS, openSqliteStore, type SqliteStore } from '../fleet-server/src/store/sqlite/index.ts'
import { startMosquitto } from '../tests/support/mosquitto.ts'
import { run as runProcess } from '../tests/support/processes.ts'
import { figure, type Figure } from './run.ts'
import { bundleForBench } from './support/bundle.ts'
import { benchBatch, benchGateway, SAMPLES_PER_BATCH } from './support/ingest-fleet.ts'
import { loadSites, percentile } from './support/ingest-sites.ts'

const PUBLISHER = fileURLToPath(new URL('./support/ingest-publisher.ts', import.meta.url))
const GATEWAYS = 200
const BATCHES = 200
/** the batches are stamped a second apart from here: all in the past, as the ingest refuses what is more than 5 minutes ahead */
const firstBatchTs = () => Date.now() - 2 * BATCHES * 1000
const ROUNDS = 3
/**
 * mosquitto's max_inflight_messages, as the README advises for the fleet's broker: the Ingest
 * acknowledges a message only after its commit, so with mosquitto's default window of 20 the broker
 * waits for each group's commit before it sends more, and the Ingest waits for the broker
 */
const INFLIGHT = 1000
const TOTAL = GATEWAYS * BATCHES * SAMPLES_PER_BATCH
/** the batch each gateway sent before the round (an hour earlier, sequence numbers after the round's) */
const WARM_BATCH = BATCHES
const warmT0 = Date.now() - 3_600_000
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

interface PublisherResult { messages: number; samples: number; bytes: number; seconds: number; samplesPerS: number }

async function publish(script: string, url: string, t0: number): Promise<PublisherResult> {
  const result = await runProcess(process.execPath, [script, '--url', url, '--gateways', String(GATEWAYS), '--batches', String(BATCHES), '--t0', String(t0)], { timeoutMs: 180_000 })
  const line = result.stdout.split('\n').find((l) => l.startsWith('result '))
  if (!line) throw new Error(`ingest-publisher ended without a result (exit ${String(result.code ?? result.signal)}): ${result.stderr.slice(-2000)}`)
  return JSON.parse(line.slice('result '.length)) as PublisherResult
}

interface First { at?: number; cpu?: NodeJS.CpuUsage }
const firstMessage = (first: First) => () => {
  if (first.at !== undefined) return
  first.at = performance.now()
  first.cpu = process.cpuUsage()
}

/**
 * Samples per second from the first message to the moment `done()` holds and `finish()` (run at once
 * then, in the same turn of the event loop) returned; the CPU share over the same span.
 */
async function measure(start: () => Promise<PublisherResult>, first: First, done: () => boolean, finish = () => undefined as void): Promise<{ rate: number; cpuShare: number; seconds: number; publisher: PublisherResult }> {
  const publishing = start()
  const deadline = Date.now() + 180_000
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the subscriber')
    await new Promise((r) => setTimeout(r, 5))
  }
  finish()
  const end = performance.now()
  const cpu = process.cpuUsage(first.cpu)
  const publisher = await publishing
  const seconds = (end - first.at!) / 1000
  return { rate: TOTAL / seconds, cpuShare: (cpu.user + cpu.system) / 1e6 / seconds, seconds, publisher }
}

async function rawRound(script: string, url: string, round: number): Promise<number> {
  const client = connect(url, { protocolVersion: 4, clientId: `bench-raw-${round}`, clean: true })
  await new Promise((resolve) => client.once('connect', resolve))
  ;(client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true)
  const first: First = {}
  const onFirst = firstMessage(first)
  let samples = 0
  client.on('message', (_topic, payload) => {
    onFirst()
    const batch = JSON.parse(payload.toString('utf8')) as { g: { values: unknown[] }[] }
    for (const group of batch.g) samples += group.values.length
  })
  await client.subscribeAsync('fleet/v1/+/+/telemetry', { qos: 1 })
  const { rate, cpuShare, publisher } = await measure(() => publish(script, url, firstBatchTs()), first, () => samples >= TOTAL)
  await client.endAsync()
  console.log(`   raw subscriber round ${round}: ${fmt(rate)} samples/s, CPU ${cpuShare.toFixed(2)} (publisher alone ${fmt(publisher.samplesPerS)} samples/s, ${publisher.messages} messages, ${(publisher.bytes / publisher.messages).toFixed(0)} B each)`)
  return rate
}

async function ingestRound(script: string, url: string, dir: string, round: number): Promise<number> {
  const store = openSqliteStore(join(dir, `ingest-${round}.db`), { backgroundCheckpoint: true })
  store.db.transaction(() => {
    for (let g = 0; g < GATEWAYS; g++) {
      const { id, site } = benchGateway(g)
      store.upsertEnterprise({ id: 'ent', name: 'bench' })
      store.upsertSite({ id: site, enterpriseId: 'ent', name: site, type: 'coal-mine', jurisdiction: '涌山镇' })
      store.upsertGateway({ id, siteId: site })
    }
  })()
  // the server's steady state: it has seen this fleet before (channels, sequence state, today's device minutes exist)
  const warm = new Ingest({ store })
  for (let g = 0; g < GATEWAYS; g++) {
    const { topic, payload } = benchBatch(g, WARM_BATCH, warmT0)
    warm.handle(topic, payload)
  }
  store.flushAggregates()
  const warmFlush = store.aggregateFlushStats()
  const running = await startIngest({ url, store, clientOptions: { clientId: `bench-ingest-${round}`, clean: true } })
  const first: First = {}
  running.client.prependListener('message', firstMessage(first))
  let periodic = { count: 0, ms: 0 }
  let finalMs = 0
  // what is left in memory when the last sample is acknowledged is flushed at once, inside the timed span
  const finish = () => {
    periodic = store.aggregateFlushStats()
    const t = performance.now()
    store.flushAggregates()
    finalMs = performance.now() - t
  }
  const { rate, cpuShare, seconds } = await measure(() => publish(script, url, firstBatchTs()), first, () => store.ingestStats().accepted >= TOTAL + GATEWAYS * SAMPLES_PER_BATCH, finish)
  const stats = store.ingestStats()
  stats.accepted -= GATEWAYS * SAMPLES_PER_BATCH
  await running.close()
  const get = (sql: string) => (store.db.prepare(sql).get() as { n: number }).n
  const warmSamples = GATEWAYS * SAMPLES_PER_BATCH
  const [rows, stored, rolled] = [get('SELECT count(*) AS n FROM telemetry_raw') - GATEWAYS, get('SELECT sum(count) AS n FROM telemetry_raw') - warmSamples, get('SELECT sum(count) AS n FROM rollup_1m') - warmSamples]
  await store.closeAndWait()
  const acknowledged = TOTAL / (seconds - finalMs / 1000)
  console.log(`   Ingest round ${round}: ${fmt(rate)} samples/s stored with their roll-ups, CPU ${cpuShare.toFixed(2)} (${fmt(stored)} samples in ${fmt(rows)} raw rows, ${fmt(rolled)} in the 1-minute roll-ups; `
    + `${periodic.count - warmFlush.count} periodic flushes of the roll-ups in the round, ${(periodic.ms - warmFlush.ms).toFixed(0)} ms, and what was left in memory flushed after it in ${finalMs.toFixed(0)} ms; `
    + `until the last acknowledgement alone ${fmt(acknowledged)} samples/s; ${stats.duplicates} duplicates, rejects ${JSON.stringify(stats.rejected)})`)
  if (stored !== TOTAL || rolled !== TOTAL) throw new Error(`stored ${stored} samples (${rolled} rolled up), expected ${TOTAL}`)
  return rate
}

async function siteDetail(dir: string): Promise<{ p99: number; via: string; storeP99: number }> {
  const store: SqliteStore = openSqliteStore(join(dir, 'sites.db'))
  const now = Date.now()
  const started = performance.now()
  const ids = loadSites(store, 1000, now)
  console.log(`-- 1,000 sites (2,000 gateways, 20,000 devices, alarms on 100 sites, interlock actions on 200) loaded through Ingest in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  const pick = () => ids[Math.floor(Math.random() * ids.length)]!
  const storeTimes: number[] = []
  for (let i = 0; i < 2000; i++) {
    const t = performance.now()
    if (!store.getSite({ role: 'admin' }, pick())) throw new Error('site missing')
    storeTimes.push(performance.now() - t)
  }
  const storeP99 = percentile(storeTimes, 99)
  console.log(`   store.getSite: p50 ${percentile(storeTimes, 50).toFixed(3)} ms, p99 ${storeP99.toFixed(3)} ms`)
  let result = { p99: storeP99, via: 'store.getSite', storeP99 }
  try {
    const { buildApp } = await import('../fleet-server/src/app.ts')
    const { hashToken } = await import('../fleet-server/src/auth/tokens.ts')
    store.addUser({ name: 'bench-regulator', role: 'regulator', jurisdiction: '*', passwordHash: 'unused' })
    store.createSession(hashToken('bench-token'), 'bench-regulator', now + 3_600_000)
    const app = await buildApp({
      store,
      commands: { send: () => Promise.reject(new Error('no commands in the bench')), result: () => undefined },
      health: () => ({ ok: true, version: 'bench', uptimeS: 0, mqtt: { connected: false, url: '' }, ingest: { accepted: 0, duplicates: 0, rejected: {} } }),
    })
    const times: number[] = []
    for (let i = 0; i < 2000; i++) {
      const t = performance.now()
      const response = await app.inject({ method: 'GET', url: `/api/sites/${pick()}`, headers: { authorization: 'Bearer bench-token' } })
      times.push(performance.now() - t)
      if (response.statusCode !== 200) throw new Error(`GET /api/sites: ${response.statusCode} ${response.body.slice(0, 300)}`)
    }
    await app.close()
    const p99 = percentile(times, 99)
    console.log(`   GET /api/sites/{id} via app.inject(): p50 ${percentile(times, 50).toFixed(3)} ms, p99 ${p99.toFixed(3)} ms`)
    result = { p99, via: 'GET /api/sites/{id} via app.inject()', storeP99 }
  } catch (error) {
    console.log(`   app.inject() not measured (${error instanceof Error ? error.message : String(error)}); the figure is store.getSite`)
  }
  store.close()
  return result
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

export async function run(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-'))
  const broker = await startMosquitto({ unlimitedQueue: true, maxInflightMessages: INFLIGHT })
  try {
    const script = await bundleForBench(PUBLISHER)
    console.log(`-- ${GATEWAYS} gateways × ${BATCHES} batches of ${SAMPLES_PER_BATCH} samples (${fmt(TOTAL)} samples a round, ${fmt(GATEWAYS * 250)} channels) through mosquitto at QoS 1; `
      + `rounds alternate raw, Ingest; roll-ups flushed every ${AGGREGATE_FLUSH_MS / 1000} s; max_inflight_messages ${INFLIGHT}`)
    const raw: number[] = []
    const stored: number[] = []
    for (let round = 1; round <= ROUNDS; round++) {
      raw.push(await rawRound(script, broker.url, round))
      stored.push(await ingestRound(script, broker.url, dir, round))
    }
    const rawRate = median(raw)
    const ingestRate = median(stored)
    const sites = await siteDetail(dir)
    return [
      figure('ingest_samples_per_s', ingestRate, '>=100000', `median of ${ROUNDS} rounds of ${fmt(TOTAL)} samples, SQLite WAL with de-duplication and roll-ups (every flush of the round's roll-ups included)`),
      figure('ingest_vs_raw_subscriber', ingestRate / rawRate, '>=0.5', `Ingest ${fmt(ingestRate)} vs raw JSON-parsing subscriber ${fmt(rawRate)} samples/s, same publisher`),
      figure('site_detail_p99_ms', sites.p99, '<=50', `${sites.via}; store.getSite alone p99 ${sites.storeP99.toFixed(3)} ms`),
    ]
  } finally {
    await broker.dispose()
    rmSync(dir, { recursive: true, force: true })
  }
}
