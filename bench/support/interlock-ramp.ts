/**
 * The ramp phase of bench/interlock (issue 18): methane climbing through its alarm level to the trip on one
 * 9600 8N1 line of 8 devices, the heads polled every 5 s, run twice at once on two lines of the same setup:
 * armed (the bus defaults) and unarmed (`armedShare: 0`, armed reading off) as its baseline.
 * Its doc comment is at the top of bench/interlock.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { encodeRaw, type Profile } from '../../hardware-profiles/index.ts'
import { charTimeMs, type Table } from '../../protocols/modbus/index.ts'
import { armedBudgets, type GatewayConfig } from '../../edge-agent/src/config/index.ts'
import { DISARM_AFTER_MS } from '../../edge-agent/src/interlocks/arming.ts'
import { startSimulator, type SimulatedDevice, type Simulator } from '../../edge-agent/src/simulator/index.ts'
import { ProcessGroup, run as runProcess } from '../../tests/support/processes.ts'
import { startPtyPair, type PtyPair } from '../../tests/support/socat.ts'
import { figure, type Figure } from '../run.ts'
import { cyclesWhileArmed, worstRatio, type ArmedWindow, type CycleWhileArmed } from './ramp-cycles.ts'
import { bundleForBench } from './bundle.ts'
import { RelayTap } from './relay-tap.ts'
import { FRAMING, SENSOR_PROFILE, RELAY_PROFILE, WRITE_COIL_REQUEST_BYTES, sleep, uniform, fmt, message, percentile, profileById } from './interlock-common.ts'

const ROOT = join(import.meta.dirname, '../..')
/** alarm 1.0, power-off 1.5, restore below 1.0 (煤矿安全规程 2016, longwall face T1) */
const ALARM_PRESET = 'coal-ch4-t1-longwall-face'
const HEADS: readonly number[] = [1, 2, 3, 4, 5, 6, 7]
/** the KDG-4 has four outputs: heads 1-4 are interlock sources, each cutting its own output; heads 5-7 only measure */
const SOURCE_HEADS: readonly number[] = [1, 2, 3, 4]
/** heads ramping side by side (BENCH_RAMP_HEADS, 1-4): each ramping head is armed ~17 s of its ~20 s cycle */
const DEFAULT_RAMPING = 3
const RELAY_UNIT = 8
/** every device, the relay too: a shorter relay period would be delayed by up to a line cycle (~0.5 s) of the heads' safety polls, armed or not */
const POLL_MS = 5000
/** ch4 raw counts (scale 0.01 %CH4): the ramp, the arming level, the trip, clean air */
const RAMP_FROM = 80
const RAMP_TO = 160
const ARM_AT = 100
const TRIP_AT = 150
const LOW = 30
/** 0.01 %CH4 every 200 ms: 0.05 %CH4/s */
const STEP_MS = 200
const TRIP_LEVEL = TRIP_AT / 100
const RESTORE_LEVEL = ARM_AT / 100
/** a head poll period and 3 s more: a trip or restore write later than this is a failure */
const ARRIVAL_TIMEOUT_MS = POLL_MS + 3000
/** a disarm waits for the first armed read DISARM_AFTER_MS after the drop */
const DISARM_SLACK_MS = 1000
const TARGET_MS = 250
const TARGET_CYCLE_RATIO = 1.1
const MIN_TRIPS = 40

type Mode = 'armed' | 'unarmed'

interface Trip {
  /** crossing → the cut write at the relay, plus the request's wire time */
  ms: number
  /** other heads the bench counted armed at the crossing */
  othersArmed: number
}

interface RampPlan {
  trips: number
  ramping: readonly number[]
}

interface RampRun {
  mode: Mode
  trips: Trip[]
  failures: string[]
  unexpected: string[]
  cycles: CycleWhileArmed[]
  budgetNote: string
  seconds: number
  /** the agent's own interlock failures (e.g. the feedback not as expected within feedbackMs): each is followed by a write again */
  agentFailed: string[]
  /** the agent's log, kept when a write went wrong */
  agentLog?: string
}

