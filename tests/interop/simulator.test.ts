/**
 * Interoperability of the product's Modbus simulator (`edge-agent simulate`) with independent
 * masters: mbpoll (libmodbus) and pymodbus 3.0 (its own client and BinaryPayloadDecoder), over TCP
 * and over RTU on a socat pty pair.
 *
 * Scenario `static` serves each profile's first test vector exactly, so:
 *  (a) mbpoll over TCP reads every register block of vector 0 and gets exactly its raw registers;
 *  (b) the pymodbus client over TCP decodes every channel of vector 0's `expect` (multi-register
 *      numbers in the channel's order, scale/offset/decimals applied in Python) to the expected value;
 *  (c) RTU: three profiles share one bus (unit ids 1..3); mbpoll and the pymodbus serial client
 *      read each unit and get the vector's registers and values;
 *  (d) a unit id nobody serves on that bus gets no answer (mbpoll times out) while the others still
 *      answer.
 * Plus FC 43/14 (Read Device Identification) through pymodbus for profiles with identification.deviceId.
 *
 * Profiles are picked from the library when the test runs (SIM_INTEROP_PROFILES=all: every profile
 * over TCP, every RTU profile on the bus). Timeouts are generous; nothing asserts timings.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileProfile, loadLibrary, type Profile } from '../../hardware-profiles/index.ts'
import type { Table } from '../../protocols/modbus/index.ts'
import { freePort } from '../support/ports.ts'
import { ProcessGroup, run, SYSTEM_PYTHON } from '../support/processes.ts'
import { startPtyPair, type PtyPair } from '../support/socat.ts'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..')
const CLI = join(ROOT, 'edge-agent/bin/edge-agent.js')
const READ_CLIENT = join(ROOT, 'tests/support/pymodbus/read_client.py')
const MBPOLL = '/usr/bin/mbpoll'
const BAUD = 9600
const MISSING_UNIT = 200
const ALL = process.env.SIM_INTEROP_PROFILES === 'all'

// ---------------------------------------------------------------- profiles and what they serve

const library = loadLibrary()

/** Distinct (type, order) encodings among the channels vector 0 checks: more is a better test. */
function encodings(profile: Profile): number {
  const expected = new Set(Object.keys(profile.vectors[0]!.expect))
  return new Set(profile.channels.filter((c) => expected.has(c.id)).map((c) => `${c.type}/${c.order ?? ''}/${c.decimalsFrom ? 'd' : ''}`)).size
}

const byCoverage = (a: Profile, b: Profile): number =>
  Number(b.identification.deviceId !== undefined) - Number(a.identification.deviceId !== undefined) ||
  encodings(b) - encodings(a) || a.id.localeCompare(b.id)

/** A few profiles for TCP: those made for TCP first, then the ones exercising the most encodings. */
const TCP_PROFILES = [...library]
  .sort((a, b) => Number(b.transports.includes('tcp')) - Number(a.transports.includes('tcp')) || byCoverage(a, b))
  .slice(0, ALL ? undefined : 4)

/** Three different RTU profiles for one bus (repeated only if the library has fewer than three). */
const RTU_CANDIDATES = library.filter((p) => p.transports.includes('rtu')).sort(byCoverage)
const RTU_PROFILES = ALL
  ? RTU_CANDIDATES.slice(0, 199)
  : [0, 1, 2].map((i) => RTU_CANDIDATES[i % Math.max(1, RTU_CANDIDATES.length)]!).filter(Boolean)

interface Block {
  table: Table
  address: number
  values: number[]
}

const MAX_COUNT: Record<Table, number> = { coil: 2000, discrete: 2000, holding: 125, input: 125 }

/** The register blocks of vector 0, split to what one request may read. */
function blocksOf(profile: Profile): Block[] {
  const blocks: Block[] = []
  const registers = profile.vectors[0]!.registers
  for (const table of ['coil', 'discrete', 'holding', 'input'] as const) {
    for (const [start, values] of Object.entries(registers[table] ?? {})) {
      for (let i = 0; i < values.length; i += MAX_COUNT[table]) {
        blocks.push({ table, address: Number(start) + i, values: values.slice(i, i + MAX_COUNT[table]) })
      }
    }
  }
  return blocks
}

interface ReadPoint {
  unit: number
  table: Table | 'device-id'
  address?: number
  count?: number
  code?: number
  decode?: Record<string, unknown>
}

interface ExpectedChannel {
  id: string
  type: string
  value: number | boolean | string
  point: ReadPoint
}

