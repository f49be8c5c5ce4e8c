/**
 * Simulator throughput: requests per second answered on ONE TCP connection, strictly sequential
 * FC 3 reads of 10 registers, ~5 s each, for
 *   (i)  our simulator (the `edge-agent simulate` CLI, static scenario), and
 *   (ii) a pymodbus 3.0 server (tests/support/pymodbus/tcp_server.py) serving the same registers,
 * measured in the same run by the same client (bench/support/tcp-load-client.ts), which runs in its
 * own process so the servers are what is measured.
 *
 * Figures: simulator_requests_per_s (target >=5000) and simulator_vs_pymodbus (ratio, >=0.5).
 * BENCH_SECONDS overrides the 5 s per measurement.
 */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compileProfile, loadLibrary, type Profile } from '../hardware-profiles/index.ts'
import { RegisterImage, type Table } from '../protocols/modbus/index.ts'
import { freePort } from '../tests/support/ports.ts'
import { ProcessGroup, run as runProcess, SYSTEM_PYTHON } from '../tests/support/processes.ts'
import { figure, type Figure } from './run.ts'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const CLI = join(ROOT, 'edge-agent/bin/edge-agent.js')
const PYMODBUS_SERVER = join(ROOT, 'tests/support/pymodbus/tcp_server.py')
const LOAD_CLIENT = join(ROOT, 'bench/support/tcp-load-client.ts')
const WANTED_COUNT = 10
const UNIT = 1

interface Target {
  profile: Profile
  table: 'holding' | 'input'
  fc: 3 | 4
  address: number
  count: number
  /** registers at address..address+count-1 as the simulator serves them in the static scenario */
  values: number[]
}

/**
 * The simulator answers a read when it lies within the span of the profile's channels in that table
 * (holes read 0) and touches no unreadable range. Find a run of 10 such registers: holding first (FC 3),
 * then input (FC 4); else the longest run there is.
 */
function pickTarget(profiles: Profile[]): Target | undefined {
  let best: Target | undefined
  for (const table of ['holding', 'input'] as const) {
    for (const profile of profiles) {
      const compiled = compileProfile(profile)
      const points = [...compiled.channels.values()].filter((c) => c.channel.table === table).map((c) => c.point)
      if (points.length === 0) continue
      const lo = Math.min(...points.map((p) => p.address))
      const hi = Math.max(...points.map((p) => p.address + p.count - 1))
      const unreadable = (profile.planning?.unreadable ?? []).filter((r) => r.table === table)
      const image = RegisterImage.from(profile.vectors[0]!.registers)
      // longest run of readable addresses in lo..hi
      let runStart = lo
      for (let a = lo; a <= hi + 1; a++) {
        const readable = a <= hi && !unreadable.some((r) => r.from <= a && r.to >= a)
        if (readable) continue
        const length = Math.min(a - runStart, WANTED_COUNT)
        if (length > 0 && (!best || length > best.count)) {
          const values = Array.from({ length }, (_, i) => image.get(table as Table, runStart + i) ?? 0)
          best = { profile, table, fc: table === 'holding' ? 3 : 4, address: runStart, count: length, values }
          if (length === WANTED_COUNT) return best
        }
        runStart = a + 1
      }
    }
  }
  return best
}

interface LoadResult {
  requests: number
  seconds: number
  perSecond: number
  exceptions: number
  errors: string[]
}

async function measure(port: number, target: Target, seconds: number): Promise<LoadResult> {
  const args = ['--import', 'tsx', LOAD_CLIENT, '--port', String(port), '--unit', String(UNIT), '--fc', String(target.fc),
    '--address', String(target.address), '--count', String(target.count), '--seconds', String(seconds), '--warmup-seconds', '0.5']
  const result = await runProcess(process.execPath, args, { cwd: ROOT, timeoutMs: (seconds + 60) * 1000, name: 'tcp-load-client' })
  const line = result.stdout.split('\n').find((l) => l.startsWith('result '))
  if (!line) throw new Error(`load client printed no result (exit ${String(result.code ?? result.signal)}): ${result.stderr.slice(-2000)}`)
  const parsed = JSON.parse(line.slice('result '.length)) as LoadResult
  if (parsed.errors.length > 0) throw new Error(`load client: ${parsed.errors.join('; ')}`)
  if (parsed.exceptions > 0) throw new Error(`the server answered ${parsed.exceptions} of ${parsed.requests} requests with an exception`)
  return parsed
}

const rate = (n: number): string => `${Math.round(n).toLocaleString('en-US')} req/s`

export async function run(): Promise<Figure[]> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5)
  const target = pickTarget(loadLibrary())
  if (!target) throw new Error('no profile in the library has a readable register block')
  const what = `FC ${target.fc} x${target.count} ${target.table} ${target.address} of ${target.profile.id}`
  console.log(`request: ${what}, unit ${UNIT}, 1 connection, sequential, ${seconds} s after 0.5 s warm-up; client in its own process (raw socket)`)
  if (target.count < WANTED_COUNT) console.log(`note: no profile offers ${WANTED_COUNT} readable registers in a row; measuring ${target.count}`)
  console.log('earlier measurements on this kind of machine (2 vCPU, FC 3 x10): pymodbus 3.0 <- modbus-serial, 1 connection ~8,500 tx/s; pymodbus <- mbpoll ~11,000 tx/s; modbus-serial ServerTCP as shipped ~800 tx/s')

  const group = new ProcessGroup()
  try {
    // (ii) pymodbus, serving the same registers
    const pyPort = await freePort()
    const spec = { units: { [UNIT]: { registers: { [target.table]: { [target.address]: target.values } } } } }
    await group.startReady(SYSTEM_PYTHON, [PYMODBUS_SERVER, '--port', String(pyPort), '--spec', JSON.stringify(spec)], /^ready \d+$/u, { name: 'pymodbus tcp_server.py' })
    const py = await measure(pyPort, target, seconds)
    console.log(`measured pymodbus 3.0 server: ${rate(py.perSecond)} (${py.requests} requests in ${py.seconds.toFixed(2)} s)`)

    // (i) our simulator
    if (!existsSync(CLI)) {
      console.log(`simulator: ${CLI} does not exist yet; only pymodbus measured`)
      return [
        figure('simulator_requests_per_s', Number.NaN, '>=5000', 'simulator CLI missing'),
        figure('simulator_vs_pymodbus', Number.NaN, '>=0.5', `pymodbus ${Math.round(py.perSecond)} req/s; simulator CLI missing`),
      ]
    }
    const simPort = await freePort()
    const { match } = await group.startReady(process.execPath, [CLI, 'simulate', '--profile', target.profile.id, '--tcp', `127.0.0.1:${simPort}`, '--unit', String(UNIT), '--scenario', 'static'],
      /^simulator ready tcp [\d.]+:(\d+) units /u, { cwd: ROOT, name: 'edge-agent simulate', timeoutMs: 30_000 })
    const sim = await measure(Number(match[1]), target, seconds)
    console.log(`measured simulator (edge-agent simulate, static): ${rate(sim.perSecond)} (${sim.requests} requests in ${sim.seconds.toFixed(2)} s)`)
    const ratio = sim.perSecond / py.perSecond
    console.log(`simulator / pymodbus = ${ratio.toFixed(2)}`)
    return [
      figure('simulator_requests_per_s', sim.perSecond, '>=5000', what),
      figure('simulator_vs_pymodbus', ratio, '>=0.5', `simulator ${Math.round(sim.perSecond)} / pymodbus ${Math.round(py.perSecond)} req/s`),
    ]
  } finally {
    await group.stopAll()
  }
}
