/**
 * Fault tests of the poll engine on real lines: the PollEngine in this process (so its events and
 * status() can be read) against devices in other processes — our simulator (`edge-agent simulate`)
 * and pymodbus 3.0 — over socat pty pairs (RTU) and TCP. Timings are never asserted: the dead unit's
 * cost to the others' cycle is the bench figure dead_unit_others_cycle_vs_healthy (bench/dead-unit.ts).
 *
 * What each test proves:
 *
 * 1. A dead unit on a shared RTU bus (4 × GJC4 at 9600 baud, simulator with --wire-timing, unit 4
 *    not served): the dead device goes offline (device-state event), is quarantined (status() shows
 *    quarantinedUntil), every one of its samples is comm-fail with value null — never a number — and
 *    the three others keep producing good samples that equal the vector exactly and keep being polled.
 *    A healthy run of the same config first shows every unit answering.
 *
 * 2. socat killed and restarted under the running engine (the serial port vanishes, as a USB adapter
 *    unplugged, then comes back at the same path — socat `link=` names): a line-state down event and
 *    comm-fail samples; with socat and the simulator back, a line-state open event and good samples
 *    equal to the vector again — the same engine, never restarted. Printed: poll periods from "line
 *    back" to the first good sample of every device.
 *
 * 3. Exception codes:
 *    - a device answering exception 04 to every read (simulator `--scenario fault` on a profile with no
 *      fault flag or sentinel): its samples are device-fault with the exception as reason, a
 *      device-state fault event, it keeps being polled (not quarantined as if dead), and a device whose
 *      fault flags are set (same scenario, a profile with flags) reads device-fault on the channels the
 *      flags guard while a healthy one on the same endpoint stays good — no crash;
 *    - a device (pymodbus, sparse data store) refusing one address in the middle of a merged block with
 *      exception 02: the engine splits the block, the other channels read good and exact, the refused
 *      channel is device-fault on every poll, and the split is kept (every later poll costs the same,
 *      smaller number of transactions);
 *    - a device that answered exception 04 while it was being identified, then answers normally
 *      (simulator restarted as `static` on the same port) comes back to good samples without an agent
 *      restart.
 *
 * 4. Garbage on the line: pymodbus's RTU server with `--corrupt` answers in turn correctly, with a bit
 *    flipped under an unchanged CRC, with random bytes before or after a good frame, truncated, with
 *    random bytes only, not at all, and late. Every sample the engine emits either equals the vector
 *    exactly (value and quality) or is comm-fail with value null: CRC and framing reject every corrupted
 *    answer, no wrong value is ever emitted; corrupted answers beyond the retries give comm-fail.
 *    And a device whose answers take 80 ms, one in eight arriving after the agent's timeout, on a
 *    profile with two blocks of the same function code and size: a stray (CRC-valid) late answer must
 *    never be taken for the answer to the other block.
 *
 * KNOWN FAILURES at the time of writing — engine bugs these tests demonstrate (edge-agent/src is not
 * ours to change here; see the report of the session that wrote this file):
 *   - "exception 02 inside a merged block": after the first poll the refused channel is reported
 *     comm-fail "status or exponent register not read" instead of device-fault (device-poller.ts poll());
 *   - "failed (exception 04) while being identified": the exception is taken for a permanent identity
 *     mismatch and the device stays device-fault until the agent restarts (device-poller.ts identify());
 *   - "late answer": the late frame is taken for the retry's answer and the retry's own answer for the
 *     next block's: wrong values with quality good (o2 reads the methane register) for several polls.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfigFile } from '../../../edge-agent/src/config/index.ts'
import { PollEngine, type PollEvent } from '../../../edge-agent/src/poll/engine.ts'
import type { BusStatus } from '../../../edge-agent/src/poll/bus-worker.ts'
import { loadLibrary, parseProfile, type Profile } from '../../../hardware-profiles/index.ts'
import type { Sample } from '../../../protocols/sample.ts'
import { expectedReadings, rtuBus, sameReading, tcpBus, tempDir, unitSpec, writeGatewayConfig, writeProfile, type TempDir } from '../../support/gateway-config.ts'
import { freePort } from '../../support/ports.ts'
import { ProcessGroup, SYSTEM_PYTHON, type ManagedProcess } from '../../support/processes.ts'
import { SOCAT } from '../../support/socat.ts'
import { until } from '../../support/until.ts'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..')
const CLI = join(ROOT, 'edge-agent/bin/edge-agent.js')
const TCP_SERVER = join(ROOT, 'tests/support/pymodbus/tcp_server.py')
const RTU_SERVER = join(ROOT, 'tests/support/pymodbus/rtu_server.py')

const library = new Map(loadLibrary().map((p) => [p.id, p] as const))
const GJC4 = library.get('ccri-gjc4-catalytic-methane')!
const TSM8 = library.get('generic-tsm8-tailings-monitor')!

// ------------------------------------------------------------------ processes, engines, temp files

const group = new ProcessGroup()
const engines = new Set<PollEngine>()
let dir: TempDir

beforeAll(() => {
  dir = tempDir('poll-faults')
})

afterAll(async () => {
  await Promise.all([...engines].map((e) => e.stop()))
  await group.stopAll()
  dir?.remove()
})

/** A socat pty pair whose ends are symlinks DIR/NAME.agent and DIR/NAME.device: the paths survive a socat restart. */
async function startLinkedPair(name: string): Promise<{ agent: string; device: string; proc: ManagedProcess }> {
  const agent = join(dir.path, `${name}.agent`)
  const device = join(dir.path, `${name}.device`)
  const { proc } = await group.startReady(SOCAT, ['-d', '-d', `pty,raw,echo=0,link=${agent}`, `pty,raw,echo=0,link=${device}`], /starting data transfer loop/u, {
    stream: 'stderr', name: `socat ${name}`, timeoutMs: 10_000,
  })
  if (!existsSync(agent) || !existsSync(device)) throw new Error(`socat did not make ${agent} and ${device}: ${proc.describe()}`)
  return { agent, device, proc }
}

