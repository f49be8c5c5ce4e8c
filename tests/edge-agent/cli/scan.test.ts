/**
 * Issue 16's acceptance bus: three pymodbus devices (ids 1, 17, 200 — one a layout the library does not
 * know) and two simulators, each on its own drop of an RS-485 relay, all at a baud picked at random from
 * the eight installers meet. `scan --baud auto` must find all five, name the known ones' profiles and the
 * unknown one's float word order, and write a config that `check` accepts and `run --once` reads.
 * SCAN_BAUD=N picks the baud (to replay a failure: the chosen one is in the test's name).
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadLibrary } from '../../../hardware-profiles/index.ts'
import { tempDir } from '../../support/gateway-config.ts'
import { run, start, startReady } from '../../support/processes.ts'
import { until } from '../../support/until.ts'
import { DEFAULT_LOCK_DIR } from '../../../edge-agent/src/modbus/port-lock.ts'
import { lockFileName } from '../../../edge-agent/src/modbus/port-lock-rules.ts'
import { INSTALLER_BAUDS, startAcceptanceBus, type AcceptanceBus } from '../../support/rs485-bus.ts'

const ROOT = join(import.meta.dirname, '../../..')
const CLI = join(ROOT, 'edge-agent/bin/edge-agent.js')
const BAUD = Number(process.env.SCAN_BAUD ?? INSTALLER_BAUDS[Math.floor(Math.random() * INSTALLER_BAUDS.length)])
const library = loadLibrary()

interface ScanLine {
  unit: number
  setting: { baud: number; parity: string; stopBits: number; label: string }
  profiles: { profile: string; evidence: string }[]
  floats: { table: string; address: number; order: string; value: number; why: string }[]
  asked: string[]
}

describe(`edge-agent scan on an RS-485 relay at ${BAUD} baud`, () => {
  const dir = tempDir('scan-acceptance')
  const config = join(dir.path, 'gateway.yaml')
  let bus: AcceptanceBus
  let scan: Awaited<ReturnType<typeof run>>
  let found: ScanLine[]

  beforeAll(async () => {
    bus = await startAcceptanceBus({ baud: BAUD })
    scan = await run(process.execPath, [CLI, 'scan', '--rtu', bus.master, '--baud', 'auto', '--json', '--write', config], { cwd: ROOT, timeoutMs: 400_000, name: 'edge-agent scan' })
    found = scan.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as ScanLine)
  }, 500_000)

  afterAll(async () => {
    await bus?.stop()
    dir.remove()
  })

  it('finds all five devices at the bus baud, after printing its estimate', () => {
    expect(scan.code, scan.stderr).toBe(0)
    expect(scan.stderr).toMatch(/settings × 17 likely ids, at most \d+ s/u)
    expect(found.map((d) => d.unit)).toEqual(bus.devices.map((d) => d.unit).sort((a, b) => a - b))
    for (const device of found) expect(device.setting.baud, `unit ${device.unit}`).toBe(BAUD)
  })

  it('names the profile of every known device, with the evidence', () => {
    for (const device of bus.devices.filter((d) => d.profile !== undefined)) {
      const line = found.find((f) => f.unit === device.unit)
      expect(line?.profiles.map((p) => p.profile), `unit ${device.unit}`).toEqual([device.profile])
      expect(line!.profiles[0]!.evidence).toMatch(device.identifiedBy === 'device-id' ? /^FC 43\/14/u : /^signature /u)
    }
  })

  it('says which word order the unknown device\'s float is in, and why', () => {
    const unknown = bus.devices.find((d) => d.floatOrder !== undefined)!
    const line = found.find((f) => f.unit === unknown.unit)!
    expect(line.profiles).toEqual([])
    const float = line.floats.find((f) => f.table === unknown.floatOrder!.table && f.address === unknown.floatOrder!.address)
    expect(float, JSON.stringify(line)).toBeDefined()
    expect(float!.order).toBe(unknown.floatOrder!.order)
    expect(float!.value).toBeGreaterThanOrEqual(unknown.floatRange!.min)
    expect(float!.value).toBeLessThanOrEqual(unknown.floatRange!.max)
    expect(float!.why).toContain(unknown.floatOrder!.order)
  })

  it('writes a config draft that check accepts, the unknown device left as a comment', async () => {
    const text = readFileSync(config, 'utf8')
    expect(text).toContain(`baud: ${BAUD}`)
    expect(text).toMatch(/# +unit 200 at .*no profile in the library matches it/u)
    const check = await run(process.execPath, [CLI, 'check', '--config', config], { cwd: ROOT, name: 'edge-agent check' })
    expect(check.code, check.stdout + check.stderr).toBe(0)
  })

  it('run --once reads every known device of the draft', async () => {
    const once = await run(process.execPath, [CLI, 'run', '--config', config, '--once'], { cwd: ROOT, timeoutMs: 120_000, name: 'edge-agent run --once' })
    expect(once.code, once.stderr).toBe(0)
    const samples = once.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { device: string; channel: string; value: unknown; quality: string })
    for (const device of bus.devices.filter((d) => d.profile !== undefined)) {
      const profile = library.find((p) => p.id === device.profile)!
      const read = samples.filter((s) => s.device === `${profile.id}-${device.unit}`)
      expect(read.map((s) => s.channel).sort(), `unit ${device.unit}: ${once.stdout.slice(0, 1500)} ${once.stderr.slice(0, 1500)}`).toEqual(profile.channels.map((c) => c.id).sort())
      if (device.kind === 'pymodbus') {
        // the pymodbus devices serve their profile's first vector: every channel reads what the vector expects
        const vector = profile.vectors[0]!
        for (const [channel, expected] of Object.entries(vector.expect)) {
          const sample = read.find((s) => s.channel === channel)!
          expect(sample.quality, `${device.unit} ${channel}`).toBe(vector.quality?.[channel] ?? 'good')
          if (typeof expected === 'number') expect(sample.value as number, `${device.unit} ${channel}`).toBeCloseTo(expected, 6)
          else expect(sample.value, `${device.unit} ${channel}`).toEqual(expected)
        }
      } else {
        expect(read.every((s) => s.quality !== 'comm-fail'), `unit ${device.unit}: ${JSON.stringify(read)}`).toBe(true)
      }
    }
  })

  it('refuses the line while a running agent holds it, naming the process', async () => {
    const agent = start(process.execPath, [CLI, 'run', '--config', config], { cwd: ROOT, name: 'edge-agent run' })
    try {
      const lock = join(DEFAULT_LOCK_DIR, lockFileName(realpathSync(bus.master)))
      await until('the agent holds the line', () => existsSync(lock) && readFileSync(lock, 'utf8').trim() === String(agent.child.pid), { timeoutMs: 30_000 })
      const refused = await run(process.execPath, [CLI, 'scan', '--rtu', bus.master, '--baud', String(BAUD), '--units', '1'], { cwd: ROOT, timeoutMs: 60_000, name: 'edge-agent scan (held line)' })
      expect(refused.code, refused.stderr).toBe(1)
      expect(refused.stderr).toContain(`process ${agent.child.pid}`)
      expect(refused.stderr).toContain('edge-agent')
      expect(refused.stderr).not.toMatch(/\n\s+at /u)
    } finally {
      await agent.stop()
    }
  })
})

describe('edge-agent scan on Modbus TCP', () => {
  it('finds the unit ids behind an endpoint (a gateway\'s "no device" exception is no device) and names their profiles', async () => {
    const { proc, match } = await startReady(process.execPath, [CLI, 'simulate', '--tcp', '127.0.0.1:0', '--device', '2:generic-gq-ec-h2s', '--device', '20:ccri-gjc4-catalytic-methane', '--scenario', 'static'], /simulator ready tcp (\S+)/u, { cwd: ROOT, name: 'simulator' })
    try {
      const scan = await run(process.execPath, [CLI, 'scan', '--tcp', match[1]!, '--units', '1-30', '--json'], { cwd: ROOT, timeoutMs: 120_000, name: 'edge-agent scan --tcp' })
      expect(scan.code, scan.stderr).toBe(0)
      const found = scan.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as ScanLine)
      expect(found.map((d) => [d.unit, d.setting, d.profiles.map((p) => p.profile)])).toEqual([
        [2, null, ['generic-gq-ec-h2s']],
        [20, null, ['ccri-gjc4-catalytic-methane']],
      ])
    } finally {
      await proc.stop()
    }
  })
})