const sleepUntil = (at: number) => sleep(Math.max(0, at - performance.now()))
const headId = (n: number) => `ch4-${n}`

function configOf(mode: Mode, path: string, dir: string): GatewayConfig {
  return {
    gateway: { id: `bench-interlock-ramp-${mode}`, site: 'bench' },
    buffer: { path: join(dir, 'outbox.sqlite') },
    buses: [{ id: 'line', type: 'rtu', path, ...FRAMING, ...(mode === 'unarmed' && { armedShare: 0 }) }],
    devices: [
      ...HEADS.map((n) => ({
        id: headId(n), bus: 'line', unit: n, profile: SENSOR_PROFILE, pollMs: POLL_MS, priority: 'safety' as const,
        alarms: { ch4: { preset: ALARM_PRESET } },
      })),
      { id: 'relay', bus: 'line', unit: RELAY_UNIT, profile: RELAY_PROFILE, pollMs: POLL_MS },
    ],
    interlocks: SOURCE_HEADS.map((n) => ({
      id: `trip-${n}`,
      when: [{ device: headId(n), channel: 'ch4', above: TRIP_LEVEL, restore: RESTORE_LEVEL }],
      action: { device: 'relay', channel: `cut_${n}`, value: true },
      failSafe: true,
      restoreAfterMs: 0,
      manualReset: false,
    })),
  }
}

/** Each device's cycle budget while sources are armed, as `check` computes it. */
function budgetsOf(config: GatewayConfig, profiles: readonly Profile[]): { budgets: Map<string, number>; note: string } {
  const bus = armedBudgets(config, profiles)[0]
  if (!bus) throw new Error('armedBudgets found no interlock source able to arm on the bench line')
  const budgets = new Map(bus.devices.map((d) => [d.device, d.budgetMs]))
  return { budgets, note: `budget (armedBudgets) = pollMs × max(1, bus load ${fmt(bus.load, 3)} / (1 − armedShare ${bus.share})) + the bus's cycle / (1 − armedShare) = pollMs × ${fmt(bus.stretch, 3)} + ${fmt(bus.queueMs, 0)} ms` }
}

/** The block only a full poll reads: the first planned block without the ch4 register (an armed read reads ch4 alone). */
function fullPollBlock(device: SimulatedDevice): { table: Table; address: number } {
  const ch4 = device.compiled.channels.get('ch4')
  const block = device.compiled.plan.blocks.find((b) => !(ch4 && b.table === ch4.channel.table && b.address <= ch4.point.address && ch4.point.address < b.address + b.count))
  if (!block) throw new Error(`unit ${device.unit}: every planned block holds ch4`)
  return block
}

/** When the simulator answered each device's full-poll block. */
function tapFullPolls(devices: ReadonlyMap<number, SimulatedDevice>, idOf: (unit: number) => string): Map<string, number[]> {
  const reads = new Map<string, number[]>()
  for (const device of devices.values()) {
    const times: number[] = []
    reads.set(idOf(device.unit), times)
    const block = fullPollBlock(device)
    const original = device.read.bind(device)
    device.read = (table: Table, address: number, count: number) => {
      if (table === block.table && address === block.address) times.push(performance.now())
      return original(table, address, count)
    }
  }
  return reads
}

/** Every request the relay answered, as [performance.now(), what], for the log kept when a write went wrong. */
function tapRelayLine(relay: SimulatedDevice): [number, string][] {
  const line: [number, string][] = []
  const [read, write] = [relay.read.bind(relay), relay.write.bind(relay)]
  relay.read = (table: Table, address: number, count: number) => {
    if (line.length < 100_000) line.push([performance.now(), `read ${table} ${address}×${count}`])
    return read(table, address, count)
  }
  relay.write = (table: 'coil' | 'holding', address: number, values: readonly number[]) => {
    if (line.length < 100_000) line.push([performance.now(), `write ${table} ${address} = ${values.join(',')}`])
    write(table, address, values)
  }
  return line
}