/** `edge-agent simulate ARGS` in its own process, once it prints its ready line. */
async function startSimulator(args: string[], name = 'simulator'): Promise<ManagedProcess> {
  const { proc } = await group.startReady(process.execPath, [CLI, 'simulate', ...args], /^simulator ready /u, { cwd: ROOT, name, timeoutMs: 20_000 })
  return proc
}

async function startPymodbus(script: string, name: string, spec: unknown, args: string[]): Promise<{ proc: ManagedProcess; match: RegExpMatchArray }> {
  const specFile = join(dir.path, `${name}.json`)
  writeFileSync(specFile, JSON.stringify(spec))
  return group.startReady(SYSTEM_PYTHON, [script, '--spec-file', specFile, ...args], /^ready (\S+)$/u, { name, timeoutMs: 20_000 })
}

/** What the engine told us: sample batches (one per poll of a device, with the time we got them), events, status snapshots. */
class Recorder {
  readonly batches: { device: string; at: number; samples: Sample[]; transactions: number }[] = []
  readonly events: { at: number; event: PollEvent }[] = []
  engine: PollEngine | undefined

  samples(device: string, since = 0): Sample[] {
    return this.batches.filter((b) => b.device === device && b.at >= since).flatMap((b) => b.samples)
  }

  polls(device: string, since = 0) {
    return this.batches.filter((b) => b.device === device && b.at >= since)
  }

  eventsOf<T extends PollEvent['type']>(type: T): Extract<PollEvent, { type: T }>[] {
    return this.events.map((e) => e.event).filter((e): e is Extract<PollEvent, { type: T }> => e.type === type)
  }
}

/** Start a PollEngine on `configFile` in this process; stopped in afterAll if the test does not stop it. */
function startEngine(configFile: string): { engine: PollEngine; rec: Recorder } {
  const rec = new Recorder()
  const engine = new PollEngine(loadConfigFile(configFile), {
    samples: (samples) => {
      const status = rec.engine?.status() ?? []
      const transactions = status.reduce((n, bus) => n + bus.transactions, 0)
      // one call per poll of one device (or per reporting of an unreachable one)
      const byDevice = new Map<string, Sample[]>()
      for (const s of samples) byDevice.set(s.device, [...(byDevice.get(s.device) ?? []), s])
      for (const [device, list] of byDevice) rec.batches.push({ device, at: Date.now(), samples: list, transactions })
    },
    event: (event) => rec.events.push({ at: Date.now(), event }),
  })
  rec.engine = engine
  engines.add(engine)
  engine.start()
  return { engine, rec }
}

async function stopEngine(engine: PollEngine): Promise<void> {
  await engine.stop()
  engines.delete(engine)
}

