/**
 * Integration: ModbusSerialMaster's identification requests (FC 43/14 basic and regular, FC 17) against real
 * servers — pymodbus 3.0 over TCP and over a socat pty pair (its RTU framer), and the repo's simulator over a
 * pty — and the exception answer of a device that lacks FC 43/14.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ModbusSerialMaster, type LineSpec } from '../../../edge-agent/src/modbus/modbus-serial-master.ts'
import { startSimulator, type Simulator } from '../../../edge-agent/src/simulator/index.ts'
import { ModbusExceptionError, type DeviceIdentity, type ServerIdReport } from '../../../protocols/modbus/index.ts'
import { freePort } from '../../support/ports.ts'
import { ProcessGroup, SYSTEM_PYTHON } from '../../support/processes.ts'
import { GAS_PROFILE, profileFromYaml } from '../../support/profiles.ts'
import { startPtyPair, type PtyPair } from '../../support/socat.ts'

const PYMODBUS = join(dirname(fileURLToPath(import.meta.url)), '../../support/pymodbus')
const TIMEOUT_MS = 2_000

const PY_IDENTITY = {
  vendorName: 'PyCo', productCode: 'PC-1', revision: '3.0', vendorUrl: 'http://pyco.example', productName: 'Py detector', modelName: 'PD-7',
}
const PY_SPEC = { units: { 1: { registers: { holding: { 0: [1] } }, identity: PY_IDENTITY } } }

const rtu = (path: string): LineSpec => ({ kind: 'rtu', path, baud: 19200, parity: 'none', dataBits: 8, stopBits: 1 })

const identify = (master: ModbusSerialMaster, unit: number, objects?: 'basic' | 'regular') =>
  master.execute({ kind: 'identify', unit, ...(objects && { objects }) }, TIMEOUT_MS) as Promise<DeviceIdentity>
const reportServerId = (master: ModbusSerialMaster, unit: number) =>
  master.execute({ kind: 'report-server-id', unit }, TIMEOUT_MS) as Promise<ServerIdReport>

const group = new ProcessGroup()
const masters: ModbusSerialMaster[] = []
const ptys: PtyPair[] = []

async function opened(line: LineSpec): Promise<ModbusSerialMaster> {
  const master = new ModbusSerialMaster(line)
  masters.push(master)
  await master.open()
  return master
}

async function ptyPair(): Promise<PtyPair> {
  const pair = await startPtyPair()
  ptys.push(pair)
  return pair
}

afterAll(async () => {
  await Promise.all(masters.map((m) => m.close()))
  await group.stopAll()
  await Promise.all(ptys.map((p) => p.stop()))
})

/** pymodbus answers FC 17 from its one server-wide identity, empty here: its own name, running. */
function expectPymodbusServerId(report: ServerIdReport): void {
  expect(report).toEqual({
    serverId: [...Buffer.from('Pymodbus')], running: true, additional: [], text: 'Pymodbus', data: [...Buffer.from('Pymodbus'), 0xff],
  })
}

describe('ModbusSerialMaster against pymodbus over TCP', () => {
  let master: ModbusSerialMaster
  beforeAll(async () => {
    const port = await freePort()
    await group.startReady(SYSTEM_PYTHON, [join(PYMODBUS, 'tcp_server.py'), '--port', String(port), '--spec', JSON.stringify(PY_SPEC)], /^ready \d+$/u, { name: 'pymodbus tcp_server.py' })
    master = await opened({ kind: 'tcp', host: '127.0.0.1', port })
  })

  it('reads the basic objects by default and all six with regular', async () => {
    const { vendorName, productCode, revision } = PY_IDENTITY
    expect(await identify(master, 1)).toEqual({ vendorName, productCode, revision })
    expect(await identify(master, 1, 'regular')).toEqual(PY_IDENTITY)
  })

  it('reports the server id, and a register read still works after it (the transport is in step)', async () => {
    expectPymodbusServerId(await reportServerId(master, 1))
    expect(await master.execute({ kind: 'read', unit: 1, table: 'holding', address: 0, count: 1 }, TIMEOUT_MS)).toEqual([1])
  })
})

