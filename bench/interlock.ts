/**
 * Interlock reaction time at the edge (issue 5 acceptance): from the moment a simulated methane sensor's
 * value crosses the trip level to the moment the power-cut coil write arrives at the relay, p50 / p99
 * over ≥ 200 trips, on RS-485 (RTU 9600 8N1, simulator with --wire-timing, socat pty pair) and on
 * Modbus TCP, every device polled once a second.
 *
 * The simulator runs in this process, so the crossing (a value set into a sensor's register image) and
 * the arrival of the write (an intercepted SimulatedDevice.write on the relay) are timed on one clock,
 * performance.now(). The agent is the real CLI (`edge-agent run --config FILE`, bundled with esbuild and
 * run with plain node, as a gateway runs it) in a child process, with a config written to a temp dir:
 * 4 catalytic methane sensors (units 1-4, safety priority) and a KDG-4 power-cut controller (unit 5) on
 * one bus, pollMs 1000 each, armed reading off (`armedShare: 0`: these phases measure the poll path; the
 * sensors stepping 0.3 ↔ 2.0 would otherwise stay armed throughout), no uplink (the agent buffers locally), and one interlock per sensor
 * (`ch4 above 1.5` → `cut_N = true`, fail-safe, restoreAfterMs 0, no manual reset).
 *
 * Per sensor, 4 running at once: set ch4 to 2.0 %CH4 at a random phase of the poll period (t_cross),
 * wait for coil cut_N written 1 (t_arrive), set ch4 back to 0.3, wait for the restore write (0), then
 * 200–1200 ms (a uniform phase again) and trip again. On RTU the pty delivers the write request at
 * once, where a real 9600 baud line needs its 8 bytes × 10 bits: that request wire time is added to
 * every RTU latency. A write that does not arrive within 5 s is a failure, and fails the figures.
 *
 * Targets: p99 ≤ poll period + 2 × the transaction wire time + 20 ms, where on RTU the transaction is the
 * methane sensor's longest planned read (transactionWireMs at 9600 8N1) and on TCP the median round trip
 * of a bare modbus-serial read against the same simulator, measured in the same run. Beside each, p99 ÷
 * the 2 s requirement of GB 50581-2010 §3.1.4 (CH4 power-off execution ≤ 2 s).
 *   figure interlock_rtu_p99_ms, interlock_tcp_p99_ms (≤ the target above)
 *   figure interlock_rtu_p99_vs_2s_requirement, interlock_tcp_p99_vs_2s_requirement (≤ 1)
 *
 * Ramp phase (issue 18: armed interlock sources; code in bench/support/interlock-ramp.ts). 8 devices on one
 * RS-485 line (RTU 9600 8N1, simulator with wire timing, socat pty pair), every one polled every 5 s: 7
 * catalytic methane heads (units 1-7, safety priority, alarms preset coal-ch4-t1-longwall-face: alarm 1.0,
 * power-off 1.5 %CH4) and the KDG-4 (unit 8). The KDG-4 has 4 outputs, so heads 1-4 are interlock sources
 * (`ch4 above 1.5, restore 1.0` → cut_N = true, fail-safe, restoreAfterMs 0, no manual reset) and heads 5-7
 * only measure. Heads 1-3 ramp side by side from staggered starts (BENCH_RAMP_HEADS=1-4 sets how many: a
 * ramping head is armed ~17 s of its ~20 s cycle, so this is how many sources share the armed reads); the
 * others stay in clean air (0.30). A ramp sets ch4 0.80 → 1.60 %CH4 in 0.01 steps
 * every 200 ms on an absolute schedule (0.05 %CH4/s), holds 1.60 until the trip write has arrived, drops to
 * 0.30, waits for the restore write, then pauses 0-5 s (uniform) so the next crossing lands at a random phase
 * of the poll. t_cross: the bench sets the first value ≥ 1.50; t_arrive: the cut write arriving at the relay,
 * plus the FC 5 request's wire time as above. The same setup runs twice, side by side on two lines (two pty
 * pairs, two agents; the same minutes of this machine for the figure and its baseline, and half the wall
 * time): armed (bus defaults) and unarmed (`armedShare: 0`: armed reading off). Each latency is also printed
 * by how many other heads were armed at its crossing.
 *   figure interlock_armed_rtu_p99_ms (≤ 250), beside the unarmed run's p99 (printed, not a figure)
 *   figure armed_others_cycle_vs_budget (≤ 1.1): the longest interval between two full polls of a device
 *     while another head was armed and it was not, ÷ its budget (armedBudgets of edge-agent/src/config, as
 *     `check` prints it: pollMs × max(1, bus load / (1 − armedShare)) + the bus's cycle / (1 − armedShare), the
 *     wait behind every other device's poll due at the same moment), worst over the devices; beside the same
 *     ratio in the unarmed run.
 *     A full poll is timed at the simulator by the block only a full poll reads (a head's identity registers,
 *     holding 100-101, which an armed read skips; the relay's coils); a head counts as armed from its ramp's 1.00
 *     until DISARM_AFTER_MS + 1 s after its drop; the relay's extra polls after a write only shorten intervals.
 * A trip or restore write missing 8 s after the crossing or drop, a write the bench did not cause, or an
 * `interlock … failed` in the agent's log (e.g. a feedback not read within feedbackMs, written again) fails
 * both figures; the agent's log is then kept in bench/.build/.
 *
 * BENCH_TRIPS sets the trips per transport (default 200) and per ramp run (default 40); BENCH_PHASES=rtu, tcp
 * or ramp (comma-separated, default all three) runs those phases.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compileProfile, encodeChannel, LIBRARY_DIR, type Profile } from '../hardware-profiles/index.ts'
import { charTimeMs, isBitTable, readFrameBytes, transactionWireMs, type Table } from '../protocols/modbus/index.ts'
import { startSimulator, type SimulatedDevice, type Simulator } from '../edge-agent/src/simulator/index.ts'
import { ModbusClient } from '../tests/support/modbus-client.ts'
import { ProcessGroup, run as runProcess, type ManagedProcess } from '../tests/support/processes.ts'
import { startPtyPair, type PtyPair } from '../tests/support/socat.ts'
import { bundleForBench } from './support/bundle.ts'
import { runRampPhase } from './support/interlock-ramp.ts'
import { RelayTap } from './support/relay-tap.ts'
import { FRAMING, SENSOR_PROFILE, RELAY_PROFILE, WRITE_COIL_REQUEST_BYTES, sleep, uniform, fmt, message, percentile, profileById } from './support/interlock-common.ts'
import { figure, type Figure } from './run.ts'

const ROOT = join(import.meta.dirname, '..')
const AGENT_ENTRY = join(ROOT, 'bench/support/interlock-agent.ts')
const HOST = '127.0.0.1'
const SENSORS: readonly number[] = [1, 2, 3, 4]
const RELAY_UNIT = 5
const POLL_MS = 1000
const TRIP_LEVEL = 1.5
const HIGH = 2.0
const LOW = 0.3
const FEEDBACK_DELAY_MS = 200
const ARRIVAL_TIMEOUT_MS = 5000
const REQUIREMENT_MS = 2000

type Kind = 'rtu' | 'tcp'


/** Wire time of the longest read the profile's compiled plan makes, at 9600 8N1. */
function longestReadWireMs(profile: Profile): { ms: number; label: string } {
  let best = { ms: 0, label: '' }
  for (const block of compileProfile(profile).plan.blocks) {
    const { request, response } = readFrameBytes(block.count, isBitTable(block.table))
    const ms = transactionWireMs(FRAMING, request, response)
    if (ms > best.ms) best = { ms, label: `${block.table} ${block.address}×${block.count}: ${request} + ${response} bytes + 2 × t3.5` }
  }
  return best
}