/** Problems with one sample against a vector: [] when it equals the vector exactly (value and quality). */
function againstVector(sample: Sample, profile: Profile, vector = 0): string[] {
  const expected = expectedReadings(profile, vector).get(sample.channel)
  if (!expected) return [`${sample.device}.${sample.channel}: no such channel in ${profile.id}`]
  const problems: string[] = []
  if (sample.quality !== expected.quality) problems.push(`${sample.device}.${sample.channel}: quality ${sample.quality} (${sample.reason ?? ''}), expected ${expected.quality}`)
  if (!sameReading(expected, sample.value)) problems.push(`${sample.device}.${sample.channel}: value ${JSON.stringify(sample.value)}, expected ${JSON.stringify(expected.value)}`)
  return problems
}

// =========================================================================================== 1

describe('a dead unit on a shared RTU bus', () => {
  const POLL_MS = 300
  const devices = [1, 2, 3, 4].map((unit) => ({ id: `ch4-${unit}`, bus: 'rs485', unit, profile: GJC4.id, pollMs: POLL_MS, priority: 'safety' as const }))
  const live = ['ch4-1', 'ch4-2', 'ch4-3']
  // two lines with the same config but for the path: a healthy one (units 1-4 served) and one where unit 4 is dead
  let healthyConfig: string
  let config: string

  beforeAll(async () => {
    const simulate = (device: string, units: string) =>
      startSimulator(['--rtu', device, '--baud', '9600', '--wire-timing', '--profile', GJC4.id, '--unit', units, '--scenario', 'static'], `simulator ${units}`)
    const bus = (path: string) => [rtuBus('rs485', path, { baud: 9600, timeoutMs: 300, retries: 1 })]
    const [healthyLine, deadLine] = await Promise.all([startLinkedPair('healthy'), startLinkedPair('dead-unit')])
    // unit 4 dead: not served at all (an RS-485 slave that lost power is silent)
    await Promise.all([simulate(healthyLine.device, '1-4'), simulate(deadLine.device, '1-3')])
    healthyConfig = writeGatewayConfig(dir.path, { buses: bus(healthyLine.agent), devices }, 'healthy.yaml')
    config = writeGatewayConfig(dir.path, { buses: bus(deadLine.agent), devices }, 'dead-unit.yaml')
  })

  it('goes offline and quarantined, reports only comm-fail, and the others keep reading good', async () => {
    // the same config with all four units answering first (one engine at a time, so they do not share the CPU)
    const healthy = startEngine(healthyConfig)
    await until('four polls of every unit on the healthy line', () => [...live, 'ch4-4'].every((id) => healthy.rec.polls(id).length > 3), { timeoutMs: 20_000 })
    await stopEngine(healthy.engine)
    for (const id of [...live, 'ch4-4']) expect(healthy.rec.polls(id).length, id).toBeGreaterThan(3)

    const { engine, rec } = startEngine(config)
    const offlineEvent = () => rec.events.find((e) => e.event.type === 'device-state' && e.event.device === 'ch4-4' && e.event.to === 'offline')
    const quarantined: number[] = []
    await until('ch4-4 offline and shown quarantined, and four polls of each other unit since', () => {
      const device = engine.status()[0]!.devices.find((d) => d.id === 'ch4-4')
      if (device?.quarantinedUntil !== undefined) quarantined.push(device.quarantinedUntil)
      const offline = offlineEvent()
      return offline !== undefined && quarantined.length > 0 && live.every((id) => rec.polls(id, offline.at).length > 3)
    }, { timeoutMs: 30_000, everyMs: 50 })
    const status: BusStatus = engine.status()[0]!
    await stopEngine(engine)

    // the dead device: offline event, quarantine, comm-fail only
    const offline = offlineEvent()
    expect(offline, 'device-state offline event for ch4-4').toBeDefined()
    expect(quarantined.length, 'status() showed ch4-4 quarantined').toBeGreaterThan(0)
    expect(status.devices.find((d) => d.id === 'ch4-4')!.state).toBe('offline')
    const dead = rec.samples('ch4-4')
    expect(dead.length).toBeGreaterThan(0)
    for (const s of dead) expect(s, 'a sample of the dead unit').toMatchObject({ value: null, quality: 'comm-fail' })

    // the others: never left online, every sample equal to the vector, still polled after the dead one went offline
    for (const e of rec.eventsOf('device-state').filter((e) => e.device !== 'ch4-4')) expect(e.to, `${e.device} state`).toBe('online')
    for (const id of live) {
      const problems = rec.samples(id).flatMap((s) => againstVector(s, GJC4))
      expect(problems, id).toEqual([])
      expect(rec.polls(id, offline!.at).length, `${id} polls after ch4-4 went offline`).toBeGreaterThan(3)
    }
  }, 60_000)
})

// =========================================================================================== 2

