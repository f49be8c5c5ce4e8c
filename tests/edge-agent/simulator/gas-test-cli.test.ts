/**
 * `edge-agent simulate` in its own process over RTU on a socat pty pair, as a commissioning test will drive it:
 * a catalytic methane sensor in the gas-test scenario (T90 5 s) and two KDG-4 power-cut controllers, one working
 * (`static`) and one `stuck`, read and written by a real Modbus master (modbus-serial), with test gas applied and
 * removed through the simulator's control (newline-delimited JSON on the loopback port its ready line reports).
 * Nothing asserts a wall-clock timing: the shape of the response, and what the control answers.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadLibrary } from '../../../hardware-profiles/index.ts'
import { startSimulator } from '../../../edge-agent/src/simulator/index.ts'
import { ModbusClient } from '../../support/modbus-client.ts'
import { ProcessGroup } from '../../support/processes.ts'
import { simulatorControl, type SimulatorControl } from '../../support/simulator-control.ts'
import { startPtyPair, type PtyPair } from '../../support/socat.ts'
import { until } from '../../support/until.ts'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..')
const CLI = join(ROOT, 'edge-agent/bin/edge-agent.js')
const METHANE = 'ccri-gjc4-catalytic-methane'
const KDG4 = 'generic-kdg4-power-cut-controller'
const NOISE = 0.02 // the methane channel's simulate.noise
const STEP = 0.01 // one count of the methane register

const group = new ProcessGroup()
const master = new ModbusClient()
let pty: PtyPair
let control: SimulatorControl
let controlAddress: string

beforeAll(async () => {
  pty = await startPtyPair()
  const { match } = await group.startReady(process.execPath, [CLI, 'simulate', '--rtu', pty.a, '--baud', '9600',
    '--device', `1:${METHANE}:gas-test`, '--device', `5:${KDG4}:static`, '--device', `6:${KDG4}:stuck`,
    '--gas-t90-s', '5', '--feedback-delay-ms', '300', '--control', '127.0.0.1:0'],
  /^simulator ready rtu (\S+) units ([\d,]+) control (127\.0\.0\.1:\d+)$/u, { cwd: ROOT, name: 'edge-agent simulate', timeoutMs: 30_000 })
  expect(match[2]).toBe('1,5,6')
  controlAddress = match[3]!
  control = await simulatorControl(controlAddress)
  await master.connectRTUBuffered(pty.b, { baudRate: 9600 })
  master.setTimeout(2_000)
}, 60_000)

afterAll(async () => {
  await control?.close()
  await new Promise<void>((resolve) => (master.isOpen ? master.close(() => resolve()) : resolve()))
  await group.stopAll()
  await pty?.stop()
})

async function methane(): Promise<number> {
  master.setID(1)
  return (await master.readInputRegisters(0, 1)).data[0]! / 100
}

/** Reads until `done` holds for a reading; every reading on the way, in order. */
async function readUntil(what: string, done: (value: number) => boolean): Promise<number[]> {
  const series: number[] = []
  await until(what, async () => {
    series.push(await methane())
    return done(series.at(-1)!)
  }, { timeoutMs: 60_000, everyMs: 50 })
  return series
}

/** Never moving back by more than the noise can explain, in the direction `sign` (1 rising, -1 falling). */
function expectMonotoneWithinNoise(series: number[], sign: 1 | -1): void {
  for (let i = 1; i < series.length; i++) expect(sign * (series[i]! - series[i - 1]!)).toBeGreaterThanOrEqual(-(2 * NOISE + STEP))
}

