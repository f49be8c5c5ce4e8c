import { describe, expect, it } from 'vitest'
import { compileProfile, decodeImage } from '../../../hardware-profiles/index.ts'
import { ModbusExceptionError, RegisterImage } from '../../../protocols/modbus/index.ts'
import { SimulatedDevice } from '../../../edge-agent/src/simulator/index.ts'
import { GAS_PROFILE, RELAY_PROFILE, profileFromYaml } from '../../support/profiles.ts'

const gas = profileFromYaml(GAS_PROFILE)
const relay = profileFromYaml(RELAY_PROFILE)

function fakeClock(start = 1_000_000) {
  let now = start
  return { now: () => now, advance: (ms: number) => { now += ms } }
}

/** What a master would decode from the device right now. */
function readAll(device: SimulatedDevice) {
  const compiled = compileProfile(device.compiled.profile)
  const image = new RegisterImage()
  for (const block of compiled.plan.blocks) image.write(block.table, block.address, device.read(block.table, block.address, block.count))
  return decodeImage(compiled, image)
}

describe('SimulatedDevice', () => {
  it('serves the first test vector exactly in the static scenario', () => {
    const device = new SimulatedDevice({ profile: gas, unit: 1, scenario: 'static' })
    expect(device.read('input', 0, 4)).toEqual([12, 209, 0, 2])
    expect(readAll(device).lel).toEqual({ value: 1.2, quality: 'good' })
  })

  it('fluctuates within the declared noise in the steady scenario', () => {
    const clock = fakeClock()
    const device = new SimulatedDevice({ profile: gas, unit: 1, scenario: 'steady', clock: clock.now })
    const values = new Set<number>()
    for (let i = 0; i < 200; i++) {
      clock.advance(100)
      const reading = readAll(device).lel!
      expect(reading.quality).toBe('good')
      expect(Math.abs((reading.value as number) - 1.2)).toBeLessThanOrEqual(0.5 + 0.05)
      values.add(reading.value as number)
    }
    expect(values.size).toBeGreaterThan(3)
  })

  it('ramps a leak through every alarm level and back within one period', () => {
    const clock = fakeClock()
    const device = new SimulatedDevice({ profile: gas, unit: 1, scenario: 'leak', periodMs: 60_000, clock: clock.now })
    const lel: number[] = []
    const o2: number[] = []
    for (let t = 0; t <= 60_000; t += 500) {
      const readings = readAll(device)
      lel.push(readings.lel!.value as number)
      o2.push(readings.o2!.value as number)
      expect(readings.lel!.quality).toBe('good')
      clock.advance(500)
    }
    expect(Math.max(...lel)).toBeGreaterThan(50)
    expect(lel.at(-1)).toBeLessThan(25)
    expect(Math.min(...o2)).toBeLessThan(19.5)
    expect(o2.at(-1)).toBeGreaterThan(19.5)
  })

  it('raises the fault flag in the fault scenario', () => {
    const readings = readAll(new SimulatedDevice({ profile: gas, unit: 1, scenario: 'fault' }))
    expect(readings.fault!.value).toBe(true)
    expect(readings.lel!.quality).toBe('device-fault')
  })

  it('answers exception 04 to every read when the profile declares no way to show a fault', () => {
    const device = new SimulatedDevice({ profile: relay, unit: 1, scenario: 'fault' })
    expect(() => device.read('coil', 0, 2)).toThrow(ModbusExceptionError)
    try {
      device.read('coil', 0, 2)
    } catch (error) {
      expect((error as ModbusExceptionError).code).toBe('MODBUS_SERVER_DEVICE_FAILURE')
    }
  })

  it('reports warming-up for the warm-up time, then good readings', () => {
    const clock = fakeClock()
    const device = new SimulatedDevice({ profile: gas, unit: 1, scenario: 'warm-up', warmUpMs: 10_000, clock: clock.now })
    expect(readAll(device).lel!.quality).toBe('warming-up')
    clock.advance(9_000)
    expect(readAll(device).o2!.quality).toBe('warming-up')
    clock.advance(2_000)
    expect(readAll(device).lel!.quality).toBe('good')
    expect(readAll(device).run_state!.value).toBe(2)
  })

  it('freezes readings in the flatline scenario', () => {
    const clock = fakeClock()
    const device = new SimulatedDevice({ profile: gas, unit: 1, scenario: 'flatline', clock: clock.now })
    const first = readAll(device).lel!.value
    for (let i = 0; i < 50; i++) {
      clock.advance(700)
      expect(readAll(device).lel!.value).toBe(first)
    }
  })

  it('moves a relay feedback input after the output, only once the delay has passed', () => {
    const clock = fakeClock()
    const device = new SimulatedDevice({ profile: relay, unit: 1, scenario: 'static', feedbackDelayMs: 300, clock: clock.now })
    device.write('coil', 0, [1, 1])
    expect(device.read('coil', 0, 2)).toEqual([1, 1])
    expect(device.read('discrete', 0, 2)).toEqual([0, 1])
    clock.advance(299)
    expect(device.read('discrete', 0, 2)).toEqual([0, 1])
    clock.advance(1)
    expect(device.read('discrete', 0, 2)).toEqual([1, 0])
  })

  it('refuses writes to points that are not writable, and reads outside the map', () => {
    const device = new SimulatedDevice({ profile: relay, unit: 1, scenario: 'static' })
    expect(() => device.write('holding', 11, [1])).toThrow(/not writable/u)
    device.write('holding', 10, [5])
    expect(device.read('holding', 10, 1)).toEqual([5])
    expect(() => device.read('holding', 10, 2)).toThrow(ModbusExceptionError)
    expect(() => device.read('input', 0, 1)).toThrow(ModbusExceptionError)
  })

  it('is silent in the offline scenario and identifies itself from the profile', () => {
    expect(new SimulatedDevice({ profile: gas, unit: 1, scenario: 'offline' }).silent).toBe(true)
    expect(new SimulatedDevice({ profile: relay, unit: 1, scenario: 'static' }).identity()).toMatchObject({ vendorName: 'Test Co', productCode: 'R2' })
    expect(new SimulatedDevice({ profile: gas, unit: 1, scenario: 'static' }).identity()).toBeUndefined()
  })
})
