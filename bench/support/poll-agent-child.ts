/**
 * The agent's poll engine alone in its own process, for CPU and memory figures: one TCP bus per
 * port (one connection each), one device of the 30-tag bench profile at unit 1 on each, every
 * device at --poll-ms. After --warmup-s it measures for --seconds:
 *   - CPU: process.cpuUsage() delta (user + system) ÷ wall time, as % of one core;
 *   - RSS: the largest process.memoryUsage().rss seen (sampled every 100 ms), and at the end;
 *   - retained heap: heapUsed after a full GC at both ends of the window (run with --expose-gc),
 *     so a leak shows as growth per minute and per transaction;
 *   - polls: completed polls (sample batches) per second, samples/s, share of good samples, and per
 *     device the number of polls in the window and the longest gap between two of its polls.
 *
 *   node --import tsx bench/support/poll-agent-child.ts --ports 5020,5021,… [--host 127.0.0.1]
 *        [--poll-ms 1000] [--warmup-s 5] [--seconds 30]
 *
 * Prints one line `result {json}` (AgentChildResult) and exits.
 */
import { parseArgs } from 'node:util'
import { PollEngine } from '../../edge-agent/src/poll/engine.ts'
import type { Sample } from '../../protocols/sample.ts'
import { device, neuronProfile, resolvedConfig, RESULT_PREFIX, tcpBus } from './poll-common.ts'

export interface AgentChildResult {
  devices: number
  pollMs: number
  seconds: number
  cpuPctOfCore: number
  cpuUserPct: number
  cpuSystemPct: number
  rssMaxMb: number
  rssEndMb: number
  heapUsedEndMb: number
  /** RSS right after the modules were loaded and the engine built, before it connected */
  rssBeforeStartMb: number
  /** heap in use after a full GC at the start and at the end of the window (NaN without --expose-gc) */
  heapAfterGcStartMb: number
  heapAfterGcEndMb: number
  /** retained heap growth over the window, per minute and per transaction */
  heapGrowthMbPerMin: number
  heapGrowthBytesPerTransaction: number
  polls: number
  pollsPerS: number
  samplesPerS: number
  goodShare: number
  minPollsPerDevice: number
  maxPollsPerDevice: number
  /** longest time between two consecutive polls of any one device, in the window */
  maxGapMs: number
  p50GapMs: number
  minGapMs: number
  /** 99th percentile of those gaps over all devices */
  p99GapMs: number
  devicesNotOnline: number
  transactions: number
}

const { values } = parseArgs({
  options: {
    ports: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    'poll-ms': { type: 'string', default: '1000' },
    'warmup-s': { type: 'string', default: '5' },
    seconds: { type: 'string', default: '30' },
  },
})
if (!values.ports) throw new Error('--ports is required')
const ports = values.ports.split(',').map(Number)
const pollMs = Number(values['poll-ms'])
const warmupMs = Number(values['warmup-s']) * 1000
const windowMs = Number(values.seconds) * 1000

const profile = neuronProfile()
const config = resolvedConfig(
  ports.map((port, i) => tcpBus(`tcp${i}`, values.host!, port)),
  ports.map((_, i) => device(`dev${i}`, `tcp${i}`, 1, profile, pollMs)),
)

let measuring = false
let polls = 0
let samples = 0
let good = 0
const index = new Map(config.devices.map((d, i) => [d.id, i] as const))
const pollsPerDevice = new Array<number>(ports.length).fill(0)
const lastPoll = new Array<number>(ports.length).fill(-1)
const gaps: number[] = []

const engine = new PollEngine(config, {
  samples(batch: Sample[]) {
    if (!measuring) return
    const now = performance.now()
    const i = index.get(batch[0]!.device)!
    polls++
    pollsPerDevice[i]!++
    samples += batch.length
    for (const s of batch) if (s.quality === 'good') good++
    if (lastPoll[i]! >= 0) gaps.push(now - lastPoll[i]!)
    lastPoll[i] = now
  },
  event() {},
})

const mb = (bytes: number) => bytes / 1024 / 1024
const rssBeforeStart = process.memoryUsage().rss
engine.start()
await new Promise((resolve) => setTimeout(resolve, warmupMs))

const gc = (globalThis as { gc?: () => void }).gc
const heapAfterGc = (): number => {
  if (!gc) return Number.NaN
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

const heapStart = heapAfterGc()
let rssMax = 0
const sampler = setInterval(() => {
  rssMax = Math.max(rssMax, process.memoryUsage().rss)
}, 100)
const transactionsBefore = engine.status().reduce((sum, b) => sum + b.transactions, 0)
measuring = true
const cpu0 = process.cpuUsage()
const t0 = performance.now()
await new Promise((resolve) => setTimeout(resolve, windowMs))
const cpu = process.cpuUsage(cpu0)
const elapsed = performance.now() - t0
measuring = false
clearInterval(sampler)
const status = engine.status()
const memory = process.memoryUsage()
rssMax = Math.max(rssMax, memory.rss)
const heapEnd = heapAfterGc()
const transactions = status.reduce((sum, b) => sum + b.transactions, 0) - transactionsBefore

const sortedGaps = gaps.sort((a, b) => a - b)
const result: AgentChildResult = {
  devices: ports.length,
  pollMs,
  seconds: elapsed / 1000,
  cpuPctOfCore: ((cpu.user + cpu.system) / 1000 / elapsed) * 100,
  cpuUserPct: (cpu.user / 1000 / elapsed) * 100,
  cpuSystemPct: (cpu.system / 1000 / elapsed) * 100,
  rssMaxMb: mb(rssMax),
  rssEndMb: mb(memory.rss),
  heapUsedEndMb: mb(memory.heapUsed),
  rssBeforeStartMb: mb(rssBeforeStart),
  heapAfterGcStartMb: mb(heapStart),
  heapAfterGcEndMb: mb(heapEnd),
  heapGrowthMbPerMin: mb(heapEnd - heapStart) / (elapsed / 60_000),
  heapGrowthBytesPerTransaction: (heapEnd - heapStart) / transactions,
  polls,
  pollsPerS: polls / (elapsed / 1000),
  samplesPerS: samples / (elapsed / 1000),
  goodShare: samples > 0 ? good / samples : 0,
  minPollsPerDevice: Math.min(...pollsPerDevice),
  maxPollsPerDevice: Math.max(...pollsPerDevice),
  maxGapMs: sortedGaps.at(-1) ?? Number.NaN,
  p50GapMs: sortedGaps[Math.floor(sortedGaps.length * 0.5)] ?? Number.NaN,
  minGapMs: sortedGaps[0] ?? Number.NaN,
  p99GapMs: sortedGaps[Math.floor(sortedGaps.length * 0.99)] ?? Number.NaN,
  devicesNotOnline: status.flatMap((b) => b.devices).filter((d) => d.state !== 'online').length,
  transactions,
}
console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`)
await engine.stop()
process.exit(0)