async function runRamp(mode: Mode, { trips: wanted, ramping }: RampPlan, agent: string): Promise<RampRun> {
  const started = performance.now()
  const sensorProfile = profileById(SENSOR_PROFILE)
  const relayProfile = profileById(RELAY_PROFILE)
  const dir = mkdtempSync(join(tmpdir(), `bench-interlock-ramp-${mode}-`))
  const group = new ProcessGroup()
  let pty: PtyPair | undefined
  let simulator: Simulator | undefined
  try {
    pty = await startPtyPair()
    const units = [
      ...HEADS.map((unit) => ({ unit, profile: sensorProfile, scenario: 'static' as const })),
      { unit: RELAY_UNIT, profile: relayProfile, scenario: 'steady' as const },
    ]
    simulator = await startSimulator({ units, rtu: { path: pty.a, ...FRAMING, wireTiming: true } })
    const devices = simulator.devices
    const setCh4 = (n: number, raw: number) => encodeRaw(devices.get(n)!.compiled, 'ch4', raw, devices.get(n)!.image)
    for (const n of HEADS) setCh4(n, LOW)
    const relay = new RelayTap(devices.get(RELAY_UNIT)!)
    const fullPolls = tapFullPolls(devices, (unit) => (unit === RELAY_UNIT ? 'relay' : headId(unit)))
    const relayLine = tapRelayLine(devices.get(RELAY_UNIT)!)

    const config = configOf(mode, pty.b, dir)
    const { budgets, note } = budgetsOf(config, [...HEADS.map(() => sensorProfile), relayProfile])
    const configFile = join(dir, 'gateway.yaml')
    writeFileSync(configFile, stringify(config))
    const check = await runProcess(process.execPath, [agent, 'check', '--config', configFile], { cwd: ROOT, timeoutMs: 30_000 })
    if (check.code !== 0) throw new Error(`edge-agent check rejected the bench config (exit ${String(check.code)}):\n${check.stdout}${check.stderr}\n--- ${configFile} ---\n${readFileSync(configFile, 'utf8')}`)
    if (mode === 'armed') console.log(`   ${check.stdout.trim().split('\n').slice(1).join('\n   ')}`)

    const { proc } = await group.startReady(process.execPath, [agent, 'run', '--config', configFile], /edge agent starting/u,
      { cwd: ROOT, name: `edge-agent run (ramp, ${mode})`, timeoutMs: 30_000, env: { ...process.env, LOG_LEVEL: 'info' } })
    // every device polled twice, and no output cut (a fail-safe trip while the heads were first identified is restored)
    const relayImage = devices.get(RELAY_UNIT)!.image
    const until = performance.now() + 40_000
    const cut = () => SOURCE_HEADS.filter((n) => (relayImage.get('coil', n - 1) ?? 0) !== 0)
    while (![...fullPolls.values()].every((t) => t.length >= 2) || cut().length > 0) {
      if (proc.exit) throw new Error(`the agent exited during the warm-up: ${proc.describe()}`)
      if (performance.now() > until) {
        const polls = [...fullPolls].map(([id, t]) => `${id} ${t.length}`).join(', ')
        throw new Error(`warm-up not over within 40 s (full polls: ${polls}; cut: ${cut().map((n) => `cut_${n}`).join(', ') || 'none'}): ${proc.describe()}`)
      }
      await sleep(100)
    }
    relay.unexpected = []
    const since = performance.now()

    const requestWireMs = WRITE_COIL_REQUEST_BYTES * charTimeMs(FRAMING)
    const trips: Trip[] = []
    const failures: string[] = []
    const windows: ArmedWindow[] = []
    /** per ramping head, while the bench counts it armed: from its 1.00 until DISARM_AFTER_MS + slack after its drop */
    const armedSpan = new Map<number, { from: number; to: number }>()
    const armedBesides = (n: number, at: number) => [...armedSpan].filter(([h, w]) => h !== n && w.from <= at && at < w.to).length
    let begun = 0
    const rampOnce = async (n: number, k: number) => {
      const coil = n - 1
      const t0 = performance.now()
      let arrival: Promise<number | undefined> = Promise.resolve(undefined)
      let [armedFrom, crossed, others] = [t0, t0, 0]
      for (let raw = RAMP_FROM; raw <= RAMP_TO; raw++) {
        await sleepUntil(t0 + (raw - RAMP_FROM) * STEP_MS)
        if (raw === TRIP_AT) arrival = relay.expect(coil, 1, ARRIVAL_TIMEOUT_MS)
        setCh4(n, raw)
        if (raw === ARM_AT) {
          armedFrom = performance.now()
          armedSpan.set(n, { from: armedFrom, to: Infinity })
        }
        if (raw === TRIP_AT) {
          crossed = performance.now()
          others = armedBesides(n, crossed)
        }
      }
      // held at the top of the ramp until the trip write, then down to clean air at the next step
      const arrived = await arrival
      if (arrived === undefined) failures.push(`${headId(n)} ramp ${k + 1}: no write of cut_${n} = 1 within ${ARRIVAL_TIMEOUT_MS} ms of the crossing`)
      else trips.push({ ms: arrived - crossed + requestWireMs, othersArmed: others })
      await sleepUntil(t0 + (RAMP_TO - RAMP_FROM + 1) * STEP_MS)
      const restore = relay.expect(coil, 0, ARRIVAL_TIMEOUT_MS)
      setCh4(n, LOW)
      const window = { device: headId(n), from: armedFrom, to: performance.now() + DISARM_AFTER_MS + DISARM_SLACK_MS }
      windows.push(window)
      armedSpan.set(n, window)
      if (arrived !== undefined && (await restore) === undefined) failures.push(`${headId(n)} ramp ${k + 1}: no restore write of cut_${n} = 0 within ${ARRIVAL_TIMEOUT_MS} ms of the drop`)
      // the restore follows a read of this head: a pause of one poll period puts the next crossing at a uniform phase
      await sleep(uniform(0, POLL_MS))
    }
    const rampHead = async (n: number, index: number) => {
      await sleep((index * (RAMP_TO - RAMP_FROM) * STEP_MS) / ramping.length + uniform(0, POLL_MS))
      for (let k = 0; begun < wanted; k++) {
        if (proc.exit) throw new Error(`the agent exited during the ramps: ${proc.describe()}`)
        begun++
        await rampOnce(n, k)
      }
    }
    await Promise.all(ramping.map((n, i) => rampHead(n, i)))

    // a write the bench did not cause, or one that never came: the agent's own account, kept for reading
    const agentFailed = interlockFailures(proc.stdout)
    const agentLog = failures.length + relay.unexpected.length + agentFailed.length > 0 ? join(ROOT, 'bench/.build', `interlock-ramp-agent-${mode}.log`) : undefined
    if (agentLog) {
      const epoch = Date.now() - performance.now()
      const line = relayLine.map(([at, what]) => `${Math.round(epoch + at)} ${what}`).join('\n')
      writeFileSync(agentLog, `${proc.stdout}\n--- stderr\n${proc.stderr}\n--- the relay's requests at the simulator (epoch ms, as the log's time)\n${line}\n`)
    }
    const polled = [...fullPolls].map(([device, times]) => ({ device, reads: times.filter((t) => t >= since), budgetMs: budgets.get(device)! }))
    return {
      mode, trips, failures, unexpected: relay.unexpected, cycles: cyclesWhileArmed(polled, windows),
      budgetNote: note, seconds: (performance.now() - started) / 1000, agentFailed, ...(agentLog && { agentLog }),
    }
  } finally {
    await group.stopAll()
    await simulator?.close()
    await pty?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The agent's `interlock trip-N failed (…)` log messages. */
function interlockFailures(stdout: string): string[] {
  return [...stdout.matchAll(/"msg":"(interlock trip-\d+ failed \((?:[^"\\]|\\.)*\))"/gu)].map((m) => m[1]!)
}

