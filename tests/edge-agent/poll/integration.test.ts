/**
 * The poll engine end to end against pymodbus 3.0 as the device — an implementation independent of
 * our simulator and of our codecs — through the real CLI: `edge-agent run --config FILE --once`.
 *
 * What each test proves:
 *
 * - TCP: two pymodbus TCP servers (tests/support/pymodbus/tcp_server.py), seven devices of seven
 *   TCP-capable library profiles at different unit ids (coils and discrete inputs, holding and
 *   input registers, float32 ABCD and CDAB, uint32, int16, bits, FC 43/14 identities). Each unit
 *   serves the raw register image of one of the profile's test vectors. `run --once` exits 0 and
 *   prints exactly one JSON line per channel whose value is exactly the vector's `expect` (float32 at
 *   float32 precision) and whose quality is the vector's (good unless it says otherwise) — so the
 *   whole chain (config → plan → modbus-serial over TCP → typed replies → decode → sample) agrees with
 *   the profile's own test vectors on a device we did not write. Both endpoints are polled in one run.
 *
 * - RTU: one pymodbus serial server (tests/support/pymodbus/rtu_server.py, pymodbus's RTU framer)
 *   on one end of a socat pty pair answers four unit ids sharing the line: four different RTU
 *   profiles, including coils/discretes, float32 in both word orders, uint32 CDAB and a vector with
 *   non-good qualities. `run --once` on the other end at 9600 8N1 prints exactly the vectors' values
 *   for all four units: one request outstanding at a time, every answer attributed to the right unit.
 *
 * - RTU with a fifth and a sixth dead unit (configured, not served): `run --once` still prints the four
 *   live units exactly, prints comm-fail samples (value null) for the dead ones, and exits 1 with
 *   `edge-agent: device X could not be read: REASON` on stderr, the reason saying the unit never answered
 *   since start and, for the one whose profile's factory serial setting differs from the bus, both settings.
 *
 * Nothing here asserts a timing; every process is stopped in afterAll.
 */
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadLibrary, type Profile } from '../../../hardware-profiles/index.ts'
import type { Sample } from '../../../protocols/sample.ts'
import { checkVector, rtuBus, tcpBus, tempDir, unitSpec, writeGatewayConfig, type TempDir } from '../../support/gateway-config.ts'
import { ProcessGroup, run, SYSTEM_PYTHON } from '../../support/processes.ts'
import { startPtyPair, type PtyPair } from '../../support/socat.ts'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..')
const CLI = join(ROOT, 'edge-agent/bin/edge-agent.js')
const TCP_SERVER = join(ROOT, 'tests/support/pymodbus/tcp_server.py')
const RTU_SERVER = join(ROOT, 'tests/support/pymodbus/rtu_server.py')

const library = new Map(loadLibrary().map((p) => [p.id, p] as const))
function profile(id: string): Profile {
  const found = library.get(id)
  if (!found) throw new Error(`no profile ${id} in the library`)
  return found
}

/** One device of a test gateway: where it is, what it is, which vector its unit serves. */
interface Placement {
  id: string
  unit: number
  profile: Profile
  vector: number
}

const place = (id: string, unit: number, profileId: string, vector: number): Placement => ({ id, unit, profile: profile(profileId), vector })

function specOf(devices: readonly Placement[]) {
  return { units: Object.fromEntries(devices.map((d) => [String(d.unit), unitSpec(d.profile, d.vector)])) }
}

function parseSamples(stdout: string): Sample[] {
  return stdout.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Sample)
}

const runOnce = (config: string) => run(process.execPath, [CLI, 'run', '--config', config, '--once'], { cwd: ROOT, timeoutMs: 60_000, name: 'edge-agent run --once' })

const group = new ProcessGroup()
let dir: TempDir

beforeAll(() => {
  dir = tempDir('poll-integration')
})

afterAll(async () => {
  await group.stopAll()
  dir?.remove()
})

