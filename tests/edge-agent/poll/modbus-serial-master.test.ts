import { afterEach, describe, expect, it } from 'vitest'
import { ModbusSerialMaster } from '../../../edge-agent/src/modbus/modbus-serial-master.ts'
import { startSimulator, type Simulator } from '../../../edge-agent/src/simulator/index.ts'
import { GAS_PROFILE, profileFromYaml } from '../../support/profiles.ts'

const gas = profileFromYaml(GAS_PROFILE)

let simulator: Simulator | undefined
let master: ModbusSerialMaster | undefined
afterEach(async () => {
  await master?.close()
  await simulator?.close()
  master = undefined
  simulator = undefined
})

describe('ModbusSerialMaster over TCP', () => {
  it('reads with the unit id on each request and keeps no last-byte time: a TCP line has no silence to keep', async () => {
    simulator = await startSimulator({ units: [{ unit: 3, profile: gas, scenario: 'static' }, { unit: 4, profile: gas, scenario: 'static' }], tcp: { host: '127.0.0.1', port: 0 } })
    const port = Number(simulator.endpoint.split(':').at(-1))
    master = new ModbusSerialMaster({ kind: 'tcp', host: '127.0.0.1', port })
    await master.open()
    expect(await master.execute({ kind: 'read', unit: 3, table: 'input', address: 0, count: 4 }, 500)).toEqual([12, 209, 0, 2])
    expect(await master.execute({ kind: 'read', unit: 4, table: 'holding', address: 20, count: 1 }, 500)).toEqual([0x4731])
    expect(master.lastByteAt()).toBeUndefined()
  })
})

describe('ModbusSerialMaster over RTU', () => {
  it('says once why a serial line does not open', async () => {
    master = new ModbusSerialMaster({ kind: 'rtu', path: '/dev/no-such-rs485', baud: 9600, parity: 'none', dataBits: 8, stopBits: 1 })
    await expect(master.open()).rejects.toThrow(/^cannot open \/dev\/no-such-rs485: No such file or directory$/u)
  })
})