describe('edge-agent simulate --device UNIT:PROFILE:gas-test with --control, over RTU', () => {
  it('reads clean air, follows 2.0 %CH4 of test gas up gradually, and returns to clean air after removal', async () => {
    for (let i = 0; i < 5; i++) expect(await methane()).toBeLessThanOrEqual(NOISE)
    expect(await control.state(1)).toEqual([{ channel: 'ch4', engineeringUnit: '%CH4', cleanAir: 0, target: 0, value: expect.any(Number) }])

    expect((await control.apply(1, 'ch4', 2.0))[0]).toMatchObject({ channel: 'ch4', target: 2 })
    const rise = await readUntil('methane above 1.8 %CH4', (value) => value > 1.8)
    expectMonotoneWithinNoise(rise, 1)
    // a first-order response passes through the values between, where a step would jump
    expect(rise.some((value) => value > 0.3 && value < 1.7)).toBe(true)
    const plateau = await readUntil('methane at 2.0 %CH4 within the noise', (value) => value >= 2 - NOISE - STEP)
    expect(Math.max(...rise, ...plateau)).toBeLessThanOrEqual(2 + NOISE + STEP)

    expect((await control.remove(1))[0]).toMatchObject({ target: 0 })
    const fall = await readUntil('methane back below 0.2 %CH4', (value) => value < 0.2)
    expectMonotoneWithinNoise(fall, -1)
    expect(fall.some((value) => value > 0.3 && value < 1.7)).toBe(true)
  }, 120_000)

  it('answers every request on one connection with one line, refusals included, and stays usable', async () => {
    expect(await control.send('this is not json')).toMatchObject({ ok: false, code: 'SIMULATOR_BAD_REQUEST', message: expect.stringMatching(/^not JSON/u) })
    expect(await control.send('{"unit":9,"state":true}')).toEqual({ ok: false, code: 'SIMULATOR_UNKNOWN_UNIT', message: 'no simulated unit 9; units 1, 5, 6' })
    expect(await control.send('{"unit":1,"apply":{"channel":"co","value":50}}')).toMatchObject({ ok: false, code: 'SIMULATOR_UNKNOWN_CHANNEL', message: expect.stringContaining('measures ch4') })
    expect(await control.send('{"unit":5,"remove":true}')).toEqual({ ok: false, code: 'SIMULATOR_NOT_GAS_TEST', message: 'unit 5 runs the static scenario, not gas-test' })
    expect(await control.send('{"unit":1,"apply":{"channel":"ch4","value":"lots"}}')).toMatchObject({ ok: false, message: 'request.apply.value: must be number' })
    expect(await control.send(`{"unit":1,"pad":"${'x'.repeat(70_000)}"}`)).toMatchObject({ ok: false, message: 'request line longer than 65536 bytes' })
    expect(await control.send('{"unit":1,"state":true}')).toMatchObject({ ok: true, unit: 1, channels: [{ channel: 'ch4' }] })
    // a second client is served alongside the first
    const second = await simulatorControl(controlAddress)
    try {
      expect(await second.state(1)).toHaveLength(1)
    } finally {
      await second.close()
    }
  })
})

describe('KDG-4 power-cut controllers on the same line: feedback after --feedback-delay-ms, or never when stuck', () => {
  const feed1 = async (unit: number) => {
    master.setID(unit)
    return (await master.readDiscreteInputs(0, 1)).data[0]
  }
  const cut1 = async (unit: number) => {
    master.setID(unit)
    return (await master.readCoils(0, 1)).data[0]
  }

  it('a working controller drops feed_1 once cut_1 is written; a stuck one acknowledges and changes nothing', async () => {
    expect(await feed1(5)).toBe(true)
    expect(await feed1(6)).toBe(true)
    // the stuck unit first: once the working one's delay has passed, the stuck one's has too
    master.setID(6)
    await master.writeCoil(0, true)
    master.setID(5)
    await master.writeCoil(0, true)
    expect(await cut1(5)).toBe(true)
    await until('feed_1 of the working controller to read no power (inverted feedback)', async () => (await feed1(5)) === false, { timeoutMs: 10_000 })
    expect(await cut1(6)).toBe(false)
    expect(await feed1(6)).toBe(true)

    master.setID(5)
    await master.writeCoil(0, false)
    await until('feed_1 of the working controller to read power again', async () => (await feed1(5)) === true, { timeoutMs: 10_000 })
    expect(await feed1(6)).toBe(true)
  })
})

describe('startSimulator with a control, in process (as the fleet demo runs it)', () => {
  it('reports the bound control address, shares the devices between its methods and the socket, and closes both', async () => {
    const profile = loadLibrary().find((p) => p.id === METHANE)!
    const simulator = await startSimulator({
      units: [{ unit: 3, profile, scenario: 'gas-test' }], tcp: { host: '127.0.0.1', port: 0 }, control: { host: '127.0.0.1', port: 0 }, gas: { t90Ms: 1_000, noise: 0 },
    })
    const client = await simulatorControl(simulator.control!)
    try {
      expect(simulator.control).toMatch(/^127\.0\.0\.1:\d+$/u)
      expect(simulator.applyGas(3, 'ch4', 1.2)[0]).toMatchObject({ target: 1.2 })
      expect((await client.state(3))[0]).toMatchObject({ target: 1.2 })
      await client.remove(3)
      expect(simulator.gasState(3)[0]).toMatchObject({ target: 0 })
    } finally {
      await simulator.close()
    }
    await expect(client.state(3)).rejects.toThrow(/closed the connection/u)
  })
})
