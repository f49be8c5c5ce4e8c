import { readdirSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import type { Command } from 'commander'
import cliProgress from 'cli-progress'
import { loadLibrary, loadProfileFile, type Profile } from '../../../hardware-profiles/index.ts'
import { parseInteger, RuntimeError, UsageError } from '../../../protocols/cli/index.ts'
import { parseUnitList } from './arguments.ts'
import { parseParity, parseTcpTarget } from './line-options.ts'
import { configDraft, type ScanTarget } from '../scan/draft.ts'
import { deviceJson, deviceLines, summaryLine } from '../scan/report-text.ts'
import { scanLine, type ScanOptions } from '../scan/scan-line.ts'
import type { SearchObserver } from '../scan/search.ts'
import { AUTO_BAUDS, LIKELY_UNITS, scanSettings, settingLabel, splitLastResort, type Parity, type SerialSetting } from '../scan/settings.ts'
import { DEFAULT_TURNAROUND_MS, probeTimeoutMs } from '../scan/timing.ts'

interface ScanCliOptions {
  rtu?: string
  tcp?: string
  baud: string
  parity: string
  units: string
  exhaustive?: boolean
  turnaroundMs: string
  timeoutMs: string
  profiles?: string
  json?: boolean
  write?: string
}

function targetOf(options: ScanCliOptions): ScanTarget {
  if ((options.rtu === undefined) === (options.tcp === undefined)) throw new UsageError('name one line: --rtu PATH or --tcp HOST[:PORT]')
  return options.rtu !== undefined ? { kind: 'rtu', path: options.rtu } : { kind: 'tcp', ...parseTcpTarget(options.tcp!) }
}

function settingsOf(options: ScanCliOptions): SerialSetting[] {
  const bauds = options.baud === 'auto' ? [...AUTO_BAUDS] : options.baud.split(',').map((b) => parseInteger(b, '--baud', 300, 4_000_000))
  const parities: Parity[] = options.parity === 'auto' ? ['none', 'even', 'odd'] : [parseParity(options.parity)]
  return scanSettings(bauds, parities)
}

/** The library, and the profiles of --profiles DIR with the file each came from (a config names those by path). */
function profilesOf(dir: string | undefined): { profiles: Profile[]; files: Map<string, string> } {
  const profiles = loadLibrary()
  const files = new Map<string, string>()
  if (dir === undefined) return { profiles, files }
  let names: string[]
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'))
  } catch {
    throw new UsageError(`--profiles ${dir}: not a readable directory`)
  }
  for (const name of names) {
    const profile = loadProfileFile(join(dir, name))
    files.set(profile.id, resolve(dir, name))
    profiles.push(profile)
  }
  return { profiles, files }
}

/** The progress bar on a terminal (stderr), nothing otherwise. */
function progressOf(enabled: boolean, found: () => number): SearchObserver & { identifying?(unit: number): void; stop(): void } {
  if (!enabled) return { stop() {} }
  const bar = new cliProgress.SingleBar({
    format: 'scanning {bar} {percentage}% | ETA {eta_formatted} | {value}/{total} probes | {setting} | found {found}',
    stream: process.stderr,
    hideCursor: true,
    etaBuffer: 50,
  }, cliProgress.Presets.shades_classic)
  let total = 0
  let started = false
  return {
    planned(probes) {
      total += probes
      if (!started) {
        bar.start(total, 0, { setting: '', found: 0 })
        started = true
      } else bar.setTotal(total)
    },
    probed(setting) {
      bar.increment(1, { setting: setting ? settingLabel(setting) : 'tcp', found: found() })
    },
    identifying(unit) {
      bar.update({ setting: `identifying unit ${unit}` })
    },
    stop() {
      if (started) bar.stop()
    },
  }
}

