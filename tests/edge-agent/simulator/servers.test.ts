import { SerialPort } from 'serialport'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rtuFrame } from '../../../protocols/modbus/index.ts'
import { startSimulator, type Simulator } from '../../../edge-agent/src/simulator/index.ts'
import { ModbusClient } from '../../support/modbus-client.ts'
import { GAS_PROFILE, RELAY_PROFILE, profileFromYaml } from '../../support/profiles.ts'
import { startPtyPair, type PtyPair } from '../../support/socat.ts'
import { until, valueOf } from '../../support/until.ts'

const gas = profileFromYaml(GAS_PROFILE)
const relay = profileFromYaml(RELAY_PROFILE)

describe('simulator over Modbus TCP, read by modbus-serial', () => {
  let simulator: Simulator
  const client = new ModbusClient()

  beforeAll(async () => {
    simulator = await startSimulator({
      units: [
        { unit: 1, profile: gas, scenario: 'static' },
        { unit: 2, profile: relay, scenario: 'static' },
        { unit: 3, profile: gas, scenario: 'offline' },
      ],
      tcp: { host: '127.0.0.1', port: 0 },
      feedbackDelayMs: 100,
    })
    const port = Number(simulator.endpoint.split(':').at(-1))
    await client.connectTCP('127.0.0.1', { port })
    client.setTimeout(1000)
  })

  afterAll(async () => {
    client.close(() => {})
    await simulator.close()
  })

  it('serves every table to the unit ids it simulates', async () => {
    client.setID(1)
    expect((await client.readInputRegisters(0, 4)).data).toEqual([12, 209, 0, 2])
    expect((await client.readHoldingRegisters(20, 1)).data).toEqual([0x4731])
    client.setID(2)
    expect((await client.readCoils(0, 2)).data.slice(0, 2)).toEqual([false, false])
    expect((await client.readDiscreteInputs(0, 2)).data.slice(0, 2)).toEqual([false, true])
  })

  it('writes a coil and the relay feedback follows', async () => {
    client.setID(2)
    await client.writeCoil(0, true)
    await client.writeCoils(1, [true])
    await until('feedback inputs follow the outputs', async () => {
      const { data } = await client.readDiscreteInputs(0, 2)
      return data[0] === true && data[1] === false
    }, { timeoutMs: 5000 })
    await client.writeRegisters(10, [7])
    expect((await client.readHoldingRegisters(10, 1)).data).toEqual([7])
  })

  it('answers Read Device Identification from the profile', async () => {
    client.setID(2)
    const basic = await client.readDeviceIdentification(1, 0)
    expect(basic.data).toMatchObject({ 0: 'Test Co', 1: 'R2', 2: '1.4' })
    const model = await client.readDeviceIdentification(4, 5)
    expect(model.data).toMatchObject({ 5: 'R2-24V' })
    client.setID(1)
    await expect(client.readDeviceIdentification(1, 0)).rejects.toMatchObject({ modbusCode: 1 })
  })

  it('answers exception 02 outside the register map and 0x0B for a unit nobody simulates', async () => {
    client.setID(1)
    await expect(client.readHoldingRegisters(21, 1)).rejects.toMatchObject({ modbusCode: 2 })
    client.setID(9)
    await expect(client.readHoldingRegisters(20, 1)).rejects.toMatchObject({ modbusCode: 11 })
  })

  it('never answers for an offline unit', async () => {
    client.setID(3)
    await expect(client.readInputRegisters(0, 1)).rejects.toMatchObject({ name: 'TransactionTimedOutError' })
  })
})

describe('simulator over Modbus RTU on a socat pty pair', () => {
  let pty: PtyPair
  let simulator: Simulator
  const client = new ModbusClient()

  beforeAll(async () => {
    pty = await startPtyPair()
    simulator = await startSimulator({
      units: [
        { unit: 4, profile: gas, scenario: 'static' },
        { unit: 5, profile: relay, scenario: 'static' },
      ],
      rtu: { path: pty.a, baud: 9600, parity: 'none' },
    })
    await client.connectRTUBuffered(pty.b, { baudRate: 9600 })
    client.setTimeout(1000)
  })

  afterAll(async () => {
    await new Promise<void>((resolve) => client.close(() => resolve()))
    await simulator.close()
    await pty.stop()
  })

  it('answers each unit id on the shared line and ignores the others', async () => {
    client.setID(4)
    expect((await client.readInputRegisters(0, 4)).data).toEqual([12, 209, 0, 2])
    client.setID(5)
    expect((await client.readCoils(0, 2)).data.slice(0, 2)).toEqual([false, false])
    client.setID(6)
    await expect(client.readInputRegisters(0, 1)).rejects.toMatchObject({ name: 'TransactionTimedOutError' })
    client.setID(4)
    expect((await client.readHoldingRegisters(20, 1)).data).toEqual([0x4731])
  })

  it('carries out a broadcast write on every unit without answering', async () => {
    client.setID(0)
    await expect(client.writeRegister(10, 33)).rejects.toMatchObject({ name: 'TransactionTimedOutError' })
    client.setID(5)
    expect((await client.readHoldingRegisters(10, 1)).data).toEqual([33])
  })

  it('writes over RTU and identifies the device', async () => {
    client.setID(5)
    await client.writeRegister(10, 9)
    expect((await client.readHoldingRegisters(10, 1)).data).toEqual([9])
    const identity = await client.readDeviceIdentification(1, 0)
    expect(identity.data).toMatchObject({ 0: 'Test Co', 1: 'R2' })
  })
})

describe('simulator on a shared RS-485 line, hearing another slave\'s answer', () => {
  let pty: PtyPair
  let simulator: Simulator
  let line: SerialPort

  beforeAll(async () => {
    pty = await startPtyPair()
    simulator = await startSimulator({ units: [{ unit: 4, profile: gas, scenario: 'static' }], rtu: { path: pty.a, baud: 9600, parity: 'none' } })
    line = new SerialPort({ path: pty.b, baudRate: 9600, autoOpen: false })
    await new Promise<void>((resolve, reject) => line.open((error) => (error ? reject(error) : resolve())))
  })

  afterAll(async () => {
    await new Promise<void>((resolve) => line.close(() => resolve()))
    await simulator.close()
    await pty.stop()
  })

  it('answers a request that arrives right after an answer whose bytes read as an unknown function code', async () => {
    // unit 9 answers FC 3 with one register 0x0700: resynchronising byte by byte, the framer meets 0x02 0x07,
    // "function 7", which it cannot size; the master's next request follows at once
    const otherAnswer = rtuFrame(9, Uint8Array.from([3, 2, 0x07, 0x00]))
    const request = rtuFrame(4, Uint8Array.from([4, 0, 0, 0, 1]))
    const received: Buffer[] = []
    line.on('data', (chunk: Buffer) => received.push(chunk))
    line.write(Buffer.concat([otherAnswer, request]))
    const answer = await valueOf('the simulator\'s answer to unit 4', () => {
      const bytes = Buffer.concat(received)
      return bytes.length >= 7 ? bytes : undefined
    }, { timeoutMs: 3000 })
    expect([...answer.subarray(0, 5)]).toEqual([4, 4, 2, 0, 12])
  })
})