describe('ModbusSerialMaster against pymodbus over RTU (socat pty pair)', () => {
  let master: ModbusSerialMaster
  beforeAll(async () => {
    const pair = await ptyPair()
    await group.startReady(SYSTEM_PYTHON, [join(PYMODBUS, 'rtu_server.py'), '--port', pair.b, '--baud', '19200', '--spec', JSON.stringify(PY_SPEC)], /^ready /u, { name: 'pymodbus rtu_server.py' })
    master = await opened(rtu(pair.a))
  })

  it('reads basic and regular objects, reports the server id, then reads a register', async () => {
    expect(await identify(master, 1, 'regular')).toEqual(PY_IDENTITY)
    expect(Object.keys(await identify(master, 1, 'basic'))).toEqual(['vendorName', 'productCode', 'revision'])
    expectPymodbusServerId(await reportServerId(master, 1))
    expect(await master.execute({ kind: 'read', unit: 1, table: 'holding', address: 0, count: 1 }, TIMEOUT_MS)).toEqual([1])
  })
})

/** Long enough that the regular objects take two pages: the device says "more follows". */
const LONG_NAME = 'Detector with a long product name '.repeat(4).trim()
const IDENTIFIED_PROFILE = GAS_PROFILE
  .replace('id: test-gas', 'id: test-gas-identified')
  .replace('model: G1', 'model: G1-ID')
  .replace('  signature: { table: holding, address: 20, values: [0x4731] }', `  deviceId: { vendorName: "${LONG_NAME} Inc", productCode: G1, revision: "2.1", vendorUrl: "http://test.example", productName: "${LONG_NAME}", modelName: G1-ID }`)

describe('ModbusSerialMaster against the simulator over RTU (socat pty pair)', () => {
  let simulator: Simulator
  let master: ModbusSerialMaster
  let path: string
  beforeAll(async () => {
    const pair = await ptyPair()
    path = pair.a
    simulator = await startSimulator({
      units: [{ unit: 5, profile: profileFromYaml(IDENTIFIED_PROFILE), scenario: 'static' }, { unit: 9, profile: profileFromYaml(GAS_PROFILE), scenario: 'static' }],
      rtu: { path: pair.b, baud: 19200, parity: 'none' },
    })
    master = await opened(rtu(pair.a))
  })
  afterAll(async () => {
    await simulator?.close()
  })

  it('reads regular objects that take more than one page', async () => {
    expect(Buffer.byteLength(`${LONG_NAME} Inc${LONG_NAME}`)).toBeGreaterThan(253)
    expect(await identify(master, 5, 'regular')).toEqual({
      vendorName: `${LONG_NAME} Inc`, productCode: 'G1', revision: '2.1', vendorUrl: 'http://test.example', productName: LONG_NAME, modelName: 'G1-ID',
    })
  })

  it('reports the server id: the unit id, running, vendor and model', async () => {
    expect(await reportServerId(master, 9)).toEqual({
      serverId: [9], running: true, additional: [...Buffer.from('Test G1')], text: 'Test G1', data: [9, 0xff, ...Buffer.from('Test G1')],
    })
  })

  it('a device without FC 43/14 answers illegal function, typed, and the line stays usable', async () => {
    const error = await identify(master, 9).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ModbusExceptionError)
    expect(error).toMatchObject({ code: 'MODBUS_ILLEGAL_FUNCTION', exceptionCode: 1, functionCode: 43 })
    expect((error as Error).message).toBe(`exception 1 (illegal function) to function 43 (unit 9 on ${path})`)
    expect(await master.execute({ kind: 'read', unit: 9, table: 'holding', address: 20, count: 1 }, TIMEOUT_MS)).toEqual([0x4731])
  })
})

describe('ModbusSerialMaster against the simulator over TCP', () => {
  it('a device without FC 43/14 answers illegal function over TCP too, and reports its server id', async () => {
    const simulator = await startSimulator({ units: [{ unit: 3, profile: profileFromYaml(GAS_PROFILE), scenario: 'static' }], tcp: { host: '127.0.0.1', port: 0 } })
    try {
      const master = await opened({ kind: 'tcp', host: '127.0.0.1', port: Number(simulator.endpoint.split(':').at(-1)) })
      await expect(identify(master, 3, 'regular')).rejects.toMatchObject({ name: 'ModbusExceptionError', exceptionCode: 1, functionCode: 43 })
      expect((await reportServerId(master, 3)).text).toBe('Test G1')
    } finally {
      await simulator.close()
    }
  })
})
