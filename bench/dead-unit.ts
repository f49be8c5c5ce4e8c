/**
 * A dead unit on a shared RS-485 bus: what it costs the others once it is quarantined.
 *
 * Four catalytic methane sensors (GJC4, units 1-4, pollMs 300, safety priority) on one 9600 8N1 bus,
 * timeout 300 ms, 1 retry — our simulator (`edge-agent simulate --wire-timing`, its own process) on a socat
 * pty pair each, two engines (PollEngine) in this process. Two lines with the same config, polled at once
 * and measured over the same window (so a machine whose load changes weighs on both alike; the engines'
 * own work, a few polls a second, is far from sharing a core):
 *   - healthy (the baseline, measured in this run): all four units answer;
 *   - dead unit: unit 4 is not served (an RS-485 slave that lost power is silent). Measured from the moment
 *     it is reported offline and quarantined, so its probes are included: one attempt each, with a back-off
 *     of 2 s doubling to 60 s, each holding the line a whole timeout of quiet (the worker's guard against a late
 *     answer from a unit that failed) plus its own timeout, ~600 ms. The shorter the window, the more the
 *     first, closest probes weigh: at 10 s (probes at ~2 s and ~6 s) the figure sits near 1.10.
 * The others' cycle = mean interval between two successive polls of one of units 1-3 (sample timestamps).
 *   figure dead_unit_others_cycle_vs_healthy <=1.10  (cycle with the dead unit quarantined ÷ healthy cycle)
 *
 * BENCH_SECONDS sets each measuring window (default 30 s).
 */
import { join } from 'node:path'
import { compileProfile, loadLibrary } from '../hardware-profiles/index.ts'
import type { Sample } from '../protocols/sample.ts'
import { PollEngine, type PollEvent } from '../edge-agent/src/poll/engine.ts'
import { ProcessGroup } from '../tests/support/processes.ts'
import { startPtyPair, type PtyPair } from '../tests/support/socat.ts'
import { until } from '../tests/support/until.ts'
import { device, resolvedConfig, rtuBus } from './support/poll-common.ts'
import { figure, type Figure } from './run.ts'

const ROOT = join(import.meta.dirname, '..')
const CLI = join(ROOT, 'edge-agent/bin/edge-agent.js')
const PROFILE = 'ccri-gjc4-catalytic-methane'
const FRAMING = { baud: 9600, parity: 'none', dataBits: 8, stopBits: 1 } as const
const POLL_MS = 300
const UNITS = [1, 2, 3, 4]
const LIVE = ['ch4-1', 'ch4-2', 'ch4-3']
const DEAD = 'ch4-4'
const TARGET = '<=1.10'

const override = Number(process.env.BENCH_SECONDS)
const WINDOW_MS = (Number.isFinite(override) && override > 0 ? override : 30) * 1000
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length
const p95 = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(0.95 * (values.length - 1))]!

interface Window {
  intervals: number[]
  polls: number
  /** transactions beyond the live devices' polls: the dead unit's probes (roughly: polls straddle the window's ends) */
  probes: number
  notGood: number
}

/** The engine on one line, recording the live devices' good polls (sample timestamps) and its events. */
class RecordedLine {
  readonly events: PollEvent[] = []
  readonly polls = new Map<string, number[]>()
  private readonly engine: PollEngine
  private readonly readsPerPoll: number
  private notGood: { at: number }[] = []

  constructor(path: string) {
    const profile = loadLibrary().find((p) => p.id === PROFILE)
    if (!profile) throw new Error(`profile ${PROFILE} is not in the library`)
    this.readsPerPoll = compileProfile(profile).plan.blocks.length
    const config = resolvedConfig(
      [rtuBus('rs485', path, FRAMING, { timeoutMs: 300, retries: 1 })],
      UNITS.map((unit) => ({ ...device(`ch4-${unit}`, 'rs485', unit, profile, POLL_MS), priority: 'safety' as const })),
    )
    this.engine = new PollEngine(config, {
      samples: (batch: Sample[]) => {
        const id = batch[0]!.device
        if (batch.every((s) => s.quality === 'good')) this.polls.set(id, [...(this.polls.get(id) ?? []), batch[0]!.ts])
        else if (LIVE.includes(id)) this.notGood.push({ at: Date.now() })
      },
      event: (event) => this.events.push(event),
    })
    this.engine.start()
  }

  polled(id: string): number {
    return this.polls.get(id)?.length ?? 0
  }

  get offlineAt(): number | undefined {
    return this.events.find((e) => e.type === 'device-state' && e.device === DEAD && e.to === 'offline')?.ts
  }