export function registerScanCommand(program: Command): void {
  program.command('scan')
    .description('find the devices on a bus (serial settings detected, likely ids first), identify each (FC 43/14, FC 17, profile signatures), judge the float word order of unknown ones, and write a config draft')
    .option('--rtu <path>', 'scan a serial line (RS-485)')
    .option('--tcp <host[:port]>', 'scan a Modbus TCP endpoint (a device or a serial gateway), port 502 unless given')
    .option('--baud <auto|n[,n…]>', `RTU baud rates to try; auto: ${AUTO_BAUDS.join(', ')}`, 'auto')
    .option('--parity <auto|none|even|odd>', 'RTU parity to try', 'auto')
    .option('--units <ids>', 'unit ids to probe: 1-247, 1-16,200, …', '1-247')
    .option('--exhaustive', 'every id at every setting, not only where a likely id answered')
    .option('--turnaround-ms <n>', 'the longest a device takes to start its answer; a probe waits the wire time plus this', String(DEFAULT_TURNAROUND_MS))
    .option('--timeout-ms <n>', 'a TCP probe\'s timeout', '300')
    .option('--profiles <dir>', 'more profiles to identify devices by, besides the library')
    .option('--json', 'one JSON object per device on stdout')
    .option('--write <file>', 'write a gateway config draft: a bus and a device per find a profile matched')
    .action(async (options: ScanCliOptions) => {
      const target = targetOf(options)
      const settings = target.kind === 'rtu' ? settingsOf(options) : []
      const units = parseUnitList(options.units)
      const turnaroundMs = parseInteger(options.turnaroundMs, '--turnaround-ms', 0, 5000)
      const tcpTimeoutMs = parseInteger(options.timeoutMs, '--timeout-ms', 20, 60_000)
      const { profiles, files } = profilesOf(options.profiles)
      console.error(estimateLine(target, settings, units, turnaroundMs, tcpTimeoutMs, options.exhaustive === true))

      const answering = new Set<number>()
      const progress = progressOf(process.stderr.isTTY === true, () => answering.size)
      const observer: ScanOptions['observer'] = {
        ...progress,
        probed(setting, unit, outcome) {
          if (outcome === 'answer' || outcome === 'exception') answering.add(unit)
          progress.probed?.(setting, unit, outcome)
        },
      }
      const started = performance.now()
      let report
      try {
        report = await scanLine({ target, settings, units, exhaustive: options.exhaustive === true, turnaroundMs, tcpTimeoutMs, profiles, observer })
      } finally {
        progress.stop()
      }
      for (const device of report.devices) console.log(options.json ? JSON.stringify(deviceJson(device)) : deviceLines(device).join('\n'))
      console.error(summaryLine(report, (performance.now() - started) / 1000))
      if (options.write !== undefined) writeDraft(options.write, target, report.devices, profiles, files)
    })
}

function estimateLine(target: ScanTarget, settings: readonly SerialSetting[], units: readonly number[], turnaroundMs: number, tcpTimeoutMs: number, exhaustive: boolean): string {
  const likelyAsked = units.filter((u) => LIKELY_UNITS.includes(u)).length
  const likely = likelyAsked > 0 ? likelyAsked : units.length
  const rest = units.length - likely
  if (target.kind === 'tcp') return `scan ${target.host}:${target.port}: ${units.length} ids, at most ${((units.length * tcpTimeoutMs) / 1000).toFixed(0)} s`
  const worst = (list: readonly SerialSetting[]) => list.reduce((sum, s) => sum + probeTimeoutMs(s, turnaroundMs), 0)
  if (exhaustive) return `scan ${target.path}: ${settings.length} settings × ${units.length} ids, at most ${((worst(settings) * units.length) / 1000).toFixed(0)} s`
  const { settings: first, lastResort } = splitLastResort(settings)
  const sweep = first.length > 0 ? (rest * Math.max(...first.map((s) => probeTimeoutMs(s, turnaroundMs)))) / 1000 : 0
  const fallback = lastResort.length > 0 ? ` (and ${lastResort.length} with 2 stop bits, ${((worst(lastResort) * likely) / 1000).toFixed(0)} s more, if nothing answers)` : ''
  const then = rest > 0 ? `; then ${rest} more ids at each setting where a device answers, at most ${sweep.toFixed(0)} s each` : ''
  return `scan ${target.path}: ${first.length} settings × ${likely} ${likelyAsked > 0 ? 'likely ' : ''}ids, at most ${((worst(first) * likely) / 1000).toFixed(0)} s${fallback}${then}`
}

function writeDraft(file: string, target: ScanTarget, devices: Parameters<typeof configDraft>[0]['devices'], profiles: Profile[], files: Map<string, string>): void {
  const configDir = dirname(resolve(file))
  const text = configDraft({
    target,
    devices,
    profiles,
    profileRef: (id) => (files.has(id) ? relative(configDir, files.get(id)!) : id),
    origin: `Draft written by edge-agent scan on ${new Date().toISOString()} (${target.kind === 'rtu' ? target.path : `${target.host}:${target.port}`}).`,
  })
  if (text === undefined) throw new RuntimeError(`no device a profile matched: nothing to write to ${file}`)
  writeFileSync(file, text)
  console.error(`config draft written to ${file}; check it with: edge-agent check --config ${file}`)
}