/** One pymodbus point per channel of vector 0's `expect`, with the decoding Python should apply. */
function channelsOf(profile: Profile, unit: number): ExpectedChannel[] {
  const vector = profile.vectors[0]!
  const compiled = compileProfile(profile)
  const out: ExpectedChannel[] = []
  for (const [id, value] of Object.entries(vector.expect)) {
    const c = compiled.channels.get(id)
    if (!c) throw new Error(`${profile.id}: vector 0 expects unknown channel ${id}`)
    const { channel, point } = c
    if (vector.quality?.[id]) continue // not a good reading: no value to compare
    const decode: Record<string, unknown> = { type: channel.type, order: channel.order ?? 'ABCD' }
    if (channel.type === 'bit') decode.bit = channel.bit ?? 0
    if (channel.scale !== undefined) decode.scale = channel.scale
    if (channel.offset !== undefined) decode.offset = channel.offset
    if (channel.decimalsFrom !== undefined) {
      // the exponent as the vector states it, not as our decoder derives it
      const decimals = vector.expect[channel.decimalsFrom]
      if (typeof decimals !== 'number') throw new Error(`${profile.id}: vector 0 has no expect for ${channel.decimalsFrom}`)
      decode.decimals = decimals
    }
    out.push({ id, type: channel.type, value, point: { unit, table: channel.table, address: point.address, count: point.count, decode } })
  }
  return out
}

// ---------------------------------------------------------------- masters

type Link = { tcp: number } | { rtu: string }

interface MbpollResult {
  values: Map<number, number>
  code: number | null
  output: string
}

const MBPOLL_TYPE: Record<Table, string> = { coil: '0', discrete: '1', input: '3:hex', holding: '4:hex' }

/** One mbpoll read (-1 once, -0 zero-based references); values by address. */
async function mbpoll(link: Link, unit: number, table: Table, address: number, count: number, timeoutS = 2): Promise<MbpollResult> {
  const transport = 'tcp' in link
    ? ['-m', 'tcp', '-p', String(link.tcp)]
    : ['-m', 'rtu', '-b', String(BAUD), '-P', 'none', '-d', '8', '-s', '1']
  const args = [...transport, '-a', String(unit), '-t', MBPOLL_TYPE[table], '-r', String(address), '-c', String(count), '-0', '-1', '-o', timeoutS.toFixed(2),
    'tcp' in link ? '127.0.0.1' : link.rtu]
  const result = await run(MBPOLL, args, { timeoutMs: (timeoutS + 20) * 1000 })
  const values = new Map<number, number>()
  for (const m of result.stdout.matchAll(/^\[(\d+)\]:\s+(0x[0-9A-Fa-f]+|-?\d+)\s*$/gmu)) values.set(Number(m[1]), Number(m[2]))
  return { values, code: result.code, output: `mbpoll ${args.join(' ')}\n${result.stdout}\n${result.stderr}` }
}

interface PyResult {
  ok: boolean
  error?: string
  registers?: number[]
  bits?: boolean[]
  value?: number | boolean | string
  objects?: Record<string, string>
}

async function pymodbus(link: Link, points: ReadPoint[]): Promise<PyResult[]> {
  const target = 'tcp' in link ? ['--tcp', `127.0.0.1:${link.tcp}`] : ['--rtu', link.rtu, '--baud', String(BAUD), '--parity', 'N']
  const result = await run(SYSTEM_PYTHON, [READ_CLIENT, ...target, '--timeout', '2', '--points', JSON.stringify(points)], { timeoutMs: 120_000 })
  const line = result.stdout.split('\n').find((l) => l.startsWith('{'))
  if (result.code !== 0 || !line) throw new Error(`read_client.py failed (exit ${String(result.code ?? result.signal)}):\n${result.stdout}\n${result.stderr}`)
  const parsed = JSON.parse(line) as { results?: PyResult[]; error?: string }
  if (!parsed.results) throw new Error(`read_client.py: ${parsed.error ?? line}`)
  return parsed.results
}