/** A copy of a library profile that also lists tcp among its transports (both library profiles are RTU devices). */
function tcpCopyOf(id: string, dir: string): string {
  const text = readFileSync(join(LIBRARY_DIR, `${id}.yaml`), 'utf8')
  const replaced = text.replace(/^transports:\s*\[rtu\]\s*$/mu, 'transports: [rtu, tcp]')
  if (replaced === text) throw new Error(`${id}.yaml: no "transports: [rtu]" line to widen for the TCP run`)
  const file = `${id}-tcp.yaml`
  writeFileSync(join(dir, file), replaced)
  return `./${file}`
}

function configYaml(kind: Kind, bus: string, profiles: { sensor: string; relay: string }, dir: string): string {
  const lines = [
    'gateway:',
    `  id: bench-interlock-${kind}`,
    '  site: bench',
    'buffer:',
    `  path: ${join(dir, 'outbox.sqlite')}`,
    'buses:',
    bus,
    'devices:',
    ...SENSORS.flatMap((n) => [
      `  - { id: ch4-${n}, bus: line, unit: ${n}, profile: ${profiles.sensor}, pollMs: ${POLL_MS}, priority: safety }`,
    ]),
    `  - { id: relay, bus: line, unit: ${RELAY_UNIT}, profile: ${profiles.relay}, pollMs: ${POLL_MS} }`,
    'interlocks:',
    ...SENSORS.flatMap((n) => [
      `  - id: trip-${n}`,
      `    when: [{ device: ch4-${n}, channel: ch4, above: ${TRIP_LEVEL} }]`,
      `    action: { device: relay, channel: cut_${n}, value: true }`,
      '    failSafe: true',
      '    restoreAfterMs: 0',
      '    manualReset: false',
    ]),
  ]
  return `${lines.join('\n')}\n`
}

