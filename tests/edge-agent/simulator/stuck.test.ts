import { afterEach, describe, expect, it } from 'vitest'
import { ModbusSerialMaster } from '../../../edge-agent/src/modbus/modbus-serial-master.ts'
import { SCENARIOS, SCENARIO_HELP, SimulatedDevice, startSimulator, type Simulator } from '../../../edge-agent/src/simulator/index.ts'
import { handleRequest, ModbusExceptionError } from '../../../protocols/modbus/index.ts'
import { RELAY_PROFILE, profileFromYaml } from '../../support/profiles.ts'

const relay = profileFromYaml(RELAY_PROFILE)

function fakeClock(start = 1_000_000) {
  let now = start
  return { now: () => now, advance: (ms: number) => { now += ms } }
}

let simulator: Simulator | undefined
let master: ModbusSerialMaster | undefined
afterEach(async () => {
  await master?.close()
  await simulator?.close()
  master = undefined
  simulator = undefined
})

describe('the stuck scenario: a relay that ignores the write', () => {
  it('is a named scenario with help', () => {
    expect(SCENARIOS).toContain('stuck')
    expect(SCENARIO_HELP.stuck).toMatch(/ignores the write/u)
  })

  it('acknowledges FC 05 and FC 06 with the normal echo, yet neither outputs nor feedback nor registers change', () => {
    const clock = fakeClock()
    const device = new SimulatedDevice({ profile: relay, unit: 1, scenario: 'stuck', feedbackDelayMs: 100, clock: clock.now })
    const writeCoil = Uint8Array.from([0x05, 0x00, 0x00, 0xff, 0x00])
    expect([...handleRequest(device, writeCoil)]).toEqual([...writeCoil])
    const writeRegister = Uint8Array.from([0x06, 0x00, 0x0a, 0x00, 0x07])
    expect([...handleRequest(device, writeRegister)]).toEqual([...writeRegister])
    clock.advance(1_000)
    expect(device.read('coil', 0, 2)).toEqual([0, 0])
    expect(device.read('discrete', 0, 2)).toEqual([0, 1])
    expect(device.read('holding', 10, 1)).toEqual([2])
  })

  it('still refuses points that are not writable, as the real module would', () => {
    const device = new SimulatedDevice({ profile: relay, unit: 1, scenario: 'stuck' })
    expect(() => device.write('holding', 11, [1])).toThrow(ModbusExceptionError)
    expect([...handleRequest(device, Uint8Array.from([0x05, 0x00, 0x07, 0xff, 0x00]))]).toEqual([0x85, 0x02])
  })
})

describe('single-point writes through the modbus-serial adapter (FC 05 / FC 06) against the simulator', () => {
  it('writes a coil and a register on a working relay, and is acknowledged but ignored by a stuck one', async () => {
    simulator = await startSimulator({
      units: [{ unit: 1, profile: relay, scenario: 'static' }, { unit: 2, profile: relay, scenario: 'stuck' }],
      tcp: { host: '127.0.0.1', port: 0 },
      feedbackDelayMs: 0,
    })
    master = new ModbusSerialMaster({ kind: 'tcp', host: '127.0.0.1', port: Number(simulator.endpoint.split(':').at(-1)) })
    await master.open()
    for (const unit of [1, 2]) {
      await master.execute({ kind: 'write-coil', unit, address: 0, value: true }, 500)
      await master.execute({ kind: 'write-register', unit, address: 10, value: 42 }, 500)
    }
    const read = (unit: number, table: 'coil' | 'discrete' | 'holding', address: number, count: number) =>
      master!.execute({ kind: 'read', unit, table, address, count }, 500)
    expect(await read(1, 'coil', 0, 2)).toEqual([1, 0])
    expect(await read(1, 'discrete', 0, 1)).toEqual([1])
    expect(await read(1, 'holding', 10, 1)).toEqual([42])
    expect(await read(2, 'coil', 0, 2)).toEqual([0, 0])
    expect(await read(2, 'discrete', 0, 1)).toEqual([0])
    expect(await read(2, 'holding', 10, 1)).toEqual([2])
    // an exception answer to FC 05 is translated like any other
    await expect(master.execute({ kind: 'write-coil', unit: 1, address: 7, value: true }, 500)).rejects.toMatchObject({
      code: 'MODBUS_ILLEGAL_DATA_ADDRESS', functionCode: 5,
    })
  })
})