describe('the serial port vanishing under the engine (socat killed) and coming back', () => {
  const POLL_MS = 500
  /** comm-fail reports of each device after the port went away: each follows a failed try to reopen it */
  const REOPEN_TRIES = 4

  it('reports the line down and comm-fail, then reopens and reads good again without a restart; prints the poll periods to recovery', async () => {
    let pair = await startLinkedPair('unplug')
    const simArgs = ['--rtu', pair.device, '--baud', '9600', '--profile', GJC4.id, '--unit', '1-2', '--scenario', 'static']
    let simulator = await startSimulator(simArgs, 'simulator before unplug')
    const config = writeGatewayConfig(dir.path, {
      buses: [rtuBus('rs485', pair.agent, { baud: 9600, timeoutMs: 300, retries: 1 })],
      devices: [1, 2].map((unit) => ({ id: `ch4-${unit}`, bus: 'rs485', unit, profile: GJC4.id, pollMs: POLL_MS })),
    }, 'unplug.yaml')
    const { engine, rec } = startEngine(config)
    const ids = ['ch4-1', 'ch4-2']
    const good = (id: string, since: number) => rec.polls(id, since).some((b) => b.samples.every((s) => s.quality === 'good'))
    await until('good samples from both devices before the unplug', () => ids.every((id) => good(id, 0)), { timeoutMs: 20_000 })

    // unplug: the pty disappears (socat removes its links on SIGTERM)
    const unpluggedAt = Date.now()
    await pair.proc.stop('SIGTERM')
    await until('a line-state down event', () => rec.eventsOf('line-state').some((e) => e.state === 'down'), { timeoutMs: 15_000 })
    await until('comm-fail samples of both devices', () => ids.every((id) => rec.polls(id, unpluggedAt).some((b) => b.samples.every((s) => s.quality === 'comm-fail'))), { timeoutMs: 15_000 })
    await simulator.stop()
    // the engine tries to reopen the vanished port, and reports both devices unreachable after each failed try
    const goneAt = Date.now()
    await until('failed reopen attempts while the port is gone', () => ids.every((id) => rec.polls(id, goneAt).length >= REOPEN_TRIES), { timeoutMs: 15_000 })
    expect(rec.eventsOf('line-state').some((e) => e.state === 'open'), 'no line-state open while the port is gone').toBe(false)

    // plug back in: same link names, the device end served again
    const portBackAt = Date.now()
    pair = await startLinkedPair('unplug')
    simulator = await startSimulator(simArgs, 'simulator after unplug')
    const backAt = Date.now()
    await until('a line-state open event', () => rec.eventsOf('line-state').some((e) => e.state === 'open'), { timeoutMs: 45_000 })
    await until('good samples from both devices after the port came back', () => ids.every((id) => good(id, backAt)), { timeoutMs: 45_000 })
    const recoveredAt = Math.max(...ids.map((id) => rec.polls(id, backAt).find((b) => b.samples.every((s) => s.quality === 'good'))!.at))
    const status = engine.status()[0]!
    await stopEngine(engine)

    // what was reported while unplugged: comm-fail and null, never a value; after: the vector again
    const downAt = rec.events.find((e) => e.event.type === 'line-state' && e.event.state === 'down')!.at
    const openAt = rec.events.find((e) => e.event.type === 'line-state' && e.event.state === 'open')!.at
    for (const id of ids) {
      for (const b of rec.polls(id, downAt + 1).filter((b) => b.at < backAt)) {
        // a poll in flight at the unplug may carry the blocks it read before the line went away: those are real readings
        for (const s of b.samples) {
          if (s.quality === 'comm-fail') expect(s.value).toBeNull()
          else expect(againstVector(s, GJC4)).toEqual([])
        }
      }
      for (const b of rec.polls(id, recoveredAt)) expect(b.samples.flatMap((s) => againstVector(s, GJC4)), id).toEqual([])
    }
    expect(status.open).toBe(true)
    expect(rec.eventsOf('line-state').map((e) => e.state)).toEqual(['down', 'open'])

    const periods = (ms: number) => `${(ms / POLL_MS).toFixed(1)} poll periods`
    console.log([
      `serial port unplugged under the engine (socat killed, pollMs ${POLL_MS}): line down reported ${downAt - unpluggedAt} ms after the unplug; port away ${portBackAt - unpluggedAt} ms`,
      `  port back (socat restarted) → line open ${openAt - portBackAt} ms = ${periods(openAt - portBackAt)} (the engine retries opening with a doubling back-off)`,
      `  line open → first good samples of every device ${recoveredAt - openAt} ms = ${periods(recoveredAt - openAt)} (the device end answered ${backAt - portBackAt} ms after the port was back)`,
      `  port back → good samples ${recoveredAt - portBackAt} ms = ${periods(recoveredAt - portBackAt)}; device end answering → good samples ${recoveredAt - backAt} ms = ${periods(recoveredAt - backAt)}`,
    ].join('\n'))
  }, 90_000)
})

