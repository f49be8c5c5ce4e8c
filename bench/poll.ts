/**
 * The poll engine against its baselines, each measured in the same run (issue 3, "bench/poll").
 *
 * 1. RTU, one RS-485 bus saturated: our simulator (`edge-agent simulate --wire-timing`, its own
 *    process) at 9600 8N1 on a socat pty pair, 8 devices of mixed library profiles at scattered unit
 *    ids; the engine in this process polls every device with pollMs 50, far below what the bus can
 *    serve, so the bus never idles. Cycle time = mean interval between two successive polls of the
 *    same device, ÷ the wire-time minimum of the same plan (Σ devices Σ planned reads of
 *    transactionWireMs: request + answer bytes + 2 × t3.5, no device turnaround). Beside it, a bare
 *    modbus-serial loop over the same reads on the same line (t3.5 after each answer) shows what the
 *    simulator, socat and timers cost by themselves.
 *      figure rtu_cycle_vs_wire_min <=1.15
 *    Beside it, the plan's transactions per cycle ÷ a naive poller's one read per channel
 *    (informational: on a 9600 baud line every transaction costs ≥ 13 bytes and 2 × t3.5 of fixed
 *    overhead, ~21 ms, whatever it reads, so the count of reads is what sets the cycle).
 *      figure rtu_transactions_per_cycle_vs_per_channel <=0.5
 * 2. TCP, throughput: our simulator in its own process (bench/support/poll-tcp-sim.ts, what
 *    `edge-agent simulate --tcp` runs), one endpoint serving 21 units (the 7 TCP-capable profiles, three
 *    times each). Both sides run in children of their own (bench/support/poll-tcp-child.ts), bundled
 *    with esbuild and run with plain node, as a gateway runs the agent (edge-agent/build.mjs): no tsx
 *    loader, whose keepNames wrapper taxes every closure, and nothing of this process in their way.
 *    The engine (PollEngine → BusWorker → DevicePoller → ModbusSerialMaster, decode and samples included)
 *    polls them flat out (pollMs 1) on one connection, one request in flight; the baseline is a bare
 *    modbus-serial loop on one connection doing the same reads, sequentially, no decode. The two
 *    children live through the phase and take turns in short slices (1 s each, after 250 ms of polling,
 *    ABBA order, the line silent while the other side runs), so a machine whose load changes from one
 *    second to the next weighs on both alike; transactions/s each, over all slices.
 *      figure tcp_poll_vs_bare_loop >=0.85
 * 3. Neuron's published workload, 500 Modbus TCP devices × 30 tags every 1 s: 500 simulator ports
 *    in one child (bench/support/poll-many-sim.ts), the engine alone in another
 *    (bench/support/poll-agent-child.ts: 500 TCP buses × 1 device, pollMs 1000), measuring its own
 *    CPU (process.cpuUsage delta, % of one core) and RSS (max), and the polls actually achieved
 *    (so a CPU figure can never be bought by polling less).
 *      figure neuron_workload_polls_vs_expected >=0.95 (polls/s ÷ 500)
 *      figure neuron_workload_cpu_pct_of_core <=30, neuron_workload_rss_mb <=120
 *    and a leak guard: retained heap (after full GC) growth per minute over the window.
 *      figure neuron_workload_heap_growth_mb_per_min <=2
 *
 * BENCH_SECONDS sets every measuring window (defaults: RTU 10 s and 5 s bare, TCP 12 slices of 1 s per
 * side, Neuron 30 s after 5 s of warm-up). BENCH_PHASES=tcp (or rtu, neuron, comma-separated) runs only
 * those phases while iterating. BENCH_CPU_PROF=DIR writes V8 CPU profiles of the Neuron agent child and of
 * the TCP engine child there. BENCH_TCP_SIM=cli serves the TCP phase from `edge-agent simulate` (bundle or
 * sources, as bin/edge-agent.js decides) instead of the bundled simulator child.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { compileProfile, loadLibrary, type Profile } from '../hardware-profiles/index.ts'
import { readFrameBytes, silenceMs, transactionWireMs, type SerialFraming } from '../protocols/modbus/index.ts'
import type { Sample } from '../protocols/sample.ts'
import { PollEngine } from '../edge-agent/src/poll/engine.ts'
import { ModbusClient } from '../tests/support/modbus-client.ts'
import { ProcessGroup, run as runProcess } from '../tests/support/processes.ts'
import { startPtyPair, type PtyPair } from '../tests/support/socat.ts'
import type { AgentChildResult } from './support/poll-agent-child.ts'
import type { TcpChildResult } from './support/poll-tcp-child.ts'
import {
  device, NEURON_TAGS, parseResult, perChannelWire, planWire, readOnce, resolvedConfig, RESULT_PREFIX, rtuBus, tcpBus, type Read,
} from './support/poll-common.ts'
import { figure, type Figure } from './run.ts'
import { bundleForBench } from './support/bundle.ts'

const ROOT = join(import.meta.dirname, '..')
const CLI = join(ROOT, 'edge-agent/bin/edge-agent.js')
const MANY_SIM = join(ROOT, 'bench/support/poll-many-sim.ts')
const AGENT_CHILD = join(ROOT, 'bench/support/poll-agent-child.ts')
const TCP_CHILD = join(ROOT, 'bench/support/poll-tcp-child.ts')
const TCP_SIM = join(ROOT, 'bench/support/poll-tcp-sim.ts')
const HOST = '127.0.0.1'

const override = process.env.BENCH_SECONDS ? Number(process.env.BENCH_SECONDS) : undefined
const seconds = (fallback: number) => (override !== undefined && Number.isFinite(override) && override > 0 ? override : fallback)
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
const message = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** A phase that could not run still reports its figures, as failures with the reason. */
async function phase(names: { name: string; target: string }[], body: () => Promise<Figure[]>): Promise<Figure[]> {
  try {
    return await body()
  } catch (error) {
    console.log(`phase failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    return names.map(({ name, target }) => figure(name, Number.NaN, target, `did not run: ${message(error).split('\n')[0]}`))
  }
}

interface Rate {
  transactions: number
  seconds: number
  perS: number
}

function profilesById(ids: readonly string[]): Profile[] {
  const library = loadLibrary()
  return ids.map((id) => {
    const profile = library.find((p) => p.id === id)
    if (!profile) throw new Error(`profile ${id} is not in the library`)
    return profile
  })
}

// ---------------------------------------------------------------------------------------------
// 1. RTU: cycle time of a saturated 9600 baud bus against the wire-time minimum of its plan

const RTU_DEVICES: readonly { unit: number; profile: string }[] = [
  { unit: 1, profile: 'ccri-gjc4-catalytic-methane' },
  { unit: 5, profile: 'generic-cam2-compressed-air-monitor' },
  { unit: 9, profile: 'generic-gjg10j-laser-methane' },
  { unit: 17, profile: 'generic-gq-ec-h2s' },
  { unit: 33, profile: 'generic-gtq-lel100-combustible' },
  { unit: 64, profile: 'generic-kdg4-power-cut-controller' },
  { unit: 128, profile: 'generic-kj-f8-positioning-substation' },
  { unit: 247, profile: 'generic-mgd4-multigas' },
]

async function rtuPhase(): Promise<Figure[]> {
  const windowS = seconds(10)
  const framing = { baud: 9600, parity: 'none', dataBits: 8, stopBits: 1 } as const
  const profiles = profilesById(RTU_DEVICES.map((d) => d.profile))
  const bus = 'rs485'

  let wireMinMs = 0
  let planTransactions = 0
  let naive = { ms: 0, transactions: 0 }
  let grouped = { ms: 0, transactions: 0 }
  let channels = 0
  for (const profile of profiles) {
    const plan = planWire(profile, framing)
    wireMinMs += plan.ms
    planTransactions += plan.transactions
    const { perChannel, perGroup } = perChannelWire(profile, framing)
    naive = { ms: naive.ms + perChannel.ms, transactions: naive.transactions + perChannel.transactions }
    grouped = { ms: grouped.ms + perGroup.ms, transactions: grouped.transactions + perGroup.transactions }
    channels += compileProfile(profile).channels.size
  }
  console.log(`-- RTU: 8 devices on one bus, 9600 8N1, simulator --wire-timing on a socat pty pair, every device pollMs 50 (bus saturated), ${windowS} s`)
  console.log(`   devices: ${RTU_DEVICES.map((d, i) => `${d.unit}:${d.profile.replace(/^generic-/u, '')}(${planWire(profiles[i]!, framing).transactions} reads)`).join(' ')}`)
  const ten = readFrameBytes(10, false)
  console.log(`   t3.5 at 9600 8N1 = ${silenceMs(framing).toFixed(2)} ms; a 10-register read = ${transactionWireMs(framing, ten.request, ten.response).toFixed(1)} ms of wire`)

  const group = new ProcessGroup()
  let pty: PtyPair | undefined
  let engine: PollEngine | undefined
  try {
    pty = await startPtyPair()
    const deviceArgs = RTU_DEVICES.flatMap((d) => ['--device', `${d.unit}:${d.profile}`])
    await group.startReady(process.execPath, [CLI, 'simulate', ...deviceArgs, '--rtu', pty.a, '--baud', '9600', '--wire-timing', '--scenario', 'steady'],
      /^simulator ready rtu /u, { cwd: ROOT, name: 'edge-agent simulate (rtu)', timeoutMs: 30_000 })

    const config = resolvedConfig(
      [rtuBus(bus, pty.b, framing, { timeoutMs: 300, retries: 1 })],
      RTU_DEVICES.map((d, i) => device(`u${d.unit}`, bus, d.unit, profiles[i]!, 50)),
    )
    const polls = new Map<string, number[]>()
    let measuring = false
    let commFail = 0
    let notGood = 0
    let warmPolls = 0
    const seen = new Map<string, number>()
    engine = new PollEngine(config, {
      samples(batch: Sample[]) {
        const now = performance.now()
        const id = batch[0]!.device
        if (batch.every((s) => s.quality === 'comm-fail')) {
          if (measuring) commFail++
          return
        }
        seen.set(id, (seen.get(id) ?? 0) + 1)
        warmPolls++
        if (!measuring) return
        for (const s of batch) if (s.quality !== 'good') notGood++
        const list = polls.get(id) ?? []
        list.push(now)
        polls.set(id, list)
      },
      event() {},
    })
    engine.start()
    // warm-up: every device identified (FC 43/14 or signature read) and polled at least twice
    const warmUntil = performance.now() + 20_000
    while (performance.now() < warmUntil && !(seen.size === RTU_DEVICES.length && [...seen.values()].every((n) => n >= 2))) await sleep(50)
    if (seen.size < RTU_DEVICES.length) throw new Error(`only ${seen.size} of ${RTU_DEVICES.length} devices answered during warm-up`)
    const before = engine.status()[0]!.transactions
    measuring = true
    const t0 = performance.now()
    await sleep(windowS * 1000)
    measuring = false
    const elapsed = performance.now() - t0
    const status = engine.status()[0]!
    const transactions = status.transactions - before
    await engine.stop()
    engine = undefined

    // baseline in the same run: a bare modbus-serial loop over the same reads in the same order on the
    // same line, keeping t3.5 after every answer as a compliant master must; no decode, no scheduling
    const reads = RTU_DEVICES.flatMap((d, i) => compileProfile(profiles[i]!).plan.blocks.map((b) => ({ unit: d.unit, table: b.table, address: b.address, count: b.count })))
    const bare = await bareRtuLoop(pty.b, framing, reads, Math.max(3, windowS / 2))
    const bareCycleMs = (bare.seconds * 1000) / (bare.transactions / reads.length)

    const perDevice = [...polls.values()].map((ts) => (ts.length >= 2 ? (ts.at(-1)! - ts[0]!) / (ts.length - 1) : Number.NaN))
    const cycleMs = perDevice.reduce((a, b) => a + b, 0) / perDevice.length
    const pollCount = [...polls.values()].reduce((a, l) => a + l.length, 0)
    const cycles = pollCount / RTU_DEVICES.length
    const cycleByCountMs = elapsed / cycles
    const ratio = cycleMs / wireMinMs
    const transactionsPerCycle = transactions / cycles
    console.log(`   wire-time minimum of our plan: ${planTransactions} reads per cycle, ${fmt(wireMinMs)} ms per cycle (Σ transactionWireMs)`)
    console.log(`   measured cycle: ${fmt(cycleMs)} ms (mean interval between successive polls of a device; ${fmt(cycleByCountMs)} ms as window ÷ cycles, ${fmt(cycles)} cycles); engine status cycleMs ${String(status.cycleMs)} ms, bus load ${(status.load * 100).toFixed(1)} %`)
    console.log(`   per device: ${[...polls.entries()].map(([id, ts], i) => `${id} ${fmt(perDevice[i]!, 0)} ms/${ts.length}`).join(', ')}`)
    console.log(`   transactions measured per cycle ${fmt(transactionsPerCycle, 2)} (plan ${planTransactions}); comm-fail polls ${commFail}; samples not good ${notGood}`)
    console.log(`   cycle ÷ wire minimum = ${ratio.toFixed(3)}`)
    console.log(`   baseline, bare modbus-serial loop over the same ${reads.length} reads with t3.5 after each answer (${fmt(bare.seconds)} s): cycle ${fmt(bareCycleMs)} ms = ${(bareCycleMs / wireMinMs).toFixed(3)} × the wire minimum;` +
      ` the engine's cycle is ${(cycleMs / bareCycleMs).toFixed(3)} × the bare loop's (${fmt((cycleMs - bareCycleMs) / planTransactions, 2)} ms per transaction)`)
    console.log(`   overhead over the wire minimum per transaction: engine ${fmt((cycleMs - wireMinMs) / planTransactions, 2)} ms, bare loop ${fmt((bareCycleMs - wireMinMs) / planTransactions, 2)} ms` +
      ' (timer granularity of the simulator\'s answer delay and of the master\'s t3.5, socat relaying, pty wake-ups)')
    console.log(`   baseline, naive one-read-per-channel poller of the same ${channels} channels: ${naive.transactions} reads, ${fmt(naive.ms)} ms per cycle at best;` +
      ` one read per distinct register group: ${grouped.transactions} reads, ${fmt(grouped.ms)} ms`)
    console.log(`   ours: ${planTransactions} reads, ${fmt(wireMinMs)} ms at best → ${(naive.ms / wireMinMs).toFixed(1)}× shorter theoretical cycle than per-channel, measured ${(naive.ms / cycleMs).toFixed(1)}×`)
    const findings: string[] = []
    if (commFail > 0) findings.push(`${commFail} comm-fail polls`)
    const figures = [
      figure('rtu_cycle_vs_wire_min', ratio, '<=1.15',
        `cycle ${fmt(cycleMs)} ms vs wire minimum ${fmt(wireMinMs)} ms (bare modbus-serial loop ${fmt(bareCycleMs)} ms = ${(bareCycleMs / wireMinMs).toFixed(3)}), 8 devices, ${planTransactions} reads, 9600 8N1${findings.length ? `; ${findings.join(', ')}` : ''}`),
      figure('rtu_transactions_per_cycle_vs_per_channel', planTransactions / naive.transactions, '<=0.5',
        `${planTransactions} reads vs ${naive.transactions} one-per-channel (${grouped.transactions} per register group); theoretical cycle ${fmt(wireMinMs, 0)} vs ${fmt(naive.ms, 0)} ms`),
    ]
    return figures
  } finally {
    await engine?.stop()
    await group.stopAll()
    await pty?.stop()
  }
}

async function bareRtuLoop(path: string, framing: Required<SerialFraming>, reads: readonly Read[], windowS: number): Promise<Rate> {
  const client = new ModbusClient()
  await client.connectRTUBuffered(path, { baudRate: framing.baud, parity: framing.parity, dataBits: 8, stopBits: 1 })
  client.setTimeout(300)
  const silence = silenceMs(framing)
  try {
    // t3.5 measured from the answer's arrival: a timer alone may fire early (Node starts it from the
    // event loop's cached time), and a bare loop breaking the silence would flatter the baseline
    const keepSilence = async () => {
      const until = performance.now() + silence
      for (let left = silence; left > 0; left = until - performance.now()) await sleep(left)
    }
    let i = 0
    for (let k = 0; k < reads.length; k++) { // one round to settle
      await readOnce(client, reads[i++ % reads.length]!)
      await keepSilence()
    }
    let transactions = 0
    const t0 = performance.now()
    const end = t0 + windowS * 1000
    // whole rounds only, so the cycle is comparable
    while (performance.now() < end || i % reads.length !== 0) {
      await readOnce(client, reads[i++ % reads.length]!)
      await keepSilence()
      transactions++
    }
    const elapsed = (performance.now() - t0) / 1000
    return { transactions, seconds: elapsed, perS: transactions / elapsed }
  } finally {
    await new Promise<void>((resolve) => client.close(() => resolve()))
  }
}

// ---------------------------------------------------------------------------------------------
// 2. TCP: engine throughput against a bare modbus-serial loop, same endpoint, one connection each

const TCP_PROFILES = [
  'generic-mgd4-multigas', 'generic-kj-f8-positioning-substation', 'generic-vrm4-vapor-recovery-monitor', 'generic-tsm8-tailings-monitor',
  'generic-sis-plc16-reactor-interlock', 'generic-rcm6-refuge-chamber-monitor', 'generic-gq-cl2-net-chlorine',
] as const
/**
 * Every TCP-capable profile three times (units 1-7, 11-17, 21-27). The engine schedules on a
 * millisecond clock, so one device is polled at most once per millisecond even at a tiny pollMs:
 * 21 devices put that ceiling (~21,000 polls/s) well above what one connection carries.
 */
const TCP_DEVICES: readonly { unit: number; profile: string }[] = [0, 10, 20].flatMap((base) => TCP_PROFILES.map((profile, i) => ({ unit: base + i + 1, profile })))

/**
 * A bundled bench child (plain node) that runs measurement slices on command: one line on its stdin, one
 * `result` line back. Both TCP sides live the whole phase, so they can alternate in short slices.
 */
class SliceChild {
  private readonly child: ChildProcess
  private readonly lines: string[] = []
  private stderr = ''
  private exited = false
  private notify: (() => void) | undefined

  constructor(readonly name: string, script: string, args: string[], profDir?: string) {
    this.child = spawn(process.execPath, [...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), script, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] })
    let partial = ''
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n')
      partial = parts.pop()!
      this.lines.push(...parts)
      this.notify?.()
    })
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr = (this.stderr + chunk).slice(-4000)))
    this.child.once('exit', () => {
      this.exited = true
      this.notify?.()
    })
  }

  /** The next line starting with `prefix` (earlier ones are dropped). */
  async line(prefix: string, timeoutMs: number): Promise<string> {
    const until = performance.now() + timeoutMs
    for (;;) {
      const at = this.lines.findIndex((l) => l.startsWith(prefix))
      if (at >= 0) return this.lines.splice(0, at + 1).at(-1)!
      if (this.exited) throw new Error(`${this.name} exited before printing "${prefix}…": ${this.stderr}`)
      const left = until - performance.now()
      if (left <= 0) throw new Error(`${this.name} printed no "${prefix}…" within ${timeoutMs} ms: ${this.stderr}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.notify = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  }

  async run(warmupMs: number, measureMs: number): Promise<TcpChildResult> {
    this.child.stdin!.write(`run ${warmupMs} ${measureMs}\n`)
    const line = await this.line(RESULT_PREFIX, warmupMs + measureMs + 30_000)
    return JSON.parse(line.slice(RESULT_PREFIX.length)) as TcpChildResult
  }

  /** Ask it to quit (so a CPU profile gets written), kill it if it does not. */
  async stop(): Promise<void> {
    if (this.exited) return
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()))
    this.child.stdin!.end('quit\n')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000)
    await gone
    clearTimeout(timer)
  }
}