/** Reads each unit answered, and for each sensor the first read of its ch4 register after a crossing. */
class ReadTap {
  readonly counts = new Map<number, number>()
  private readonly firstRead = new Map<number, (at: number) => void>()

  constructor(devices: ReadonlyMap<number, SimulatedDevice>, ch4: { table: Table; address: number }) {
    for (const device of devices.values()) {
      const original = device.read.bind(device)
      device.read = (table: Table, address: number, count: number) => {
        const values = original(table, address, count)
        this.counts.set(device.unit, (this.counts.get(device.unit) ?? 0) + 1)
        if (table === ch4.table && address <= ch4.address && ch4.address < address + count) {
          const waiter = this.firstRead.get(device.unit)
          this.firstRead.delete(device.unit)
          waiter?.(performance.now())
        }
        return values
      }
    }
  }

  nextRead(unit: number): Promise<number> {
    return new Promise((resolve) => this.firstRead.set(unit, resolve))
  }
}

interface PhaseResult {
  kind: Kind
  latencies: number[]
  /** crossing → first read of the register: waiting for the poll */
  waits: number[]
  /** that read → the write's arrival (plus the request's wire time on RTU): the agent's reaction */
  reactions: number[]
  failures: string[]
  unexpected: string[]
  txMs: number
  txLabel: string
  tripLogLines: number
  seconds: number
}