// =========================================================================================== 3

/** A device with no fault flag and no sentinel, identified by FC 43/14: `--scenario fault` makes it answer exception 04. */
const PLAIN_PROFILE = `
id: test-plain-transmitter
version: 1.0.0
vendor: Test
model: P4
name: { en: Plain transmitter, zh: 普通变送器 }
kind: gas-detector
systems: [monitoring]
transports: [rtu, tcp]
identification:
  deviceId: { vendorName: Test Co, productCode: P4, revision: "1.0" }
channels:
  - { id: co, name: { en: CO, zh: 一氧化碳 }, table: holding, address: 0, type: uint16, unit: ppm }
  - { id: h2s, name: { en: H2S, zh: 硫化氢 }, table: holding, address: 1, type: uint16, unit: ppm }
vectors:
  - name: clean air
    registers: { holding: { "0": [3, 1] } }
    expect: { co: 3, h2s: 1 }
`

/** The same, identified by a signature register instead: identification reads a holding register. */
const SIGNATURE_PROFILE = PLAIN_PROFILE
  .replace('id: test-plain-transmitter', 'id: test-signature-transmitter')
  .replace('deviceId: { vendorName: Test Co, productCode: P4, revision: "1.0" }', 'signature: { table: holding, address: 10, values: [0x5034] }')
  .replace('  - { id: h2s,', '  - { id: signature, name: { en: Signature, zh: 标识 }, table: holding, address: 10, type: uint16, role: identity }\n  - { id: h2s,')
  .replace('registers: { holding: { "0": [3, 1] } }', 'registers: { holding: { "0": [3, 1], "10": [0x5034] } }')

/** Six registers read as one block; the pymodbus image below leaves out holding 3. */
const SPARSE_PROFILE = `
id: test-six-registers
version: 1.0.0
vendor: Test
model: S6
name: { en: Six registers, zh: 六寄存器 }
kind: gas-detector
systems: [monitoring]
transports: [tcp]
identification:
  deviceId: { vendorName: Test Co, productCode: S6, revision: "2.1" }
channels:
${[0, 1, 2, 3, 4, 5].map((a) => `  - { id: r${a}, name: { en: R${a}, zh: R${a} }, table: holding, address: ${a}, type: uint16, unit: ppm }`).join('\n')}
  - { id: r8, name: { en: R8, zh: R8 }, table: holding, address: 8, type: uint16, unit: ppm }
vectors:
  - name: counting
    registers: { holding: { "0": [100, 101, 102, 103, 104, 105, 0, 0, 108] } }
    expect: { r0: 100, r1: 101, r2: 102, r3: 103, r4: 104, r5: 105, r8: 108 }
`

/** Two blocks of two holding registers far apart: same function code, same answer length, different values. */
const TWO_BLOCKS_PROFILE = `
id: test-two-blocks
version: 1.0.0
vendor: Test
model: T2
name: { en: Two blocks, zh: 两块 }
kind: gas-detector
systems: [monitoring]
transports: [rtu]
identification:
  deviceId: { vendorName: Test Co, productCode: T2, revision: "1.0" }
channels:
  - { id: ch4, name: { en: Methane, zh: 甲烷 }, table: holding, address: 0, type: uint16, scale: 0.01, unit: '%CH4' }
  - { id: co, name: { en: CO, zh: 一氧化碳 }, table: holding, address: 1, type: uint16, unit: ppm }
  - { id: o2, name: { en: Oxygen, zh: 氧气 }, table: holding, address: 50, type: uint16, scale: 0.1, unit: '%VOL' }
  - { id: h2s, name: { en: H2S, zh: 硫化氢 }, table: holding, address: 51, type: uint16, unit: ppm }
vectors:
  - name: normal air
    registers: { holding: { "0": [50, 3], "50": [209, 1] } }
    expect: { ch4: 0.5, co: 3, o2: 20.9, h2s: 1 }
`

function profileOf(file: string, text: string): Profile {
  const { profile, problems } = parseProfile(file, text)
  if (!profile) throw new Error(`test profile ${file} invalid: ${JSON.stringify(problems)}`)
  return profile
}