async function tcpPhase(): Promise<Figure[]> {
  const sliceMs = 1000
  const slices = Math.max(4, Math.round(seconds(12) * 1000 / sliceMs))
  const sliceWarmupMs = 250
  const profiles = profilesById(TCP_DEVICES.map((d) => d.profile))
  const reads: Read[] = TCP_DEVICES.flatMap((d, i) => compileProfile(profiles[i]!).plan.blocks.map((b) => ({ unit: d.unit, table: b.table, address: b.address, count: b.count })))
  const channels = profiles.reduce((sum, p) => sum + compileProfile(p).channels.size, 0)
  const deviceList = TCP_DEVICES.map((d) => `${d.unit}:${d.profile}`).join(',')
  console.log(`-- TCP: simulator (own process), one endpoint, ${TCP_DEVICES.length} units, ${reads.length} reads per round of all devices, ${channels} channels;` +
    ` one connection, one request in flight; each side in its own long-lived child bundled with esbuild and run with plain node (as a gateway runs the agent),` +
    ` ${slices} slices of ${sliceMs / 1000} s per side (after ${sliceWarmupMs} ms of polling each), alternating bare/engine/engine/bare…, the line silent between slices`)
  console.log(`   reads: ${reads.map((r) => `${r.unit}:${r.table[0]}${r.address}x${r.count}`).join(' ')}`)
  const group = new ProcessGroup()
  const children: SliceChild[] = []
  try {
    // the device: bundled like both sides, so its speed does not depend on whether edge-agent/dist is fresh
    // (bin/edge-agent.js runs the sources through tsx when it is not); BENCH_TCP_SIM=cli runs the CLI instead
    let port: number
    if (process.env.BENCH_TCP_SIM === 'cli') {
      const deviceArgs = TCP_DEVICES.flatMap((d) => ['--device', `${d.unit}:${d.profile}`])
      const { match } = await group.startReady(process.execPath, [CLI, 'simulate', ...deviceArgs, '--tcp', `${HOST}:0`, '--scenario', 'steady'],
        /^simulator ready tcp [\d.]+:(\d+) units /u, { cwd: ROOT, name: 'edge-agent simulate (tcp)', timeoutMs: 30_000 })
      port = Number(match[1])
    } else {
      const sim = await bundleForBench(TCP_SIM)
      const { proc } = await group.startReady(process.execPath, [sim, '--devices', deviceList, '--host', HOST, '--scenario', 'steady'],
        /^result /u, { cwd: ROOT, name: 'poll-tcp-sim', timeoutMs: 30_000 })
      port = parseResult<{ port: number }>(proc.stdout, 'poll-tcp-sim').port
    }
    const script = await bundleForBench(TCP_CHILD)
    const profDir = process.env.BENCH_CPU_PROF
    const args = (mode: string) => ['--mode', mode, '--port', String(port), '--host', HOST, '--devices', deviceList]
    const bareChild = new SliceChild('poll-tcp-child (bare)', script, args('bare'))
    children.push(bareChild)
    const engineChild = new SliceChild('poll-tcp-child (engine)', script, args('engine'), profDir)
    children.push(engineChild)
    await Promise.all(children.map((c) => c.line('ready', 30_000)))
    // JIT warm-up of both, not measured
    await bareChild.run(1500, 500)
    await engineChild.run(1500, 500)
    const bare: TcpChildResult[] = []
    const agent: TcpChildResult[] = []
    for (let k = 0; k < slices; k++) {
      // ABBA: neither side always goes first after the other
      if (k % 2 === 0) {
        bare.push(await bareChild.run(sliceWarmupMs, sliceMs))
        agent.push(await engineChild.run(sliceWarmupMs, sliceMs))
      } else {
        agent.push(await engineChild.run(sliceWarmupMs, sliceMs))
        bare.push(await bareChild.run(sliceWarmupMs, sliceMs))
      }
    }
    const k = (list: TcpChildResult[]) => list.map((r) => fmt(r.perS / 1000, 1)).join(' ')
    console.log(`   slices, thousand tx/s: bare ${k(bare)}`)
    console.log(`                          agent ${k(agent)}`)
    const rate = (list: TcpChildResult[]) => list.reduce((a, r) => a + r.transactions, 0) / list.reduce((a, r) => a + r.seconds, 0)
    const bareRate = rate(bare)
    const agentRate = rate(agent)
    const notGood = agent.reduce((a, r) => a + r.notGood!, 0)
    const samples = agent.reduce((a, r) => a + r.samples!, 0)
    const ratio = agentRate / bareRate
    const paired = agent.map((a, i) => a.perS / bare[i]!.perS).sort((x, y) => x - y)
    const usPerTx = (1e6 / agentRate) - (1e6 / bareRate)
    const cpuOf = (list: TcpChildResult[], key: 'cpuUsPerTx' | 'cpuSystemUsPerTx') => list.reduce((a, r) => a + r[key] * r.transactions, 0) / list.reduce((a, r) => a + r.transactions, 0)
    const [agentCpu, bareCpu] = [cpuOf(agent, 'cpuUsPerTx'), cpuOf(bare, 'cpuUsPerTx')]
    console.log(`   bare loop ${fmt(bareRate, 0)} tx/s, agent ${fmt(agentRate, 0)} tx/s (${fmt(samples / agent.reduce((a, r) => a + r.seconds, 0), 0)} samples/s decoded,` +
      ` ${Math.min(...agent.map((r) => r.minPolls!))}..${Math.max(...agent.map((r) => r.maxPolls!))} polls per device per slice) → ratio ${ratio.toFixed(3)}` +
      ` (slice by slice: median ${paired[Math.floor(paired.length / 2)]!.toFixed(3)}, range ${paired[0]!.toFixed(3)}..${paired.at(-1)!.toFixed(3)})`)
    console.log(`   the engine adds ${fmt(usPerTx, 1)} µs of round trip per transaction; CPU ${fmt(agentCpu)} vs ${fmt(bareCpu)} µs per transaction` +
      ` (system ${fmt(cpuOf(agent, 'cpuSystemUsPerTx'))} vs ${fmt(cpuOf(bare, 'cpuSystemUsPerTx'))}): +${fmt(agentCpu - bareCpu)} µs, ${fmt((agentCpu - bareCpu) * reads.length / channels, 2)} µs per channel decoded${notGood ? `; ${notGood} samples not good` : ''}`)
    console.log('   earlier measurements on this kind of machine (2 vCPU): modbus-serial client ~52 µs CPU per sequential transaction, pymodbus ← modbus-serial 1 connection ~8,500 tx/s')
    if (profDir) console.log(`   CPU profile of the engine child written to ${profDir}`)
    return [figure('tcp_poll_vs_bare_loop', ratio, '>=0.85', `agent ${fmt(agentRate, 0)} vs bare modbus-serial ${fmt(bareRate, 0)} tx/s, 1 connection, 1 in flight, ${TCP_DEVICES.length} units, ${slices} × ${sliceMs / 1000} s each`)]
  } finally {
    await Promise.all(children.map((c) => c.stop()))
    await group.stopAll()
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Neuron's workload: 500 TCP devices × 30 tags every 1 s; the agent's CPU and memory

const NEURON_DEVICES = 500
/** modbus-serial's TCP port numbers transactions modulo 256 (ports/tcpport.js MAX_TRANSACTIONS) */
const MODBUS_SERIAL_TCP_IDS = 256

async function rssOf(args: string[]): Promise<number> {
  const result = await runProcess(process.execPath, [...args, '-e', 'console.log(process.memoryUsage().rss)'], { cwd: ROOT, timeoutMs: 30_000 })
  return Number(result.stdout.trim()) / 1024 / 1024
}

async function neuronPhase(): Promise<Figure[]> {
  const windowS = seconds(30)
  const warmupS = 5
  const pollMs = 1000
  console.log(`-- Neuron workload: ${NEURON_DEVICES} Modbus TCP devices × ${NEURON_TAGS} tags every ${pollMs} ms; ${NEURON_DEVICES} simulator ports in one child, the engine alone in another (${NEURON_DEVICES} buses, one connection each), ${windowS} s after ${warmupS} s warm-up`)
  console.log('   baseline (peers.md): Neuron 2.2.1 reports ~124 % CPU of a 4-core box for this workload (500 × 30 tags at 1 s = 15,000 tags/s); its docs ask 128 MB RAM for 100 tags')
  const group = new ProcessGroup()
  try {
    const [plainRss, tsxRss] = [await rssOf([]), await rssOf(['--import', 'tsx'])]
    const { proc } = await group.startReady(process.execPath, ['--import', 'tsx', MANY_SIM, '--count', String(NEURON_DEVICES), '--host', HOST],
      /^result /u, { cwd: ROOT, name: 'poll-many-sim', timeoutMs: 120_000 })
    const { ports } = parseResult<{ ports: number[] }>(proc.stdout, 'poll-many-sim')
    if (ports.length !== NEURON_DEVICES) throw new Error(`poll-many-sim serves ${ports.length} ports, expected ${NEURON_DEVICES}`)
    const profDir = process.env.BENCH_CPU_PROF
    // the agent runs bundled with plain node, as a gateway runs it (edge-agent/build.mjs), not through tsx
    const agentChild = await bundleForBench(AGENT_CHILD)
    const args = ['--expose-gc', ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), agentChild,
      '--ports', ports.join(','), '--host', HOST, '--poll-ms', String(pollMs), '--warmup-s', String(warmupS), '--seconds', String(windowS)]
    const child = await runProcess(process.execPath, args, { cwd: ROOT, timeoutMs: (warmupS + windowS + 60) * 1000, name: 'poll-agent-child' })
    if (!child.stdout.includes(RESULT_PREFIX)) {
      throw new Error(`poll-agent-child ended without a result (exit ${String(child.code ?? child.signal)}${child.timedOut ? ', timed out' : ''}): ${child.stderr.slice(-2000)}`)
    }
    const r = parseResult<AgentChildResult>(child.stdout, 'poll-agent-child')
    const expectedPolls = NEURON_DEVICES * 1000 / pollMs
    console.log(`   polls: ${fmt(r.pollsPerS)} /s (expected ${expectedPolls}), ${fmt(r.samplesPerS, 0)} samples/s (expected ${fmt(expectedPolls * NEURON_TAGS, 0)}), ${(r.goodShare * 100).toFixed(2)} % good;` +
      ` per device ${r.minPollsPerDevice}..${r.maxPollsPerDevice} polls in ${fmt(r.seconds)} s; gap between polls of a device min ${fmt(r.minGapMs, 0)} / median ${fmt(r.p50GapMs, 0)} / p99 ${fmt(r.p99GapMs, 0)} / max ${fmt(r.maxGapMs, 0)} ms; devices not online ${r.devicesNotOnline}`)
    console.log(`   agent CPU: ${fmt(r.cpuPctOfCore)} % of one core (user ${fmt(r.cpuUserPct)} %, system ${fmt(r.cpuSystemPct)} %) → ${fmt(r.cpuPctOfCore / 4)} % of a 4-core box vs Neuron's ~124 % (≈ ${fmt(124 / Math.max(r.cpuPctOfCore, 0.1))}× less)`)
    console.log(`   agent RSS: max ${fmt(r.rssMaxMb)} MB, end ${fmt(r.rssEndMb)} MB; before connecting (modules loaded, engine built) ${fmt(r.rssBeforeStartMb)} MB;` +
      ` for reference in this run: empty node ${fmt(plainRss)} MB, empty node --import tsx ${fmt(tsxRss)} MB`)
    console.log(`   retained heap (after full GC): ${fmt(r.heapAfterGcStartMb)} → ${fmt(r.heapAfterGcEndMb)} MB over the window = ${fmt(r.heapGrowthMbPerMin, 2)} MB/min, ${fmt(r.heapGrowthBytesPerTransaction, 0)} bytes per transaction (${r.transactions} transactions)`)
    if (r.heapGrowthBytesPerTransaction > 100) {
      const plateauMb = (r.heapGrowthBytesPerTransaction * MODBUS_SERIAL_TCP_IDS * NEURON_DEVICES) / 1024 / 1024
      console.log(`   retained heap keeps growing: modbus-serial keeps every transaction (its callback and timer) in client._transactions until its id comes round again,` +
        ` ${MODBUS_SERIAL_TCP_IDS} ids per TCP connection; at one poll a second that is ~${MODBUS_SERIAL_TCP_IDS} s before it levels off at ≈ +${fmt(plateauMb, 0)} MB of heap` +
        ` (${fmt(r.heapGrowthBytesPerTransaction, 0)} B × ${MODBUS_SERIAL_TCP_IDS} × ${NEURON_DEVICES}) → steady-state RSS ≈ ${fmt(r.rssEndMb + plateauMb * (1 - r.transactions / (MODBUS_SERIAL_TCP_IDS * NEURON_DEVICES)), 0)} MB`)
    }
    if (profDir) console.log(`   CPU profile of the agent child written to ${profDir}`)
    const polled = `${fmt(r.pollsPerS)} polls/s of ${expectedPolls} expected, ${fmt(r.samplesPerS, 0)} samples/s`
    return [
      figure('neuron_workload_polls_vs_expected', r.pollsPerS / expectedPolls, '>=0.95',
        `${polled}; every device ${r.minPollsPerDevice}..${r.maxPollsPerDevice} polls in ${fmt(r.seconds, 1)} s, p99 gap ${fmt(r.p99GapMs, 0)} ms`),
      figure('neuron_workload_cpu_pct_of_core', r.cpuPctOfCore, '<=30', `${polled}; Neuron 2.2.1 ~124 % of a 4-core box`),
      figure('neuron_workload_rss_mb', r.rssMaxMb, '<=120', `max RSS in ${fmt(r.seconds, 0)} s; ${fmt(r.rssBeforeStartMb)} MB before connecting; node ${fmt(plainRss)}, node+tsx ${fmt(tsxRss)} MB`),
      figure('neuron_workload_heap_growth_mb_per_min', r.heapGrowthMbPerMin, '<=2', `${fmt(r.heapGrowthBytesPerTransaction, 0)} bytes retained per transaction`),
    ]
  } finally {
    await group.stopAll()
  }
}

/** BENCH_PHASES=tcp (or rtu,neuron …) runs only those phases while iterating; a full run is every phase. */
const PHASES = ['rtu', 'tcp', 'neuron'] as const
function phasesToRun(): Set<string> {
  const wanted = (process.env.BENCH_PHASES ?? '').split(',').map((p) => p.trim().toLowerCase()).filter(Boolean)
  const unknown = wanted.filter((p) => !(PHASES as readonly string[]).includes(p))
  if (unknown.length > 0) throw new Error(`BENCH_PHASES: unknown phase ${unknown.join(', ')} (one of ${PHASES.join(', ')})`)
  return new Set(wanted.length > 0 ? wanted : PHASES)
}

export async function run(): Promise<Figure[]> {
  const phases = phasesToRun()
  if (phases.size < PHASES.length) console.log(`BENCH_PHASES: only ${[...phases].join(', ')} (not a full run)`)
  const figures: Figure[] = []
  if (phases.has('rtu')) figures.push(...await phase([{ name: 'rtu_cycle_vs_wire_min', target: '<=1.15' }, { name: 'rtu_transactions_per_cycle_vs_per_channel', target: '<=0.5' }], rtuPhase))
  if (phases.has('tcp')) figures.push(...await phase([{ name: 'tcp_poll_vs_bare_loop', target: '>=0.85' }], tcpPhase))
  if (phases.has('neuron')) {
    figures.push(...await phase([
      { name: 'neuron_workload_polls_vs_expected', target: '>=0.95' },
      { name: 'neuron_workload_cpu_pct_of_core', target: '<=30' },
      { name: 'neuron_workload_rss_mb', target: '<=120' },
      { name: 'neuron_workload_heap_growth_mb_per_min', target: '<=2' },
    ], neuronPhase))
  }
  return figures
}
