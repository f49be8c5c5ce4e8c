/**
 * Security under attack (issue 15, holes 2 and 7), against a real `fleet-server start` process on
 * free loopback ports with a fresh database:
 *
 *   preauth_flood_rss_growth_mb          three parallel connections to the embedded broker that never
 *                                        sign in, each a CONNECT header announcing 268 MB followed by
 *                                        150 MB of data: the server's peak RSS (VmRSS, sampled every
 *                                        20 ms from the flood's start until 2 s after its end) minus its
 *                                        RSS just before, printed beside that baseline
 *   login_p99_under_connect_flood_vs_idle p99 of 60 POST /api/login (right password), 3 at a time one after
 *                                        another each beside a burst of 300 parallel wrong-password MQTT
 *                                        CONNECTs (each a different unknown user: hashed like a known one)
 *                                        ÷ the p99 of 60 logins with nothing else running, same process, same run
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { connect as connectTcp } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { connect } from 'mqtt'
import { hashSecret } from '../fleet-server/src/mqtt/secrets.ts'
import { openSqliteStore } from '../fleet-server/src/store/sqlite/index.ts'
import { figure, type Figure } from './run.ts'
import { percentile } from './support/ingest-sites.ts'

const BIN = fileURLToPath(new URL('../fleet-server/bin/fleet-server.js', import.meta.url))
const FLOODS = 3
const FLOOD_BYTES = 150 * 1024 * 1024
const PARALLEL_CONNECTS = 300
const LOGINS = 60
const LOGINS_PER_BURST = 3
const PASSWORD = 'bench password 1'
const MB = 1024 * 1024

const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)\s+kB/u.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function startServer(dir: string): Promise<{ child: ChildProcess; url: string; mqttPort: number }> {
  const db = join(dir, 'fleet.sqlite')
  const store = openSqliteStore(db)
  store.addUser({ name: 'bench', role: 'admin', passwordHash: await hashSecret(PASSWORD) })
  await store.closeAndWait()
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0', '--mqtt-port', '0', '--db', db], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'error' } })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const line = await new Promise<string>((resolve, reject) => {
    let stdout = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (stdout.includes('\n')) resolve(stdout.split('\n')[0]!)
    })
    child.once('close', (code) => reject(new Error(`fleet-server exited ${code}: ${stderr}`)))
  })
  const m = /listening on (http:\/\/\S+) \(mqtt mqtt:\/\/[^:]+:(\d+)\)/u.exec(line)
  if (!m) throw new Error(`cannot read where the server listens: ${line}`)
  return { child, url: m[1]!, mqttPort: Number(m[2]) }
}

/** One flood: the CONNECT header, then zeros until FLOOD_BYTES are taken or the server closes. Answers the bytes taken. */
function flood(port: number): Promise<number> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, '127.0.0.1')
    const chunk = Buffer.alloc(64 * 1024)
    let taken = 0
    let done = false
    const finish = () => {
      if (done) return
      done = true
      socket.destroy()
      resolve(taken)
    }
    socket.on('error', finish).on('close', finish)
    socket.once('connect', () => {
      // CONNECT, remaining length 268,435,455: the largest MQTT allows
      socket.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]))
      const pump = () => {
        while (!done && taken < FLOOD_BYTES) {
          taken += chunk.length
          if (!socket.write(chunk)) {
            socket.once('drain', pump)
            return
          }
        }
        if (taken >= FLOOD_BYTES) socket.end()
      }
      pump()
    })
  })
}

async function loginMs(url: string): Promise<number> {
  const started = performance.now()
  const answer = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench', password: PASSWORD }) })
  await answer.arrayBuffer()
  if (answer.status !== 200) throw new Error(`login answered ${answer.status}`)
  return performance.now() - started
}

async function idleLogins(url: string): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < LOGINS; i++) times.push(await loginMs(url))
  return times
}