/** Equal, or for numbers equal to float32 precision when the raw value was a float32. */
function expectValue(actual: unknown, expected: number | boolean | string, type: string, what: string): void {
  if (typeof expected === 'number') {
    expect(typeof actual, what).toBe('number')
    const tolerance = type === 'float32' ? 1e-6 : 1e-9
    expect(Math.abs((actual as number) - expected), `${what}: ${String(actual)} vs ${expected}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected)))
  } else {
    expect(actual, what).toBe(expected)
  }
}

function expectBlock(result: MbpollResult, block: Block): void {
  const got = block.values.map((_, i) => result.values.get(block.address + i))
  expect(got, result.output).toEqual(block.values)
}

// ---------------------------------------------------------------- simulator

const group = new ProcessGroup()
afterAll(() => group.stopAll())

async function startSimulator(args: string[], ready: RegExp): Promise<RegExpMatchArray> {
  const { match } = await group.startReady(process.execPath, [CLI, 'simulate', ...args], ready, { cwd: ROOT, name: 'edge-agent simulate', timeoutMs: 60_000 })
  return match
}

/** Unit ids each TCP simulator serves: exercise the range and the list syntax of --unit. */
const UNIT_ARGS = ['1-3', '4,7', '1', '2']
const unitsOfArg = (arg: string): number[] => {
  const range = /^(\d+)-(\d+)$/u.exec(arg)
  if (range) return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i)
  return arg.split(',').map(Number)
}

interface TcpSimulator {
  profile: Profile
  port: number
  units: number[]
}

describe('simulator over Modbus TCP', () => {
  const simulators = new Map<string, TcpSimulator>()
  const sim = (profile: Profile): TcpSimulator => {
    const s = simulators.get(profile.id)
    if (!s) throw new Error(`the simulator for ${profile.id} did not start`)
    return s
  }

  beforeAll(async () => {
    // two at a time: each start compiles the CLI with tsx and loads the library, and there may be only 2 cores
    const queue = TCP_PROFILES.map((profile, i) => ({ profile, unitArg: UNIT_ARGS[i % UNIT_ARGS.length]! }))
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const { profile, unitArg } = next
        const port = await freePort()
        const match = await startSimulator(['--profile', profile.id, '--tcp', `127.0.0.1:${port}`, '--unit', unitArg, '--scenario', 'static'],
          /^simulator ready tcp 127\.0\.0\.1:(\d+) units ([\d,]+)$/u)
        expect(Number(match[1])).toBe(port)
        expect(match[2]!.split(',').map(Number)).toEqual(unitsOfArg(unitArg))
        simulators.set(profile.id, { profile, port, units: unitsOfArg(unitArg) })
      }
    }
    await Promise.all([worker(), worker()])
  }, 60_000 + TCP_PROFILES.length * 30_000)

  it('picked at least one profile', () => {
    expect(TCP_PROFILES.length).toBeGreaterThan(0)
  })

  describe.each(TCP_PROFILES.map((p) => ({ id: p.id, profile: p })))('$id', ({ profile }) => {
    it.each(blocksOf(profile))('(a) mbpoll reads $table $address.. of vector 0 exactly, on every unit id', async (block) => {
      const { port, units } = sim(profile)
      for (const unit of units) {
        const result = await mbpoll({ tcp: port }, unit, block.table, block.address, block.values.length)
        expect(result.code, result.output).toBe(0)
        expectBlock(result, block)
      }
    })

    it('(a) a unit id it does not serve gets no register values', async () => {
      const { port, units } = sim(profile)
      const block = blocksOf(profile)[0]!
      const result = await mbpoll({ tcp: port }, Math.max(...units) + 1, block.table, block.address, block.values.length)
      expect(result.code, result.output).not.toBe(0)
      expect(result.values.size, result.output).toBe(0)
    })

    it('(b) pymodbus decodes every channel of vector 0 to its expected value', async () => {
      const { port, units } = sim(profile)
      for (const unit of units) {
        const channels = channelsOf(profile, unit)
        const results = await pymodbus({ tcp: port }, channels.map((c) => c.point))
        channels.forEach((c, i) => {
          const r = results[i]!
          expect(r.ok, `${profile.id} unit ${unit} ${c.id}: ${r.error ?? ''}`).toBe(true)
          expectValue(r.value, c.value, c.type, `${profile.id} unit ${unit} ${c.id}`)
        })
      }
    })

    it.runIf(profile.identification.deviceId !== undefined)('FC 43/14: pymodbus reads the device identification', async () => {
      const { port, units } = sim(profile)
      const id = profile.identification.deviceId!
      const [basic, regular] = await pymodbus({ tcp: port }, [{ unit: units[0]!, table: 'device-id', code: 1 }, { unit: units[0]!, table: 'device-id', code: 2 }])
      expect(basic!.ok, basic!.error).toBe(true)
      expect(basic!.objects).toMatchObject({ 0: id.vendorName, 1: id.productCode, 2: id.revision })
      expect(regular!.ok, regular!.error).toBe(true)
      const optional = { 3: id.vendorUrl, 4: id.productName, 5: id.modelName }
      for (const [oid, text] of Object.entries(optional)) if (text !== undefined) expect(regular!.objects?.[oid]).toBe(text)
    })
  })
})

describe('simulator over Modbus RTU: three devices (or more) on one socat pty bus', () => {
  let pty: PtyPair
  /** the master's end of the bus */
  let bus: string
  const units = RTU_PROFILES.map((profile, i) => ({ unit: i + 1, profile }))

  beforeAll(async () => {
    pty = await startPtyPair()
    group.add(pty.proc)
    bus = pty.b
    const devices = units.flatMap(({ unit, profile }) => ['--device', `${unit}:${profile.id}`])
    const match = await startSimulator([...devices, '--rtu', pty.a, '--baud', String(BAUD), '--scenario', 'static'], /^simulator ready rtu (\S+) units ([\d,]+)$/u)
    expect(match[1]).toBe(pty.a)
    expect(match[2]).toBe(units.map((u) => u.unit).join(','))
  }, 90_000)

  it('has RTU profiles to put on the bus', () => {
    expect(RTU_CANDIDATES.length, 'no profile in the library supports rtu').toBeGreaterThan(0)
    if (RTU_CANDIDATES.length < 3) console.warn(`only ${RTU_CANDIDATES.length} RTU profile(s) in the library; some repeat on the bus`)
  })

  describe.each(units.map((u) => ({ ...u, id: u.profile.id })))('unit $unit: $id', ({ unit, profile }) => {
    it('(c) mbpoll -m rtu reads every register block of vector 0 exactly', async () => {
      for (const block of blocksOf(profile)) {
        const result = await mbpoll({ rtu: bus }, unit, block.table, block.address, block.values.length)
        expect(result.code, result.output).toBe(0)
        expectBlock(result, block)
      }
    })

    it('(c) the pymodbus serial client reads the raw registers and decodes every channel of vector 0', async () => {
      const blocks = blocksOf(profile)
      const channels = channelsOf(profile, unit)
      const results = await pymodbus({ rtu: bus }, [
        ...blocks.map((b) => ({ unit, table: b.table, address: b.address, count: b.values.length })),
        ...channels.map((c) => c.point),
      ])
      blocks.forEach((b, i) => {
        const r = results[i]!
        expect(r.ok, `${b.table} ${b.address}: ${r.error ?? ''}`).toBe(true)
        const raw = b.table === 'coil' || b.table === 'discrete' ? r.bits?.map((x) => (x ? 1 : 0)) : r.registers
        expect(raw, `${b.table} ${b.address}`).toEqual(b.values)
      })
      channels.forEach((c, i) => {
        const r = results[blocks.length + i]!
        expect(r.ok, `${c.id}: ${r.error ?? ''}`).toBe(true)
        expectValue(r.value, c.value, c.type, `unit ${unit} ${c.id}`)
      })
    })

    it.runIf(profile.identification.deviceId !== undefined)('FC 43/14 over RTU: pymodbus reads the vendor name', async () => {
      const [basic] = await pymodbus({ rtu: bus }, [{ unit, table: 'device-id', code: 1 }])
      expect(basic!.ok, basic!.error).toBe(true)
      expect(basic!.objects?.['0']).toBe(profile.identification.deviceId!.vendorName)
    })
  })

  it(`(d) unit ${MISSING_UNIT}, which nobody serves, gets no answer while the others still answer`, async () => {
    const first = blocksOf(units[0]!.profile)[0]!
    const silent = await mbpoll({ rtu: bus }, MISSING_UNIT, first.table, first.address, first.values.length, 1)
    expect(silent.code, silent.output).not.toBe(0)
    expect(silent.values.size, silent.output).toBe(0)
    expect(silent.output).toMatch(/timed out/iu)

    const [py] = await pymodbus({ rtu: bus }, [{ unit: MISSING_UNIT, table: first.table, address: first.address, count: first.values.length }])
    expect(py!.ok).toBe(false)
    expect(py!.error).toMatch(/no response/iu)

    for (const { unit, profile } of units) {
      const block = blocksOf(profile)[0]!
      const result = await mbpoll({ rtu: bus }, unit, block.table, block.address, block.values.length)
      expect(result.code, result.output).toBe(0)
      expectBlock(result, block)
    }
  })
})
