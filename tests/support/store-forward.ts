/**
 * Store-and-forward acceptance tests (tests/edge-agent/store-forward): the real agent CLI as a
 * child process, simulators over Modbus TCP, and an audit of what a fleet subscriber receives.
 *
 *   const sims = await startTcpSimulators(group, 2, 3)           // 2 endpoints × units 1-3 (TSM-8, 12 channels each)
 *   const file = writeAgentConfig(dir, { endpoints: sims, pollMs: 50, uplinkUrl: broker.url, bufferPath })
 *   const agent = startAgent(file)                                // `edge-agent run --config FILE`, JSON logs parsed
 *   const audit = new SeqAudit(watcher)                           // per-message order, duplicate identity
 *   readOutbox(bufferPath)                                        // the SQLite outbox, read-only
 */
import { existsSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { stringify } from 'yaml'
import type { GatewayConfig } from '../../edge-agent/src/config/index.ts'
import { decodeTelemetry, type AgentEvent, type EventBatch, type TelemetryBatch } from '../../protocols/mqtt/index.ts'
import type { FleetWatcher } from './mosquitto.ts'
import { start, type ManagedProcess, type ProcessGroup } from './processes.ts'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..')
export const CLI = join(ROOT, 'edge-agent/bin/edge-agent.js')
/** Modbus TCP, 12 channels, identified by FC 43/14. */
export const SIM_PROFILE = 'generic-tsm8-tailings-monitor'
export const SIM_CHANNELS = 12

export interface Endpoint {
  port: number
  units: number
}

/** `count` simulator processes on 127.0.0.1 (free ports), each serving units 1..units. */
export async function startTcpSimulators(group: ProcessGroup, count: number, units: number): Promise<Endpoint[]> {
  return Promise.all(Array.from({ length: count }, async (_, i) => {
    const { match } = await group.startReady(process.execPath, [CLI, 'simulate', '--profile', SIM_PROFILE, '--unit', `1-${units}`, '--scenario', 'steady', '--tcp', '127.0.0.1:0'],
      /^simulator ready tcp 127\.0\.0\.1:(\d+) /u, { cwd: ROOT, name: `simulator-${i}`, timeoutMs: 30_000 })
    return { port: Number(match[1]), units }
  }))
}

export interface AgentConfigOptions {
  gateway: { id: string; site: string }
  endpoints: Endpoint[]
  pollMs: number
  uplinkUrl: string
  bufferPath: string
  credentialsFile?: string
  maxBytes?: number
}

/** Write `name` into `dir`: one TCP bus per endpoint, every unit polled at pollMs. Returns the path. */
export function writeAgentConfig(dir: string, options: AgentConfigOptions, name = 'gateway.yaml'): string {
  const config: GatewayConfig = {
    gateway: options.gateway,
    uplink: { url: options.uplinkUrl, ...(options.credentialsFile !== undefined && { credentialsFile: options.credentialsFile }) },
    buffer: { path: options.bufferPath, ...(options.maxBytes !== undefined && { maxBytes: options.maxBytes }) },
    buses: options.endpoints.map((e, i) => ({ id: `tcp-${i}`, type: 'tcp' as const, host: '127.0.0.1', port: e.port, timeoutMs: 1000 })),
    devices: options.endpoints.flatMap((e, i) => Array.from({ length: e.units }, (_, u) => ({
      id: `tsm-${i}-${u + 1}`, bus: `tcp-${i}`, unit: u + 1, profile: SIM_PROFILE, pollMs: options.pollMs,
    }))),
  }
  const file = join(dir, name)
  writeFileSync(file, `# written by tests/support/store-forward.ts\n${stringify(config)}`)
  return file
}

/** Samples per second the config asks for. */
export const nominalRate = (endpoints: Endpoint[], pollMs: number): number =>
  endpoints.reduce((n, e) => n + e.units, 0) * SIM_CHANNELS * (1000 / pollMs)

/** One pino JSON line of the agent's stdout. */
export interface LogLine {
  level: number
  msg: string
  [field: string]: unknown
}

/** The agent's stdout as pino JSON lines (non-JSON lines are skipped). */
export function logLines(proc: ManagedProcess): LogLine[] {
  const out: LogLine[] = []
  for (const line of proc.stdout.split('\n')) {
    if (!line.startsWith('{')) continue
    try {
      out.push(JSON.parse(line) as LogLine)
    } catch {
      // a line still being written
    }
  }
  return out
}

/** `node edge-agent/bin/edge-agent.js run --config FILE` (stdout is a pipe: JSON logs). */
export function startAgent(configFile: string, name = 'edge-agent'): ManagedProcess {
  return start(process.execPath, [CLI, 'run', '--config', configFile], { cwd: ROOT, name, env: { ...process.env, LOG_LEVEL: 'info' } })
}

export interface OutboxSnapshot {
  /** meta next_seq: every number below it was committed */
  nextSeq: number
  samples: number
  events: number
  minSample: number | null
  maxSample: number | null
  minEvent: number | null
  eventTypes: string[]
}

/** The outbox file, opened read-only (the agent may be running: WAL readers do not block it). */
export function readOutbox(path: string): OutboxSnapshot {
  if (!existsSync(path)) return { nextSeq: 1, samples: 0, events: 0, minSample: null, maxSample: null, minEvent: null, eventTypes: [] }
  const db = new Database(path, { readonly: true, fileMustExist: true })
  try {
    db.pragma('busy_timeout = 5000')
    const hasMeta = db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'meta'").pluck().get() as number
    // the agent creates its tables one by one: a file caught in between counts as empty
    if (!hasMeta) return { nextSeq: 1, samples: 0, events: 0, minSample: null, maxSample: null, minEvent: null, eventTypes: [] }
    const nextSeq = (db.prepare("SELECT value FROM meta WHERE key = 'next_seq'").pluck().get() as number | undefined) ?? 1
    // the telemetry store: one row per sample (samples) or one row per run of seqs (telemetry first_seq..last_seq)
    const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[])
    const s = tables.has('telemetry')
      ? db.prepare('SELECT coalesce(sum(count), 0) AS n, min(first_seq) AS lo, max(last_seq) AS hi FROM telemetry').get() as { n: number; lo: number | null; hi: number | null }
      : tables.has('samples')
        ? db.prepare('SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM samples').get() as { n: number; lo: number | null; hi: number | null }
        : { n: 0, lo: null, hi: null }
    if (!tables.has('events')) return { nextSeq, samples: s.n, events: 0, minSample: s.lo, maxSample: s.hi, minEvent: null, eventTypes: [] }
    const e = db.prepare('SELECT count(*) AS n, min(seq) AS lo FROM events').get() as { n: number; lo: number | null }
    const eventTypes = (db.prepare('SELECT body FROM events ORDER BY seq').pluck().all() as string[]).map((b) => (JSON.parse(b) as { type: string }).type)
    return { nextSeq, samples: s.n, events: e.n, minSample: s.lo, maxSample: s.hi, minEvent: e.lo, eventTypes }
  } finally {
    db.close()
  }
}

