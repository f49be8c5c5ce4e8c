import { describe, expect, it } from 'vitest'
import { SCENARIOS, SCENARIO_HELP, SimulatedDevice } from '../../../edge-agent/src/simulator/index.ts'
import { loadLibrary } from '../../../hardware-profiles/index.ts'
import { GAS_PROFILE, profileFromYaml } from '../../support/profiles.ts'

const methane = loadLibrary().find((p) => p.id === 'ccri-gjc4-catalytic-methane')!
const gas = profileFromYaml(GAS_PROFILE)

function fakeClock(start = 1_000_000) {
  let now = start
  return { now: () => now, advance: (ms: number) => { now += ms } }
}

/** The methane reading as a master decodes it from input register 0 (0.01 %CH4 per count). */
const ch4 = (device: SimulatedDevice) => device.read('input', 0, 1)[0]! / 100

describe('the gas-test scenario', () => {
  it('is a named scenario with help', () => {
    expect(SCENARIOS).toContain('gas-test')
    expect(SCENARIO_HELP['gas-test']).toMatch(/T90/u)
  })

  it('reads clean air with the channel\'s noise until gas is applied: zero methane, 20.9 % oxygen', () => {
    const clock = fakeClock()
    const device = new SimulatedDevice({ profile: methane, unit: 1, scenario: 'gas-test', clock: clock.now })
    const seen = new Set<number>()
    for (let i = 0; i < 100; i++) {
      const value = ch4(device)
      expect(value).toBeGreaterThanOrEqual(0)
      expect(value).toBeLessThanOrEqual(0.02) // simulate.noise of the profile, clamped at the range's 0
      seen.add(value)
      clock.advance(100)
    }
    expect(seen.size).toBeGreaterThan(1)
    const detector = new SimulatedDevice({ profile: gas, unit: 2, scenario: 'gas-test', gas: { noise: 0 }, clock: clock.now })
    expect(detector.gasState()).toEqual([
      { channel: 'lel', engineeringUnit: '%LEL', cleanAir: 0, target: 0, value: 0 },
      { channel: 'o2', engineeringUnit: '%VOL', cleanAir: 20.9, target: 20.9, value: 20.9 },
    ])
  })

  it('follows applied gas with the configured T90 and returns to clean air after removal', () => {
    const clock = fakeClock()
    const device = new SimulatedDevice({ profile: methane, unit: 1, scenario: 'gas-test', gas: { t90Ms: 5_000, noise: 0 }, clock: clock.now })
    expect(ch4(device)).toBe(0)
    device.applyGas('ch4', 2)
    expect(device.gasState()[0]).toMatchObject({ channel: 'ch4', target: 2, value: 0 })
    clock.advance(4_900)
    expect(ch4(device)).toBeLessThan(1.8)
    clock.advance(200)
    expect(ch4(device)).toBeGreaterThanOrEqual(1.8)
    clock.advance(30_000)
    expect(ch4(device)).toBe(2)
    device.removeGas()
    expect(device.gasState()[0]).toMatchObject({ target: 0, value: 2 })
    clock.advance(5_100)
    expect(ch4(device)).toBeLessThanOrEqual(0.2)
    clock.advance(30_000)
    expect(ch4(device)).toBe(0)
  })

  it('moves on from where it stood when the gas is removed mid-rise', () => {
    const clock = fakeClock()
    const device = new SimulatedDevice({ profile: methane, unit: 1, scenario: 'gas-test', gas: { t90Ms: 10_000, noise: 0 }, clock: clock.now })
    device.applyGas('ch4', 3)
    clock.advance(3_000)
    const midRise = ch4(device)
    expect(midRise).toBeGreaterThan(0.5)
    expect(midRise).toBeLessThan(2.5)
    device.removeGas()
    expect(Math.abs(ch4(device) - midRise)).toBeLessThanOrEqual(0.01)
    clock.advance(1_000)
    expect(ch4(device)).toBeLessThan(midRise)
  })

  it('saturates at the measuring range and keeps its noise inside it', () => {
    const clock = fakeClock()
    const device = new SimulatedDevice({ profile: methane, unit: 1, scenario: 'gas-test', gas: { t90Ms: 1_000, noise: 0.3 }, clock: clock.now })
    device.applyGas('ch4', 5)
    clock.advance(60_000)
    for (let i = 0; i < 50; i++) {
      clock.advance(60)
      const value = ch4(device)
      expect(value).toBeLessThanOrEqual(4)
      expect(value).toBeGreaterThanOrEqual(4 - 0.3 - 0.01)
    }
  })

  it('refuses gas on a channel it does not measure, a value that is not a number, and devices in other scenarios', () => {
    const device = new SimulatedDevice({ profile: methane, unit: 1, scenario: 'gas-test' })
    expect(() => device.applyGas('co', 1)).toThrow(expect.objectContaining({ code: 'SIMULATOR_UNKNOWN_CHANNEL', message: expect.stringContaining('measures ch4') }))
    expect(() => device.applyGas('status', 1)).toThrow(expect.objectContaining({ code: 'SIMULATOR_UNKNOWN_CHANNEL' }))
    expect(() => device.applyGas('ch4', Number.NaN)).toThrow(expect.objectContaining({ code: 'SIMULATOR_BAD_GAS', message: expect.stringContaining('%CH4') }))
    const steady = new SimulatedDevice({ profile: methane, unit: 3, scenario: 'steady' })
    for (const call of [() => steady.applyGas('ch4', 1), () => steady.removeGas(), () => steady.gasState()]) {
      expect(call).toThrow(expect.objectContaining({ code: 'SIMULATOR_NOT_GAS_TEST', message: 'unit 3 runs the steady scenario, not gas-test' }))
    }
  })
})