/** Start a pymodbus server script with a spec file; resolves with its ready line's match. */
async function startPymodbus(script: string, name: string, spec: unknown, args: string[]): Promise<RegExpMatchArray> {
  const specFile = join(dir.path, `${name}.json`)
  writeFileSync(specFile, JSON.stringify(spec))
  const { match } = await group.startReady(SYSTEM_PYTHON, [script, '--spec-file', specFile, ...args], /^ready (\S+)$/u, { name, timeoutMs: 20_000 })
  return match
}

describe('run --once against pymodbus over Modbus TCP', () => {
  // endpoint A: four devices of four profiles; endpoint B: three more, polled in the same run
  const endpointA = [
    place('sis-reactor-1', 1, 'generic-sis-plc16-reactor-interlock', 0), // coils, discretes, input, holding; float32 CDAB
    place('positioning-2', 2, 'generic-kj-f8-positioning-substation', 0), // uint32, bits, signature
    place('multigas-7', 7, 'generic-mgd4-multigas', 1), // float32 ABCD; a vector with non-good qualities
    place('tailings-9', 9, 'generic-tsm8-tailings-monitor', 0),
  ]
  const endpointB = [
    place('chlorine-1', 1, 'generic-gq-cl2-net-chlorine', 0),
    place('refuge-2', 2, 'generic-rcm6-refuge-chamber-monitor', 4),
    place('vapour-3', 3, 'generic-vrm4-vapor-recovery-monitor', 0),
  ]
  let config: string

  beforeAll(async () => {
    const [a, b] = await Promise.all([
      startPymodbus(TCP_SERVER, 'pymodbus-tcp-a', specOf(endpointA), ['--port', '0']),
      startPymodbus(TCP_SERVER, 'pymodbus-tcp-b', specOf(endpointB), ['--port', '0']),
    ])
    config = writeGatewayConfig(dir.path, {
      buses: [tcpBus('endpoint-a', Number(a[1])), tcpBus('endpoint-b', Number(b[1]))],
      devices: [
        ...endpointA.map((d) => ({ id: d.id, bus: 'endpoint-a', unit: d.unit, profile: d.profile.id })),
        ...endpointB.map((d) => ({ id: d.id, bus: 'endpoint-b', unit: d.unit, profile: d.profile.id })),
      ],
    }, 'tcp.yaml')
  })

  it('prints exactly every vector\'s engineering values and qualities, one line per channel, and exits 0', async () => {
    const result = await runOnce(config)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const samples = parseSamples(result.stdout)
    const devices = [...endpointA, ...endpointB]
    expect(samples).toHaveLength(devices.reduce((n, d) => n + d.profile.channels.length, 0))
    for (const d of devices) expect(checkVector(samples, d.id, d.profile, d.vector), d.id).toEqual([])
    // the vectors with non-good qualities really produced them (the check above is not vacuous)
    expect(samples.some((s) => s.device === 'multigas-7' && s.quality !== 'good')).toBe(true)
    for (const s of samples) {
      if (s.quality === 'comm-fail') throw new Error(`comm-fail from a served device: ${JSON.stringify(s)}`)
    }
  })
})