/** PARALLEL_CONNECTS wrong-password CONNECTs at once, each an unknown user; answers when all have ended, with their outcomes. */
async function connectBurst(port: number, round: number, outcomes: Map<string, number>): Promise<void> {
  await Promise.all(Array.from({ length: PARALLEL_CONNECTS }, (_, i) => new Promise<void>((resolve) => {
    const client = connect(`mqtt://127.0.0.1:${port}`, { username: `nobody-${round}-${i}`, password: 'wrong', clientId: `flood-${round}-${i}`, reconnectPeriod: 0, protocolVersion: 4, connectTimeout: 30_000 })
    let ended = false
    const end = (outcome: string) => {
      if (ended) return
      ended = true
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
      client.end(true)
      resolve()
    }
    client.once('connect', () => end('accepted'))
    client.once('error', (error) => end(`refused ${(error as Error & { code?: number | string }).code ?? '?'}`))
    client.once('close', () => end('closed by the server'))
  })))
}

/** Login times while bursts run: each round starts a burst and, at the same moment, LOGINS_PER_BURST logins one after another. */
async function loginsUnderBursts(url: string, port: number, outcomes: Map<string, number>): Promise<number[]> {
  const times: number[] = []
  for (let round = 0; round < LOGINS / LOGINS_PER_BURST; round++) {
    const burst = connectBurst(port, round, outcomes)
    for (let i = 0; i < LOGINS_PER_BURST; i++) times.push(await loginMs(url))
    await burst
  }
  return times
}

export async function run(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-security-'))
  const { child, url, mqttPort } = await startServer(dir)
  const pid = child.pid!
  try {
    // warm the server (JIT, SQLite pages, the dummy hash) before any baseline
    for (let i = 0; i < 5; i++) await loginMs(url)
    await sleep(500)

    const before = rssMb(pid)
    let peak = before
    const sampler = setInterval(() => { peak = Math.max(peak, rssMb(pid)) }, 20)
    const taken = await Promise.all(Array.from({ length: FLOODS }, () => flood(mqttPort)))
    await sleep(2000)
    clearInterval(sampler)
    const after = rssMb(pid)
    peak = Math.max(peak, after)
    console.log(`pre-auth flood: RSS before ${before.toFixed(1)} MB, peak ${peak.toFixed(1)} MB, 2 s after ${after.toFixed(1)} MB; the ${FLOODS} connections took ${taken.map((b) => (b / MB).toFixed(1)).join(', ')} MB of ${FLOOD_BYTES / MB} MB each before the server closed them`)

    const idle = await idleLogins(url)
    const outcomes = new Map<string, number>()
    const flooded = await loginsUnderBursts(url, mqttPort, outcomes)
    const [idleP99, floodP99] = [percentile(idle, 99), percentile(flooded, 99)]
    console.log(`login median: idle ${percentile(idle, 50).toFixed(1)} ms, beside the bursts ${percentile(flooded, 50).toFixed(1)} ms`)
    console.log(`login p99 over ${LOGINS}: idle ${idleP99.toFixed(1)} ms (baseline), ${LOGINS_PER_BURST} at a time beside each burst of ${PARALLEL_CONNECTS} parallel wrong-password CONNECTs ${floodP99.toFixed(1)} ms; the CONNECTs: ${[...outcomes].map(([k, v]) => `${k} ×${v}`).join(', ')}`)

    return [
      figure('preauth_flood_rss_growth_mb', peak - before, '<=20', `RSS ${before.toFixed(1)} → peak ${peak.toFixed(1)} MB`),
      figure('login_p99_under_connect_flood_vs_idle', floodP99 / idleP99, '<=3', `${floodP99.toFixed(1)} ms vs ${idleP99.toFixed(1)} ms idle`),
    ]
  } finally {
    child.kill('SIGINT')
    await new Promise((resolve) => child.once('close', resolve))
    rmSync(dir, { recursive: true, force: true })
  }
}