const dist = (list: readonly number[]) => {
  const s = [...list].sort((a, b) => a - b)
  const [p50, p90, p99, max] = [percentile(s, 50), percentile(s, 90), percentile(s, 99), s.at(-1) ?? Number.NaN]
  return { p99, text: `p50 ${fmt(p50)} p90 ${fmt(p90)} p99 ${fmt(p99)} max ${fmt(max)} ms` }
}

/** The latencies by how many other heads were armed at the crossing: what sharing the armed reads costs. */
function byOthersArmed(trips: readonly Trip[]): string {
  const counts = [...new Set(trips.map((t) => t.othersArmed))].sort((a, b) => a - b)
  return counts.map((c) => {
    const ms = trips.filter((t) => t.othersArmed === c).map((t) => t.ms).sort((a, b) => a - b)
    return `${c}: ${ms.length} trips, p50 ${fmt(percentile(ms, 50))} max ${fmt(ms.at(-1) ?? Number.NaN)} ms`
  }).join('; ')
}

function problemsOf(r: RampRun): string[] {
  return [
    ...(r.failures.length > 0 ? [`${r.failures.length} failures`] : []),
    ...(r.unexpected.length > 0 ? [`${r.unexpected.length} writes the bench did not cause`] : []),
    ...(r.agentFailed.length > 0 ? [`${r.agentFailed.length} interlock failures in the agent's log`] : []),
    ...(r.trips.length < MIN_TRIPS && !process.env.BENCH_TRIPS ? [`only ${r.trips.length} trips`] : []),
  ]
}