async function runPhase(kind: Kind, trips: number): Promise<PhaseResult> {
  const started = performance.now()
  const sensorProfile = profileById(SENSOR_PROFILE)
  const relayProfile = profileById(RELAY_PROFILE)
  const ch4 = compileProfile(sensorProfile).channels.get('ch4')!
  const dir = mkdtempSync(join(tmpdir(), 'bench-interlock-'))
  const group = new ProcessGroup()
  let pty: PtyPair | undefined
  let simulator: Simulator | undefined
  try {
    const units = [
      ...SENSORS.map((unit) => ({ unit, profile: sensorProfile, scenario: 'static' as const })),
      { unit: RELAY_UNIT, profile: relayProfile, scenario: 'steady' as const },
    ]
    let bus: string
    let txMs: number
    let txLabel: string
    let profiles = { sensor: SENSOR_PROFILE, relay: RELAY_PROFILE }
    if (kind === 'rtu') {
      pty = await startPtyPair()
      simulator = await startSimulator({ units, rtu: { path: pty.a, ...FRAMING, wireTiming: true }, feedbackDelayMs: FEEDBACK_DELAY_MS })
      bus = `  - { id: line, type: rtu, path: ${pty.b}, baud: ${FRAMING.baud}, parity: none, dataBits: 8, stopBits: 1, armedShare: 0 }`
      const longest = longestReadWireMs(sensorProfile)
      txMs = longest.ms
      txLabel = `transactionWireMs of the methane sensor's longest planned read (${longest.label}) at 9600 8N1`
    } else {
      simulator = await startSimulator({ units, tcp: { host: HOST, port: 0 }, feedbackDelayMs: FEEDBACK_DELAY_MS })
      const port = Number(/:(\d+)$/u.exec(simulator.endpoint)![1])
      bus = `  - { id: line, type: tcp, host: ${HOST}, port: ${port}, armedShare: 0 }`
      txMs = await bareTcpRoundTripMs(port, ch4.point.address, ch4.point.count)
      txLabel = 'median round trip of a bare modbus-serial FC 4 read against the same simulator'
      // both library profiles declare RS-485 only: the TCP run uses copies that also list tcp
      profiles = { sensor: tcpCopyOf(SENSOR_PROFILE, dir), relay: tcpCopyOf(RELAY_PROFILE, dir) }
    }
    const sensors = new Map(SENSORS.map((n) => [n, simulator!.devices.get(n)!]))
    const setCh4 = (n: number, value: number) => encodeChannel(sensors.get(n)!.compiled, 'ch4', value, sensors.get(n)!.image)
    for (const n of SENSORS) setCh4(n, LOW)
    const relay = new RelayTap(simulator.devices.get(RELAY_UNIT)!)
    const reads = new ReadTap(simulator.devices, { table: ch4.channel.table, address: ch4.point.address })

    const configFile = join(dir, 'gateway.yaml')
    writeFileSync(configFile, configYaml(kind, bus, profiles, dir))
    const agent = await bundleForBench(AGENT_ENTRY)
    const check = await runProcess(process.execPath, [agent, 'check', '--config', configFile], { cwd: ROOT, timeoutMs: 30_000 })
    if (check.code !== 0) throw new Error(`edge-agent check rejected the bench config (exit ${String(check.code)}):\n${check.stdout}${check.stderr}\n--- ${configFile} ---\n${readFileSync(configFile, 'utf8')}`)
    console.log(`   ${check.stdout.trim().split('\n').slice(1).join('\n   ')}`)

    const { proc } = await group.startReady(process.execPath, [agent, 'run', '--config', configFile], /edge agent starting/u,
      { cwd: ROOT, name: `edge-agent run (${kind})`, timeoutMs: 30_000, env: { ...process.env, LOG_LEVEL: 'info' } })
    await warmUp(reads, proc)
    // a fail-safe trip while the devices were first identified would be restored by now; nothing may be cut
    const relayImage = simulator.devices.get(RELAY_UNIT)!.image
    const cut = SENSORS.filter((n) => (relayImage.get('coil', n - 1) ?? 0) !== 0)
    if (cut.length > 0) throw new Error(`outputs ${cut.map((n) => `cut_${n}`).join(', ')} still cut after the warm-up: ${proc.describe()}`)
    relay.unexpected = []
    const logLinesBefore = countTripLogLines(proc.stdout)

    const requestWireMs = kind === 'rtu' ? WRITE_COIL_REQUEST_BYTES * charTimeMs(FRAMING) : 0
    const result: PhaseResult = { kind, latencies: [], waits: [], reactions: [], failures: [], unexpected: [], txMs, txLabel, tripLogLines: 0, seconds: 0 }
    const perSensor = Math.ceil(trips / SENSORS.length)
    const cycle = async (n: number) => {
      const coil = n - 1
      await sleep(uniform(0, POLL_MS))
      for (let k = 0; k < perSensor; k++) {
        const arrival = relay.expect(coil, 1, ARRIVAL_TIMEOUT_MS)
        const read = reads.nextRead(n)
        setCh4(n, HIGH)
        const crossed = performance.now()
        const arrived = await arrival
        const readAt = await Promise.race([read, sleep(0).then(() => undefined)])
        if (arrived === undefined) {
          result.failures.push(`ch4-${n} trip ${k + 1}: no write of cut_${n} = 1 within ${ARRIVAL_TIMEOUT_MS} ms`)
        } else {
          result.latencies.push(arrived - crossed + requestWireMs)
          if (readAt !== undefined) {
            result.waits.push(readAt - crossed)
            result.reactions.push(arrived - readAt + requestWireMs)
          }
        }
        const restore = relay.expect(coil, 0, ARRIVAL_TIMEOUT_MS + POLL_MS)
        setCh4(n, LOW)
        if ((await restore) === undefined) result.failures.push(`ch4-${n} trip ${k + 1}: no restore write of cut_${n} = 0 within ${ARRIVAL_TIMEOUT_MS + POLL_MS} ms`)
        // the restore follows a poll of this sensor: a wait spanning one poll period is a uniform phase again
        await sleep(uniform(200, 200 + POLL_MS))
      }
    }
    await Promise.all(SENSORS.map((n) => cycle(n)))
    result.unexpected = relay.unexpected
    result.tripLogLines = countTripLogLines(proc.stdout) - logLinesBefore
    result.seconds = (performance.now() - started) / 1000
    return result
  } finally {
    await group.stopAll()
    await simulator?.close()
    await pty?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The agent's own log of interlock trip writes (`interlock trip-N: writing relay/cut_N = true`). */
function countTripLogLines(stdout: string): number {
  return stdout.match(/interlock trip-\d: writing relay\/cut_\d = true/gu)?.length ?? 0
}

/** Every unit read a few times (identified and polled), then one quiet period for any start-up trip to restore. */
async function warmUp(reads: ReadTap, proc: ManagedProcess): Promise<void> {
  const until = performance.now() + 30_000
  const units = [...SENSORS, RELAY_UNIT]
  while (!units.every((u) => (reads.counts.get(u) ?? 0) >= 4)) {
    if (proc.exit) throw new Error(`the agent exited during the warm-up: ${proc.describe()}`)
    if (performance.now() > until) throw new Error(`not every unit was polled within 30 s (reads ${JSON.stringify([...reads.counts])}): ${proc.describe()}`)
    await sleep(100)
  }
  await sleep(2 * POLL_MS)
}

async function bareTcpRoundTripMs(port: number, address: number, count: number): Promise<number> {
  const client = new ModbusClient()
  await client.connectTCP(HOST, { port })
  client.setID(1)
  client.setTimeout(1000)
  try {
    for (let i = 0; i < 50; i++) await client.readInputRegisters(address, count)
    const times: number[] = []
    for (let i = 0; i < 500; i++) {
      const t0 = performance.now()
      await client.readInputRegisters(address, count)
      times.push(performance.now() - t0)
    }
    return percentile(times.sort((a, b) => a - b), 50)
  } finally {
    await new Promise<void>((resolve) => client.close(() => resolve()))
  }
}

function report(r: PhaseResult): Figure[] {
  const sorted = [...r.latencies].sort((a, b) => a - b)
  const [p50, p90, p99, max] = [percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99), sorted.at(-1) ?? Number.NaN]
  const target = POLL_MS + 2 * r.txMs + 20
  const targetText = `<=${target.toFixed(1)}`
  const dist = (list: number[]) => {
    const s = [...list].sort((a, b) => a - b)
    return `p50 ${fmt(percentile(s, 50))} p90 ${fmt(percentile(s, 90))} p99 ${fmt(percentile(s, 99))} max ${fmt(s.at(-1) ?? Number.NaN)} ms`
  }
  const label = r.kind === 'rtu' ? 'RTU 9600 8N1 (wire timing)' : 'Modbus TCP (loopback)'
  console.log(`   ${label}: ${r.latencies.length} trips in ${fmt(r.seconds, 0)} s; crossing → coil write at the relay: ${dist(r.latencies)}`)
  console.log(`      crossing → first read of ch4 (waiting for the poll): ${dist(r.waits)}`)
  console.log(`      that read → write arrival (answer, decode, interlock, write${r.kind === 'rtu' ? `, + ${fmt(WRITE_COIL_REQUEST_BYTES * charTimeMs(FRAMING), 2)} ms FC 5 request wire time` : ''}): ${dist(r.reactions)}`)
  console.log(`      tx = ${fmt(r.txMs, 2)} ms (${r.txLabel}); target p99 ≤ ${POLL_MS} + 2 × ${fmt(r.txMs, 2)} + 20 = ${fmt(target, 1)} ms; requirement 2000 ms (GB 50581-2010 §3.1.4)`)
  console.log(`      agent log: ${r.tripLogLines} trip writes logged; failures ${r.failures.length}; writes the bench did not cause ${r.unexpected.length}`)
  for (const f of r.failures.slice(0, 10)) console.log(`      failure: ${f}`)
  for (const u of r.unexpected.slice(0, 10)) console.log(`      unexpected write: ${u}`)
  const problems = [
    ...(r.failures.length > 0 ? [`${r.failures.length} failures (no write within ${ARRIVAL_TIMEOUT_MS} ms)`] : []),
    ...(r.unexpected.length > 0 ? [`${r.unexpected.length} writes the bench did not cause`] : []),
    ...(r.latencies.length < 200 && !process.env.BENCH_TRIPS ? [`only ${r.latencies.length} trips`] : []),
  ]
  const ok = problems.length === 0
  const detail = `p50 ${fmt(p50)} p99 ${fmt(p99)} max ${fmt(max)} ms, ${r.latencies.length} trips, tx ${fmt(r.txMs, 2)} ms, target ${POLL_MS} + 2 × tx + 20${r.kind === 'rtu' ? ', incl. FC 5 request wire time' : ''}${problems.length ? `; ${problems.join('; ')}` : ''}`
  const a = figure(`interlock_${r.kind}_p99_ms`, p99, targetText, detail)
  const b = figure(`interlock_${r.kind}_p99_vs_2s_requirement`, p99 / REQUIREMENT_MS, '<=1', `p99 ${fmt(p99)} ms of ${REQUIREMENT_MS} ms (GB 50581-2010 §3.1.4 CH4 power-off ≤ 2 s), p90 ${fmt(p90)} ms${problems.length ? `; ${problems.join('; ')}` : ''}`)
  return [{ ...a, pass: a.pass && ok }, { ...b, pass: b.pass && ok }]
}

export async function run(): Promise<Figure[]> {
  const trips = Math.max(SENSORS.length, Number(process.env.BENCH_TRIPS ?? 200) || 200)
  const requested = (process.env.BENCH_PHASES ?? 'rtu,tcp,ramp').split(',').map((p) => p.trim())
  const phases = requested.filter((p): p is Kind => p === 'rtu' || p === 'tcp')
  const figures: Figure[] = []
  for (const kind of phases) {
    console.log(`-- ${kind.toUpperCase()}: 4 × ${SENSOR_PROFILE} (units 1-4) + ${RELAY_PROFILE} (unit ${RELAY_UNIT}) on one ${kind === 'rtu' ? 'RS-485 line, 9600 8N1, simulator --wire-timing on a socat pty pair' : 'Modbus TCP endpoint on loopback'}; pollMs ${POLL_MS}; ${trips} trips (ch4 ${LOW} → ${HIGH} %CH4, trip level ${TRIP_LEVEL})`)
    try {
      figures.push(...report(await runPhase(kind, trips)))
    } catch (error) {
      console.log(`   phase failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
      const why = `did not run: ${message(error).split('\n')[0]}`
      figures.push(figure(`interlock_${kind}_p99_ms`, Number.NaN, '<=0', why), figure(`interlock_${kind}_p99_vs_2s_requirement`, Number.NaN, '<=1', why))
    }
  }
  if (requested.includes('ramp')) figures.push(...(await runRampPhase()))
  return figures
}