describe('devices answering exception codes', () => {
  it('exception 04 to every read: device-fault samples and a fault event, still polled; a fault flag reads device-fault; a healthy neighbour stays good', async () => {
    const plainFile = writeProfile(dir.path, 'plain.yaml', PLAIN_PROFILE)
    const plain = profileOf(plainFile, PLAIN_PROFILE)
    const port = await freePort()
    await startSimulator(['--tcp', `127.0.0.1:${port}`, '--device', `1:${plainFile}:fault`, '--device', `2:${TSM8.id}:fault`, '--device', `3:${TSM8.id}:static`], 'simulator faults')
    const config = writeGatewayConfig(dir.path, {
      buses: [tcpBus('endpoint', port, { timeoutMs: 1000 })],
      devices: [
        { id: 'plain-04', bus: 'endpoint', unit: 1, profile: 'plain.yaml', pollMs: 200 },
        { id: 'tailings-flagged', bus: 'endpoint', unit: 2, profile: TSM8.id, pollMs: 200 },
        { id: 'tailings-ok', bus: 'endpoint', unit: 3, profile: TSM8.id, pollMs: 200 },
      ],
    }, 'exceptions.yaml')
    const { engine, rec } = startEngine(config)
    await until('five polls of every device', () => ['plain-04', 'tailings-flagged', 'tailings-ok'].every((id) => rec.polls(id).length >= 5), { timeoutMs: 20_000 })
    const status = engine.status()[0]!
    await stopEngine(engine)

    // exception 04: device-fault, the exception as reason, a fault event, polled on (not taken for a dead device)
    const plainSamples = rec.samples('plain-04')
    expect(plainSamples.length).toBeGreaterThanOrEqual(5 * plain.channels.length)
    for (const s of plainSamples) {
      expect(s).toMatchObject({ value: null, quality: 'device-fault' })
      expect(s.reason).toMatch(/exception 4|server device failure/iu)
    }
    expect(rec.eventsOf('device-state').find((e) => e.device === 'plain-04')).toMatchObject({ from: 'unknown', to: 'fault' })
    expect(rec.eventsOf('device-state').filter((e) => e.device === 'plain-04').map((e) => e.to)).toEqual(['fault'])
    expect(status.devices.find((d) => d.id === 'plain-04')).toMatchObject({ state: 'fault' })
    expect(status.devices.find((d) => d.id === 'plain-04')!.quarantinedUntil).toBeUndefined()

    // a fault flag: the measurements it applies to are device-fault, with the flag's reason; a fault event
    expect(rec.eventsOf('device-state').find((e) => e.device === 'tailings-flagged')).toMatchObject({ to: 'fault' })
    const flagged = rec.samples('tailings-flagged')
    const guarded = new Map((TSM8.quality ?? []).flatMap((rule) => (rule.applies ?? []).map((channel) => [channel, rule.reason] as const)))
    expect(guarded.size).toBeGreaterThanOrEqual(5)
    for (const s of flagged) {
      if (s.quality === 'comm-fail') throw new Error(`comm-fail from an answering device: ${JSON.stringify(s)}`)
      if (guarded.has(s.channel)) {
        expect(s.quality, `${s.channel} under its fault flag`).toBe('device-fault')
        expect(s.reason).toContain(guarded.get(s.channel))
      }
    }

    // the neighbour on the same connection: every sample exactly vector 0
    expect(rec.samples('tailings-ok').flatMap((s) => againstVector(s, TSM8))).toEqual([])
    expect(rec.eventsOf('device-state').filter((e) => e.device === 'tailings-ok').map((e) => e.to)).toEqual(['online'])
  }, 60_000)

  it('exception 02 inside a merged block: the block is split for good, the other channels read good, the refused one is device-fault', async () => {
    const file = writeProfile(dir.path, 'six-registers.yaml', SPARSE_PROFILE)
    const six = profileOf(file, SPARSE_PROFILE)
    // holding 3 is missing, and so are the filler registers 6 and 7 the planner reads to merge r8 in
    const spec = { units: { 5: unitSpec(six, 0, { omit: [{ table: 'holding', address: 3 }, { table: 'holding', address: 6 }, { table: 'holding', address: 7 }] }) } }
    const { match } = await startPymodbus(TCP_SERVER, 'pymodbus-sparse', spec, ['--port', '0'])
    const config = writeGatewayConfig(dir.path, {
      buses: [tcpBus('sparse', Number(match[1]), { timeoutMs: 1000 })],
      devices: [{ id: 'six', bus: 'sparse', unit: 5, profile: 'six-registers.yaml', pollMs: 100 }],
    }, 'sparse.yaml')
    const { engine, rec } = startEngine(config)
    await until('eight polls', () => rec.polls('six').length >= 8, { timeoutMs: 20_000 })
    await stopEngine(engine)

    for (const poll of rec.polls('six')) {
      for (const s of poll.samples) {
        if (s.channel === 'r3') {
          expect(s).toMatchObject({ value: null, quality: 'device-fault' })
          expect(s.reason).toMatch(/refuses|exception 02|illegal data address/iu)
        } else {
          expect(againstVector(s, six)).toEqual([])
        }
      }
    }
    // split for good: every poll after the first costs the same number of transactions, fewer than the first
    const costs = rec.polls('six').map((b, i, all) => b.transactions - (i === 0 ? 0 : all[i - 1]!.transactions))
    const later = costs.slice(2)
    expect(new Set(later).size, `transactions per poll ${costs.join(', ')}`).toBe(1)
    expect(later[0]!).toBeLessThan(costs[0]!)
    expect(rec.eventsOf('device-state').filter((e) => e.device === 'six').map((e) => e.to)).not.toContain('offline')
    console.log(`exception 02 inside a merged block: transactions per poll ${costs.slice(0, 4).join(', ')}, … (first poll learns the split)`)
  }, 60_000)

  it('a device that failed (exception 04) while being identified reads good once it answers again, without an agent restart', async () => {
    const file = writeProfile(dir.path, 'signature.yaml', SIGNATURE_PROFILE)
    const signature = profileOf(file, SIGNATURE_PROFILE)
    const port = await freePort()
    const faulty = await startSimulator(['--tcp', `127.0.0.1:${port}`, '--device', `1:${file}:fault`], 'simulator failing at identification')
    const config = writeGatewayConfig(dir.path, {
      buses: [tcpBus('endpoint', port, { timeoutMs: 1000 })],
      devices: [{ id: 'transmitter', bus: 'endpoint', unit: 1, profile: 'signature.yaml', pollMs: 200 }],
    }, 'identify-fault.yaml')
    const { engine, rec } = startEngine(config)
    await until('two polls while the device fails', () => rec.polls('transmitter').length >= 2, { timeoutMs: 20_000 })
    for (const s of rec.samples('transmitter')) expect(s).toMatchObject({ value: null, quality: 'device-fault' })

    // the device recovers (a restart of its firmware): same port, same registers, answering normally
    await faulty.stop()
    await startSimulator(['--tcp', `127.0.0.1:${port}`, '--device', `1:${file}:static`], 'simulator recovered')
    const recoveredAt = Date.now()
    try {
      await until('good samples after the device recovered', () => rec.polls('transmitter', recoveredAt).some((b) => b.samples.every((s) => s.quality === 'good')), { timeoutMs: 5_000 })
    } catch (error) {
      const last = rec.polls('transmitter').at(-1)?.samples[0]
      throw new Error(`${(error as Error).message}; the last sample still says ${last?.quality}: ${last?.reason ?? ''}`)
    } finally {
      await stopEngine(engine)
    }
    const after = rec.polls('transmitter', recoveredAt).filter((b) => b.samples.every((s) => s.quality === 'good'))
    for (const b of after) expect(b.samples.flatMap((s) => againstVector(s, signature))).toEqual([])
  }, 60_000)
})