/** Print one run's lines; its worst cycle ratio. */
function printRun(r: RampRun): ReturnType<typeof worstRatio> {
  const worst = worstRatio(r.cycles)
  const cycles = r.cycles.map((c) => `${c.device} ${fmt(c.worstMs, 0)}/${fmt(c.budgetMs, 0)}`).join(', ')
  const what = r.mode === 'unarmed' ? 'unarmed (armedShare 0: armed reading off)' : 'armed (bus defaults)'
  console.log(`   ${what}: ${r.trips.length} trips in ${fmt(r.seconds, 0)} s; crossing 1.50 → cut write at the relay (+ ${fmt(WRITE_COIL_REQUEST_BYTES * charTimeMs(FRAMING), 2)} ms FC 5 request wire time): ${dist(r.trips.map((t) => t.ms)).text}`)
  console.log(`      by other heads armed at the crossing: ${byOthersArmed(r.trips)}`)
  console.log(`      worst full-poll interval / budget while another head was armed, ms: ${cycles}; worst ${fmt(worst.ratio, 3)} (${worst.device ?? 'no interval'})`)
  console.log(`      ${r.budgetNote}; failures ${r.failures.length}; writes the bench did not cause ${r.unexpected.length}; interlock failures in the agent's log ${r.agentFailed.length}`)
  for (const f of r.agentFailed.slice(0, 5)) console.log(`      agent: ${f}`)
  for (const f of r.failures.slice(0, 10)) console.log(`      failure: ${f}`)
  for (const u of r.unexpected.slice(0, 10)) console.log(`      unexpected write: ${u}`)
  if (r.agentLog) console.log(`      the agent's log: ${r.agentLog}`)
  return worst
}

