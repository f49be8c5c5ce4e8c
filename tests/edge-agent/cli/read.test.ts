/**
 * `edge-agent read` end to end: the real CLI against pymodbus (its own float encoder, not our codec)
 * serving 0.73 word-swapped (CDAB), over TCP and over RTU on a socat pty pair. The output must show
 * CDAB plausible and believed and ABCD not, as text and as JSON; a refused read, a silent unit and a
 * port that does not open each end in one line and exit 1, bad arguments in exit 2, and --watch ends
 * cleanly on Ctrl-C. Every process is stopped in afterAll.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RegisterCycle } from '../../../edge-agent/src/read/report.ts'
import { tempDir, type TempDir } from '../../support/gateway-config.ts'
import { ProcessGroup, run, start, SYSTEM_PYTHON } from '../../support/processes.ts'
import { startPtyPair, type PtyPair } from '../../support/socat.ts'
import { explained, until } from '../../support/until.ts'

const ROOT = join(import.meta.dirname, '../../..')
const CLI = join(ROOT, 'edge-agent/bin/edge-agent.js')
const TCP_SERVER = join(ROOT, 'tests/support/pymodbus/tcp_server.py')
const RTU_SERVER = join(ROOT, 'tests/support/pymodbus/rtu_server.py')

/** A device with a methane reading of 0.73 sent word-swapped, and a few coils. */
const DEVICE = {
  units: {
    4: {
      registers: { coil: { 0: [1, 0, 1, 1] } },
      values: [{ table: 'holding', address: 10, type: 'float32', value: 0.73, order: 'CDAB' }],
    },
  },
}

const group = new ProcessGroup()
let dir: TempDir
let tcp: string
let pty: PtyPair

const edgeAgent = (args: string[]) => run(process.execPath, [CLI, 'read', ...args], { cwd: ROOT, timeoutMs: 30_000, name: 'edge-agent read' })
const floatBlock = ['--unit', '4', '--table', 'holding', '--address', '10', '--count', '2']

beforeAll(async () => {
  dir = tempDir('read')
  const spec = join(dir.path, 'device.json')
  writeFileSync(spec, JSON.stringify(DEVICE))
  const { match } = await group.startReady(SYSTEM_PYTHON, [TCP_SERVER, '--port', '0', '--spec-file', spec], /^ready (\d+)$/u, { name: 'pymodbus-tcp', timeoutMs: 20_000 })
  tcp = `127.0.0.1:${match[1]}`
  pty = await startPtyPair()
  group.add(pty.proc)
  await group.startReady(SYSTEM_PYTHON, [RTU_SERVER, '--port', pty.a, '--baud', '19200', '--spec-file', spec], /^ready /u, { name: 'pymodbus-rtu', timeoutMs: 20_000 })
})

afterAll(async () => {
  await group.stopAll()
  dir?.remove()
})