// =========================================================================================== 4

describe('garbage on the RTU line', () => {
  const MODES = [
    'good', 'crc', 'crc', 'good', 'noise-before', 'good', 'noise-after', 'good', 'truncated', 'noise-only',
    'good', 'silent', 'good', 'late', 'good', 'good', 'noise-before', 'noise-after', 'good', 'crc', 'good',
  ]

  it('never emits a wrong value: every sample equals the vector or is comm-fail with no value', async () => {
    const pair = await startLinkedPair('garbage')
    const units = [
      { id: 'laser-ch4', unit: 1, profile: library.get('generic-gjg10j-laser-methane')! },
      { id: 'power-cut', unit: 2, profile: library.get('generic-kdg4-power-cut-controller')! },
      { id: 'ch4', unit: 3, profile: GJC4 },
    ]
    const spec = { units: Object.fromEntries(units.map((u) => [String(u.unit), unitSpec(u.profile, 0)])) }
    const { proc: server } = await startPymodbus(RTU_SERVER, 'pymodbus-rtu-garbage', spec, [
      '--port', pair.device, '--baud', '9600', '--corrupt', MODES.join(','), '--seed', '7', '--late-ms', '420',
    ])
    const config = writeGatewayConfig(dir.path, {
      buses: [rtuBus('rs485', pair.agent, { baud: 9600, timeoutMs: 300, retries: 1 })],
      devices: units.map((u) => ({ id: u.id, bus: 'rs485', unit: u.unit, profile: u.profile.id, pollMs: 250 })),
    }, 'garbage.yaml')
    const { engine, rec } = startEngine(config)
    await until('ten polls of every device', () => units.every((u) => rec.polls(u.id).length >= 10), { timeoutMs: 40_000 })
    await stopEngine(engine)
    await server.stop()
    const tally = JSON.parse(/^tally (.*)$/mu.exec(server.stdout)?.[1] ?? 'null') as Record<string, number> | null
    expect(tally, `the corrupting server's tally: ${server.describe()}`).not.toBeNull()
    for (const mode of new Set(MODES)) expect(tally![mode], `answers sent as ${mode}`).toBeGreaterThan(0)

    let good = 0
    let commFail = 0
    const wrong: string[] = []
    for (const u of units) {
      for (const s of rec.samples(u.id)) {
        if (s.quality === 'comm-fail') {
          commFail++
          if (s.value !== null) wrong.push(`${s.device}.${s.channel}: comm-fail carrying value ${JSON.stringify(s.value)}`)
          continue
        }
        if (s.quality === 'good') good++
        wrong.push(...againstVector(s, u.profile))
      }
      expect(rec.polls(u.id).some((b) => b.samples.every((s) => s.quality !== 'comm-fail')), `${u.id} read completely at least once`).toBe(true)
    }
    expect(wrong).toEqual([])
    expect(good).toBeGreaterThan(0)
    expect(commFail, 'runs of two corrupted answers exhaust the retry: comm-fail').toBeGreaterThan(0)
    console.log(`garbage on the RTU line: answers ${JSON.stringify(tally)}; samples good ${good}, comm-fail ${commFail}, wrong 0`)
  }, 60_000)

  it('never takes a late answer (after the timeout) for the answer to another request', async () => {
    // two blocks of the same function code and size (holding 0-1 and 50-51) with different contents:
    // the one case where a stray, CRC-valid frame of one block could pass for the other's answer
    const file = writeProfile(dir.path, 'two-blocks.yaml', TWO_BLOCKS_PROFILE)
    const two = profileOf(file, TWO_BLOCKS_PROFILE)
    const pair = await startLinkedPair('late')
    // every answer takes 80 ms (a device's turnaround; a pty has no wire time); every eighth comes 430 ms
    // after its request, i.e. after the agent's 300 ms timeout, while the agent's retry is out
    const { proc: server } = await startPymodbus(RTU_SERVER, 'pymodbus-rtu-late', { units: { 1: unitSpec(two, 0) } }, [
      '--port', pair.device, '--baud', '9600', '--corrupt', 'good,good,good,late,good,good,good,good', '--late-ms', '430', '--answer-delay-ms', '80',
    ])
    const config = writeGatewayConfig(dir.path, {
      buses: [rtuBus('rs485', pair.agent, { baud: 9600, timeoutMs: 300, retries: 1 })],
      devices: [{ id: 'two-blocks', bus: 'rs485', unit: 1, profile: 'two-blocks.yaml', pollMs: 400 }],
    }, 'late.yaml')
    const { engine, rec } = startEngine(config)
    await until('ten polls', () => rec.polls('two-blocks').length >= 10, { timeoutMs: 40_000 })
    await stopEngine(engine)
    await server.stop()
    const tally = JSON.parse(/^tally (.*)$/mu.exec(server.stdout)?.[1] ?? 'null') as Record<string, number> | null
    expect(tally?.late, 'late answers sent').toBeGreaterThan(0)
    const wrong: string[] = []
    for (const s of rec.samples('two-blocks')) {
      if (s.quality === 'comm-fail') {
        if (s.value !== null) wrong.push(`${s.channel}: comm-fail carrying ${JSON.stringify(s.value)}`)
      } else {
        wrong.push(...againstVector(s, two).map((p) => `${p} at ${new Date(s.ts).toISOString()}`))
      }
    }
    console.log(`late answers on the RTU line: answers ${JSON.stringify(tally)}; ${rec.polls('two-blocks').length} polls, ${wrong.length} wrong samples`)
    expect(wrong, 'samples that are not the device\'s registers (a stray late frame taken for another block)').toEqual([])
  }, 60_000)
})