describe('run --once against pymodbus over Modbus RTU: four unit ids on one socat line', () => {
  const units = [
    place('laser-ch4-1', 1, 'generic-gjg10j-laser-methane', 0), // float32 CDAB, int16, bits
    place('power-cut-2', 2, 'generic-kdg4-power-cut-controller', 0), // coils, discretes, uint32 CDAB
    place('compressed-air-3', 3, 'generic-cam2-compressed-air-monitor', 2), // uint32 ABCD, int16; a non-good quality
    place('tank-gauge-4', 4, 'generic-rtg2000-tank-gauge', 3), // float32 ABCD, FC 43/14 identity; non-good qualities
  ]
  let pty: PtyPair

  beforeAll(async () => {
    pty = await startPtyPair()
    group.add(pty.proc)
    await startPymodbus(RTU_SERVER, 'pymodbus-rtu', specOf(units), ['--port', pty.a, '--baud', '9600'])
  })

  it('prints exactly the vectors\' values for all four units at 9600 baud and exits 0', async () => {
    const config = writeGatewayConfig(dir.path, {
      buses: [rtuBus('rs485', pty.b, { baud: 9600, timeoutMs: 500 })],
      devices: units.map((d) => ({ id: d.id, bus: 'rs485', unit: d.unit, profile: d.profile.id })),
    }, 'rtu.yaml')
    const result = await runOnce(config)
    // the tank gauge's factory setting is 9600 8E1, the line 8N1 (a pty has no parity): run says so, as check does
    expect(result.stderr).toBe(`${config}:25:10 devices[3].bus: warning: profile factory setting 9600 8E1; bus rs485 is 9600 8N1: unit 4 answers only if it was set to the bus's settings (else comm-fail)\n`)
    expect(result.code).toBe(0)
    const samples = parseSamples(result.stdout)
    expect(samples).toHaveLength(units.reduce((n, d) => n + d.profile.channels.length, 0))
    for (const d of units) expect(checkVector(samples, d.id, d.profile, d.vector), d.id).toEqual([])
    expect(samples.some((s) => s.quality !== 'good')).toBe(true)
  })

  it('with a fifth and a sixth unit nobody answers for: the four still exact, the dead ones comm-fail, exit 1 naming them and what to check', async () => {
    const config = writeGatewayConfig(dir.path, {
      buses: [rtuBus('rs485', pty.b, { baud: 9600, timeoutMs: 300, retries: 1 })],
      devices: [
        ...units.map((d) => ({ id: d.id, bus: 'rs485', unit: d.unit, profile: d.profile.id })),
        { id: 'dead-5', bus: 'rs485', unit: 5, profile: 'generic-gth1000-carbon-monoxide' },
        // factory setting 9600 8E1 (the live tank gauge answers at 8N1: a pty has no parity)
        { id: 'dead-6', bus: 'rs485', unit: 6, profile: 'generic-rtg2000-tank-gauge' },
      ],
    }, 'rtu-dead.yaml')
    const result = await runOnce(config)
    expect(result.code).toBe(1)
    // never answered since start: what to check, and the line settings when the profile's factory setting differs
    expect(result.stderr).toMatch(/^edge-agent: device dead-5 could not be read: no answer from unit 5 since start: check the unit id and the line settings; last error: \S.*$/mu)
    expect(result.stderr).toMatch(/^edge-agent: device dead-6 could not be read: no answer from unit 6 since start: check the unit id and the line settings \(bus rs485 is 9600 8N1; the profile's factory setting is 9600 8E1\); last error: \S.*$/mu)
    expect(result.stderr).not.toMatch(/laser-ch4-1|power-cut-2|compressed-air-3|tank-gauge-4/u)
    const samples = parseSamples(result.stdout)
    for (const d of units) expect(checkVector(samples, d.id, d.profile, d.vector), d.id).toEqual([])
    const dead = samples.filter((s) => s.device === 'dead-5')
    expect(dead).toHaveLength(profile('generic-gth1000-carbon-monoxide').channels.length)
    for (const s of dead) expect(s).toMatchObject({ value: null, quality: 'comm-fail', reason: expect.stringMatching(/^no answer from unit 5 since start: /u) })
    const gauge = samples.filter((s) => s.device === 'dead-6')
    expect(gauge).toHaveLength(profile('generic-rtg2000-tank-gauge').channels.length)
    for (const s of gauge) expect(s).toMatchObject({ value: null, quality: 'comm-fail', reason: expect.stringContaining("(bus rs485 is 9600 8N1; the profile's factory setting is 9600 8E1)") })
  })
})