describe('edge-agent read over TCP', () => {
  it('shows a float32 sent in CDAB as CDAB plausible and believed, ABCD not', async () => {
    const result = await edgeAgent(['--tcp', tcp, ...floatBlock])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const lines = result.stdout.split('\n')
    expect(lines[0]).toMatch(new RegExp(`^holding 10-11 of unit 4 on ${tcp}, 3 reads, \\d\\d:\\d\\d:\\d\\d UTC$`, 'u'))
    expect(lines).toContain('     10  E148   57672   -7864')
    expect(lines).toContain('     11  3F3A   16186   16186')
    expect(lines).toContain('    CDAB  1060823368   1060823368          0.73  plausible, stable <- believed')
    expect(lines).toContain('    ABCD  3779608378   -515358918  -2.30869e+20  too large')
    expect(result.stdout).toContain('    CDAB: 0.73 in every read; ABCD reads -2.3e+20 (too large)')
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80)
  })

  it('says the same as one JSON object, judged against the unit hint', async () => {
    const result = await edgeAgent(['--tcp', tcp, ...floatBlock, '--json', '--unit-hint', '%CH4'])
    expect(result.code).toBe(0)
    const cycles = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as RegisterCycle)
    expect(cycles).toHaveLength(1)
    const [pair] = cycles[0]!.pairs
    expect(cycles[0]!.reads).toEqual([[0xe148, 0x3f3a], [0xe148, 0x3f3a], [0xe148, 0x3f3a]])
    expect(pair).toMatchObject({ address: 10, believed: 'CDAB' })
    expect(pair!.orders.CDAB).toMatchObject({ plausible: true, stable: true, float32: Math.fround(0.73) })
    expect(pair!.orders.ABCD).toMatchObject({ plausible: false, problems: ['outside-unit-range'] })
    expect(pair!.orders.BADC).toMatchObject({ plausible: false, problems: ['outside-unit-range'] })
    expect(pair!.why).toMatch(/^CDAB: 0\.73 in every read, within 0–100 %CH4; ABCD reads /u)
  })

  it('prints coils as bits', async () => {
    const result = await edgeAgent(['--tcp', tcp, '--unit', '4', '--table', 'coil', '--address', '0', '--count', '4'])
    expect(result.code).toBe(0)
    expect(result.stdout.split('\n')).toContain('      0  1 0 1 1')
  })

  it('watches until Ctrl-C, then exits 0', async () => {
    const watch = group.add(start(process.execPath, [CLI, 'read', '--tcp', tcp, ...floatBlock, '--reads', '2', '--watch', '--interval-ms', '100', '--json'], { cwd: ROOT, name: 'edge-agent read --watch' }))
    const cycles = () => watch.stdout.split('\n').filter((line) => line.startsWith('{')).length
    await explained(until('two cycles of --watch', () => cycles() >= 2 || watch.exit !== undefined), () => watch.describe())
    expect(watch.exit, watch.describe()).toBeUndefined()
    const exit = await watch.stop('SIGINT')
    expect(exit).toEqual({ code: 0, signal: null })
    expect(watch.stderr).toBe('')
    for (const line of watch.stdout.trim().split('\n')) expect((JSON.parse(line) as RegisterCycle).pairs[0]!.believed).toBe('CDAB')
  })

  it('while watching, shows a unit that does not answer and keeps reading until Ctrl-C', async () => {
    const args = ['--tcp', tcp, '--unit', '9', '--table', 'holding', '--address', '10', '--count', '2', '--timeout-ms', '200', '--watch', '--interval-ms', '50']
    const watch = group.add(start(process.execPath, [CLI, 'read', ...args], { cwd: ROOT, name: 'edge-agent read --watch (silent unit)' }))
    const misses = () => watch.stderr.split('\n').filter((line) => line === `edge-agent read: no answer within 200 ms (unit 9 on ${tcp})`).length
    await explained(until('two missed reads', () => misses() >= 2 || watch.exit !== undefined), () => watch.describe())
    expect(watch.exit, watch.describe()).toBeUndefined()
    expect(await watch.stop('SIGINT')).toEqual({ code: 0, signal: null })
    expect(watch.stdout).toBe('')
  })

  it('names the Modbus exception of a refused read in one line, exit 1', async () => {
    const result = await edgeAgent(['--tcp', tcp, '--unit', '4', '--table', 'holding', '--address', '900', '--count', '2'])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(`edge-agent: exception 2 (illegal data address) to function 3 (unit 4 on ${tcp})\n`)
  })

  it('says a unit that never answers timed out, exit 1', async () => {
    const result = await edgeAgent(['--tcp', tcp, '--unit', '9', '--table', 'holding', '--address', '10', '--count', '2', '--timeout-ms', '300'])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(`edge-agent: no answer within 300 ms (unit 9 on ${tcp})\n`)
  })

  it.each([
    [['--tcp', 'x', '--unit', '4', '--table', 'holdings', '--address', '0', '--count', '2'], 'edge-agent: --table must be holding, input, coil, discrete, got "holdings"'],
    [[...floatBlock], 'edge-agent: give exactly one of --rtu PATH or --tcp HOST[:PORT]'],
  ])('refuses bad arguments %j in one line, exit 2', async (args, message) => {
    const result = await edgeAgent(args)
    expect(result.code).toBe(2)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toContain(message)
  })
})

describe('edge-agent read over RTU', () => {
  it('shows the CDAB float believed over a serial line at 19200 8N1 (a pty keeps no parity: pyserial refuses even on one)', async () => {
    const result = await edgeAgent(['--rtu', pty.b, '--baud', '19200', ...floatBlock, '--json'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const [cycle] = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as RegisterCycle)
    expect(cycle).toMatchObject({ line: pty.b, reads: [[0xe148, 0x3f3a], [0xe148, 0x3f3a], [0xe148, 0x3f3a]] })
    expect(cycle!.pairs[0]).toMatchObject({ believed: 'CDAB' })
    expect(cycle!.pairs[0]!.orders.ABCD.plausible).toBe(false)
  })

  it('says a port that cannot open in one line, exit 1', async () => {
    const missing = join(dir.path, 'ttyUSB9')
    const result = await edgeAgent(['--rtu', missing, '--baud', '9600', ...floatBlock])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(`edge-agent: cannot open ${missing}: No such file or directory\n`)
  })
})
