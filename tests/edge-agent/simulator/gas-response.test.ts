import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { GasResponse, cleanAirValue, clampToRange, withNoise } from '../../../edge-agent/src/simulator/gas-response.ts'
import { mulberry32 } from '../../../edge-agent/src/simulator/scenarios.ts'
import type { Channel } from '../../../hardware-profiles/index.ts'

const T0 = 1_000_000
const level = { a: fc.double({ min: -50, max: 5_000, noNaN: true }) }.a
const t90Ms = fc.integer({ min: 200, max: 600_000 })

/** The first sample time, stepping by `stepMs` from `fromMs`, at which the reading has covered 90 % of start → target. */
function crossing90(response: GasResponse, start: number, target: number, fromMs: number, stepMs: number): number {
  const threshold = start + 0.9 * (target - start)
  const rising = target > start
  for (let t = fromMs; ; t += stepMs) {
    const v = response.valueAt(t)
    if (rising ? v >= threshold : v <= threshold) return t - fromMs
  }
}

describe('GasResponse: a first-order sensor response with a configurable T90', () => {
  it('starts at its initial value and stays there until the gas changes', () => {
    const response = new GasResponse(20.9, 20_000, T0)
    expect(response.valueAt(T0)).toBe(20.9)
    expect(response.valueAt(T0 + 3_600_000)).toBe(20.9)
    expect(response.target).toBe(20.9)
  })

  it('crosses 90 % of any step at T90, to within one sample', () => {
    fc.assert(fc.property(level, level, t90Ms, fc.integer({ min: 0, max: 100_000 }), (start, target, t90, atMs) => {
      fc.pre(Math.abs(target - start) > 1e-3)
      const response = new GasResponse(start, t90, T0)
      response.retarget(target, T0 + atMs)
      const stepMs = Math.max(1, Math.round(t90 / 500))
      const crossedMs = crossing90(response, start, target, T0 + atMs, stepMs)
      expect(crossedMs).toBeGreaterThanOrEqual(t90 - stepMs)
      expect(crossedMs).toBeLessThanOrEqual(t90 + stepMs)
      // and the curve itself: exactly 90 % at T90, 99 % at twice T90
      expect(response.valueAt(T0 + atMs + t90)).toBeCloseTo(start + 0.9 * (target - start), 6)
      expect(response.valueAt(T0 + atMs + 2 * t90)).toBeCloseTo(start + 0.99 * (target - start), 6)
    }))
  })

  it('moves monotonically toward the target, never past it', () => {
    fc.assert(fc.property(level, level, t90Ms, (start, target, t90) => {
      const response = new GasResponse(start, t90, T0)
      response.retarget(target, T0)
      let previous = start
      for (let t = T0; t <= T0 + 5 * t90; t += t90 / 20) {
        const v = response.valueAt(t)
        expect(Math.abs(target - v)).toBeLessThanOrEqual(Math.abs(target - previous) + 1e-9)
        previous = v
      }
    }))
  })

  it('is continuous when the gas changes mid-rise, and the next step has the same time constant', () => {
    fc.assert(fc.property(level, level, level, t90Ms, fc.double({ min: 0.01, max: 3, noNaN: true }), (clean, gas, next, t90, fraction) => {
      const response = new GasResponse(clean, t90, T0)
      response.retarget(gas, T0)
      const changeMs = T0 + Math.round(fraction * t90)
      const before = response.valueAt(changeMs)
      response.retarget(next, changeMs)
      expect(response.valueAt(changeMs)).toBeCloseTo(before, 9)
      expect(response.target).toBe(next)
      expect(response.valueAt(changeMs + t90)).toBeCloseTo(before + 0.9 * (next - before), 6)
    }))
  })

  it('returns to clean air after the gas is removed, with the same T90', () => {
    const response = new GasResponse(0, 5_000, T0)
    response.retarget(2, T0)
    response.retarget(0, T0 + 60_000)
    const back = crossing90(response, 2, 0, T0 + 60_000, 10)
    expect(back).toBeGreaterThanOrEqual(4_990)
    expect(back).toBeLessThanOrEqual(5_010)
    expect(response.valueAt(T0 + 60_000 + 50_000)).toBeLessThan(1e-4)
  })

  it('refuses a T90 that is not positive', () => {
    expect(() => new GasResponse(0, 0, T0)).toThrow(/T90 must be positive/u)
    expect(() => new GasResponse(0, Number.NaN, T0)).toThrow(RangeError)
  })
})

describe('clean air, range and noise', () => {
  const channel = (over: Partial<Channel>): Channel =>
    ({ id: 'x', name: { en: 'x', zh: 'x' }, table: 'input', address: 0, type: 'uint16', unit: '%', ...over }) as Channel
  const high = { level: 'alarm', direction: 'high', value: 1, source: 's' } as const
  const low = { level: 'low', direction: 'low', value: 19.5, source: 's' } as const

  it('reads zero for a gas alarmed on the way up, the test vector for oxygen and for unalarmed channels', () => {
    expect(cleanAirValue(channel({ alarms: [high] }), 0.5)).toBe(0)
    expect(cleanAirValue(channel({ alarms: [low] }), 20.9)).toBe(20.9)
    expect(cleanAirValue(channel({ alarms: [low, { ...high, value: 23.5 }] }), 20.9)).toBe(20.9)
    expect(cleanAirValue(channel({}), 24.5)).toBe(24.5)
    expect(cleanAirValue(channel({ alarms: [high], range: { min: 2, max: 10 } }), 5)).toBe(2)
  })

  it('clamps to the measuring range', () => {
    const ranged = channel({ range: { min: 0, max: 4 } })
    expect(clampToRange(ranged, 5.2)).toBe(4)
    expect(clampToRange(ranged, -0.01)).toBe(0)
    expect(clampToRange(ranged, 1.5)).toBe(1.5)
    expect(clampToRange(channel({}), -7)).toBe(-7)
  })

  it('adds seeded noise bounded by the amplitude, and none at amplitude zero', () => {
    fc.assert(fc.property(fc.integer(), fc.double({ min: 0, max: 10, noNaN: true }), (seed, amplitude) => {
      const random = mulberry32(seed)
      const again = mulberry32(seed)
      for (let i = 0; i < 50; i++) {
        const v = withNoise(1, amplitude, random)
        expect(Math.abs(v - 1)).toBeLessThanOrEqual(amplitude + 1e-12)
        expect(withNoise(1, amplitude, again)).toBe(v)
      }
    }))
    const random = mulberry32(7)
    const spread = new Set(Array.from({ length: 20 }, () => withNoise(1, 0.1, random)))
    expect(spread.size).toBeGreaterThan(10)
    expect(withNoise(1, 0, random)).toBe(1)
  })
})
