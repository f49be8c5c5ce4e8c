/**
 * edge-agent scan on issue 16's acceptance bus (tests/support/rs485-bus.ts: an RS-485 relay that passes
 * bytes only between ends at the same baud; three pymodbus devices and two simulators), at a baud picked at
 * random from the eight installers meet (BENCH_SCAN_BAUD=N picks it).
 *
 * - scan_auto_s: the whole `edge-agent scan --baud auto --parity auto` run, until every device is found and
 *   identified (≤ 120 s), beside a naive scan: all 247 ids at all 24 settings (8 bauds × 3 parities) at
 *   the poll timeout (300 ms), as a scanner that waits the poll timeout would.
 * - scan_ids_per_s: the search alone at the known setting, all 247 ids, beside the wire-time limit of its
 *   probes: an answered probe costs its request, answer and two t3.5 silences; a silent id its timeout
 *   (wire time + turnaround margin), which no scanner can skip without missing slow devices (≥ 0.5).
 */
import { join } from 'node:path'
import { DEFAULTS } from '../edge-agent/src/config/index.ts'
import { searchLine } from '../edge-agent/src/scan/scan-line.ts'
import { settingLabel, type SerialSetting } from '../edge-agent/src/scan/settings.ts'
import { DEFAULT_TURNAROUND_MS, probeTimeoutMs, probeWireMs } from '../edge-agent/src/scan/timing.ts'
import { run as runProcess } from '../tests/support/processes.ts'
import { INSTALLER_BAUDS, startAcceptanceBus } from '../tests/support/rs485-bus.ts'
import { figure, type Figure } from './run.ts'

const CLI = join(import.meta.dirname, '../edge-agent/bin/edge-agent.js')
const NAIVE_SETTINGS = 24
const ALL_IDS = Array.from({ length: 247 }, (_, i) => i + 1)

export async function run(): Promise<Figure[]> {
  const baud = Number(process.env.BENCH_SCAN_BAUD ?? INSTALLER_BAUDS[Math.floor(Math.random() * INSTALLER_BAUDS.length)])
  const bus = await startAcceptanceBus({ baud })
  try {
    const expected = bus.devices.map((d) => d.unit).sort((a, b) => a - b)
    console.log(`acceptance bus at ${baud} baud: units ${expected.join(', ')}`)

    const started = performance.now()
    const scan = await runProcess(process.execPath, [CLI, 'scan', '--rtu', bus.master, '--baud', 'auto', '--parity', 'auto', '--json'], { timeoutMs: 600_000, name: 'edge-agent scan' })
    const autoS = (performance.now() - started) / 1000
    const found = scan.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { unit: number }).unit)
    const all = scan.code === 0 && found.join() === expected.join()
    const naiveS = (ALL_IDS.length * NAIVE_SETTINGS * DEFAULTS.rtuTimeoutMs) / 1000
    console.log(scan.stderr.trim().split('\n').filter((l) => !l.includes('\r')).join('\n'))
    console.log(`scan --baud auto: ${autoS.toFixed(1)} s, found ${found.join(', ') || 'nothing'}${all ? '' : ` — expected ${expected.join(', ')}`}`)
    console.log(`naive scan, 247 ids × ${NAIVE_SETTINGS} settings × ${DEFAULTS.rtuTimeoutMs} ms poll timeout: ${naiveS.toFixed(0)} s (${(naiveS / autoS).toFixed(1)}× longer)`)

    const setting: SerialSetting = { baud, parity: 'none', stopBits: 1 }
    const t0 = performance.now()
    const search = await searchLine({ target: { kind: 'rtu', path: bus.master }, settings: [setting], units: ALL_IDS, exhaustive: false, turnaroundMs: DEFAULT_TURNAROUND_MS, tcpTimeoutMs: 300 })
    const searchS = (performance.now() - t0) / 1000
    const answered = search.finds.length
    const limitS = (answered * probeWireMs(setting) + (ALL_IDS.length - answered) * probeTimeoutMs(setting, DEFAULT_TURNAROUND_MS)) / 1000
    const measured = ALL_IDS.length / searchS
    const limit = ALL_IDS.length / limitS
    console.log(`search at ${settingLabel(setting)}: 247 ids in ${searchS.toFixed(1)} s = ${measured.toFixed(2)} ids/s, ${answered} answered`)
    console.log(`wire-time limit: ${answered} × ${probeWireMs(setting).toFixed(1)} ms answered + ${ALL_IDS.length - answered} × ${probeTimeoutMs(setting, DEFAULT_TURNAROUND_MS)} ms timeout = ${limitS.toFixed(1)} s = ${limit.toFixed(2)} ids/s`)
    return [
      figure('scan_auto_s', all ? autoS : Number.POSITIVE_INFINITY, '<=120', `${baud} baud; naive ${naiveS.toFixed(0)} s`),
      figure('scan_ids_per_s', measured / limit, '>=0.5', `${measured.toFixed(2)} vs ${limit.toFixed(2)} ids/s at ${settingLabel(setting)}`),
    ]
  } finally {
    await bus.stop()
  }
}