/**
 * A second look at every message the FleetWatcher gets (its ReferenceConsumer de-duplicates): each
 * telemetry and events message's seqs ascending; each (gateway, seq) that arrives again carries the
 * same record as the first time (a repeat, never a reused number); the events received, by seq.
 */
export class SeqAudit {
  /** seq → the record as first received (telemetry: device/channel/ts/value/quality; events: the JSON) */
  private readonly seen = new Map<number, string>()
  readonly problems: string[] = []
  readonly events = new Map<number, AgentEvent>()
  telemetryMessages = 0
  eventMessages = 0
  repeats = 0

  constructor(watcher: FleetWatcher, private readonly gateway: string) {
    watcher.client.on('message', (topic, payload) => this.look(topic, payload))
  }

  private look(topic: string, payload: Buffer): void {
    const kind = topic.split('/').at(-1)
    if (kind !== 'telemetry' && kind !== 'events') return
    if (topic.split('/')[3] !== this.gateway) return
    let records: { seq: number; key: string }[]
    try {
      if (kind === 'telemetry') {
        this.telemetryMessages++
        records = decodeTelemetry(JSON.parse(payload.toString('utf8')) as TelemetryBatch)
          .map((s) => ({ seq: s.seq, key: JSON.stringify([s.device, s.channel, s.ts, s.value, s.quality, s.reason ?? null]) }))
      } else {
        this.eventMessages++
        const batch = JSON.parse(payload.toString('utf8')) as EventBatch
        for (const e of batch.events) if (!this.events.has(e.seq)) this.events.set(e.seq, e)
        records = batch.events.map((e) => ({ seq: e.seq, key: JSON.stringify(e) }))
      }
    } catch (error) {
      this.problems.push(`${kind} message not decodable: ${(error as Error).message}`)
      return
    }
    for (let i = 1; i < records.length; i++) {
      if (records[i]!.seq <= records[i - 1]!.seq) {
        this.problems.push(`${kind} message ${kind === 'telemetry' ? this.telemetryMessages : this.eventMessages}: seq ${records[i]!.seq} after ${records[i - 1]!.seq}`)
        break
      }
    }
    for (const { seq, key } of records) {
      const before = this.seen.get(seq)
      if (before === undefined) this.seen.set(seq, key)
      else {
        this.repeats++
        if (before !== key && this.problems.length < 50) this.problems.push(`seq ${seq} arrived as two different records: ${before} then ${key}`)
      }
    }
  }
}

/** True when the ranges of accepted seqs of `gateway` cover first..last without a hole. */
export function covers(watcher: FleetWatcher, gateway: string, first: number, last: number): boolean {
  return watcher.consumer.tracker.accepted(gateway).some((r) => r.first <= first && r.last >= last)
}

/** Missing seqs in lo..hi (inclusive) as ranges. */
export function missingIn(watcher: FleetWatcher, gateway: string, lo: number, hi: number): { first: number; last: number }[] {
  const out: { first: number; last: number }[] = []
  let at = lo
  for (const r of watcher.consumer.tracker.accepted(gateway)) {
    if (r.last < at) continue
    if (r.first > hi) break
    if (r.first > at) out.push({ first: at, last: Math.min(hi, r.first - 1) })
    at = r.last + 1
  }
  if (at <= hi) out.push({ first: at, last: hi })
  return out
}

/** True when every number in the list is larger than the one before. */
export const increasing = (seqs: readonly number[]): boolean => seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)

/** Lets real time pass on purpose: a crash at a random moment, an outage of a given length — never to wait for something. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** a small seeded generator (mulberry32), so a failing case can be replayed from its seed */
export { mulberry32 as seededRandom } from '../../edge-agent/src/simulator/scenarios.ts'