  transactions(): number {
    return this.engine.status()[0]!.transactions
  }

  window(from: number, to: number, transactions: number): Window {
    const inWindow = (id: string) => (this.polls.get(id) ?? []).filter((t) => t >= from && t <= to)
    const intervals = LIVE.flatMap((id) => {
      const ts = inWindow(id)
      return ts.slice(1).map((t, i) => t - ts[i]!)
    })
    const polls = LIVE.reduce((n, id) => n + inWindow(id).length, 0)
    const notGood = this.notGood.filter((b) => b.at >= from && b.at <= to).length
    return { intervals, polls, probes: Math.max(0, transactions - polls * this.readsPerPoll), notGood }
  }

  stop(): Promise<void> {
    return this.engine.stop()
  }
}

export async function run(): Promise<Figure[]> {
  const group = new ProcessGroup()
  const pairs: PtyPair[] = []
  const lines: RecordedLine[] = []
  console.log(`-- a dead unit on a shared RTU bus: 4 x GJC4 at pollMs ${POLL_MS}, 9600 8N1, timeout 300 ms, 1 retry, simulator --wire-timing on a socat pty pair; windows of ${WINDOW_MS / 1000} s`)
  try {
    const simulate = async (units: string) => {
      const pair = await startPtyPair()
      pairs.push(pair)
      await group.startReady(process.execPath, [CLI, 'simulate', '--rtu', pair.a, '--baud', '9600', '--wire-timing', '--profile', PROFILE, '--unit', units, '--scenario', 'static'],
        /^simulator ready /u, { cwd: ROOT, name: `edge-agent simulate units ${units}`, timeoutMs: 30_000 })
      return pair.b
    }
    const [healthyLine, deadLine] = [await simulate('1-4'), await simulate('1-3')]

    // both lines polled at once, measured over the same window: a machine whose load changes weighs on both alike
    const started = Date.now()
    lines.push(new RecordedLine(healthyLine), new RecordedLine(deadLine))
    const [healthyRun, deadRun] = lines as [RecordedLine, RecordedLine]
    await until('every unit of the healthy line polled, unit 4 of the other quarantined', () =>
      UNITS.every((u) => healthyRun.polled(`ch4-${u}`) >= 2) && deadRun.offlineAt !== undefined && LIVE.every((id) => deadRun.polled(id) >= 2), { timeoutMs: 60_000, everyMs: 50 })
    const from = Date.now()
    const before = [healthyRun.transactions(), deadRun.transactions()]
    await sleep(WINDOW_MS)
    const to = Date.now()
    const healthy = healthyRun.window(from, to, healthyRun.transactions() - before[0]!)
    const withDead = deadRun.window(from, to, deadRun.transactions() - before[1]!)
    if (healthy.intervals.length === 0 || withDead.intervals.length === 0) throw new Error('no poll intervals measured')

    const base = mean(healthy.intervals)
    const cycle = mean(withDead.intervals)
    const ratio = cycle / base
    console.log(`   healthy baseline (all four answering): others' cycle ${base.toFixed(1)} ms, 95th percentile ${p95(healthy.intervals)} ms, worst ${Math.max(...healthy.intervals)} ms; ${healthy.polls} polls`)
    console.log(`   unit 4 dead, from its quarantine (offline ${deadRun.offlineAt! - started} ms after start): others' cycle ${cycle.toFixed(1)} ms, 95th percentile ${p95(withDead.intervals)} ms,` +
      ` worst ${Math.max(...withDead.intervals)} ms; ${withDead.polls} polls, ~${withDead.probes} probe transactions to the dead unit`)
    console.log(`   cycle with the dead unit ÷ healthy = ${ratio.toFixed(3)}${healthy.notGood + withDead.notGood > 0 ? `; live polls not all good: ${healthy.notGood} healthy, ${withDead.notGood} with the dead unit` : ''}`)
    return [figure('dead_unit_others_cycle_vs_healthy', ratio, TARGET,
      `others' cycle ${cycle.toFixed(1)} ms with unit 4 dead and quarantined vs ${base.toFixed(1)} ms healthy (pollMs ${POLL_MS}, 9600 8N1)`)]
  } catch (error) {
    console.log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    return [figure('dead_unit_others_cycle_vs_healthy', Number.NaN, TARGET, `did not run: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`)]
  } finally {
    await Promise.all(lines.map((line) => line.stop()))
    await group.stopAll()
    await Promise.all(pairs.map((p) => p.stop()))
  }
}