function report(armed: RampRun | Error, unarmed: RampRun | Error): Figure[] {
  let baseline: { p99: number; cycles: string } = { p99: Number.NaN, cycles: 'n/a' }
  if (unarmed instanceof Error) console.log(`   unarmed run failed: ${unarmed.stack ?? unarmed.message}`)
  else {
    const worst = printRun(unarmed)
    baseline = { p99: dist(unarmed.trips.map((t) => t.ms)).p99, cycles: `${fmt(worst.ratio, 3)} (${worst.device ?? 'no interval'})` }
    console.log(`   interlock_unarmed_rtu_p99_ms ${fmt(baseline.p99)}; armed_others_cycle_vs_budget of the unarmed run ${baseline.cycles} (information: the baseline of the same setup, not figures)`)
  }
  if (armed instanceof Error) {
    console.log(`   armed run failed: ${armed.stack ?? armed.message}`)
    const why = `did not run: ${message(armed).split('\n')[0]}`
    return [figure('interlock_armed_rtu_p99_ms', Number.NaN, `<=${TARGET_MS}`, why), figure('armed_others_cycle_vs_budget', Number.NaN, `<=${TARGET_CYCLE_RATIO}`, why)]
  }
  const worst = printRun(armed)
  const latency = dist(armed.trips.map((t) => t.ms))
  const problems = [
    ...problemsOf(armed),
    ...(unarmed instanceof Error ? ['no unarmed baseline'] : problemsOf(unarmed).map((p) => `unarmed run: ${p}`)),
  ]
  const ok = problems.length === 0
  const tail = problems.length ? `; ${problems.join('; ')}` : ''
  const a = figure('interlock_armed_rtu_p99_ms', latency.p99, `<=${TARGET_MS}`,
    `${latency.text}, ${armed.trips.length} trips; unarmed (armedShare 0, same setup) p99 ${fmt(baseline.p99)} ms, armed/unarmed ${fmt(latency.p99 / baseline.p99, 3)}${tail}`)
  const worstCycle = armed.cycles.find((c) => c.device === worst.device)
  const b = figure('armed_others_cycle_vs_budget', worst.ratio, `<=${TARGET_CYCLE_RATIO}`,
    `${worst.device ?? 'no device'} ${fmt(worstCycle?.worstMs ?? Number.NaN, 0)} ms of its ${fmt(worstCycle?.budgetMs ?? Number.NaN, 0)} ms budget (${armed.cycles.reduce((n, c) => n + c.intervals, 0)} intervals while armed); unarmed run ${baseline.cycles}${tail}`)
  return [{ ...a, pass: a.pass && ok }, { ...b, pass: b.pass && ok }]
}

/** Both runs at once, on two lines: the same minutes of this machine for the figure and its baseline. */
export async function runRampPhase(): Promise<Figure[]> {
  const count = Math.min(SOURCE_HEADS.length, Math.max(1, Number(process.env.BENCH_RAMP_HEADS ?? DEFAULT_RAMPING) || DEFAULT_RAMPING))
  const ramping = SOURCE_HEADS.slice(0, count)
  const trips = Math.max(ramping.length, Number(process.env.BENCH_TRIPS ?? MIN_TRIPS) || MIN_TRIPS)
  console.log(`-- RAMP: ${HEADS.length} × ${SENSOR_PROFILE} (units 1-${HEADS.length}, alarms ${ALARM_PRESET}; heads ${SOURCE_HEADS.join(', ')} interlock sources) + ${RELAY_PROFILE} (unit ${RELAY_UNIT}), every device pollMs ${POLL_MS}, on one RS-485 line, 9600 8N1, simulator --wire-timing on a socat pty pair; heads ${ramping.join(', ')} ramp side by side, ch4 ${RAMP_FROM / 100} → ${RAMP_TO / 100} at 0.05 %CH4/s (trip ${TRIP_LEVEL}, restore < ${RESTORE_LEVEL}); ${trips} trips per run; the armed and unarmed runs at once, on two lines`)
  const bundled = await bundleForBench(join(ROOT, 'bench/support/interlock-agent.ts')).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))
  if (bundled instanceof Error) return report(bundled, bundled)
  const plan = { trips, ramping }
  const [armed, unarmed] = await Promise.allSettled([runRamp('armed', plan, bundled), runRamp('unarmed', plan, bundled)])
  const outcome = (r: PromiseSettledResult<RampRun>) => (r.status === 'fulfilled' ? r.value : r.reason instanceof Error ? r.reason : new Error(String(r.reason)))
  return report(outcome(armed), outcome(unarmed))
}
