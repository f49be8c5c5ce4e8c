import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { plateauReached, t90Seconds } from '../../../../edge-agent/src/commission/analysis/index.ts'
import { firstOrderReadings, type ResponseSpec } from './first-order-response.ts'

const APPLIED_AT = Date.UTC(2026, 11, 1, 2, 0, 0)

/** A sensor under gas: T90 5–60 s, poll 0.5–2 s at a random phase, noise up to 1 % of a gas of 0.5–3.5, baseline near 0. */
export const response = fc.record({
  t90S: fc.double({ min: 5, max: 60, noNaN: true }),
  pollMs: fc.integer({ min: 500, max: 2000 }),
  phase: fc.double({ min: 0, max: 0.999, noNaN: true }),
  noise: fc.double({ min: 0, max: 0.01, noNaN: true }),
  gas: fc.double({ min: 0.5, max: 3.5, noNaN: true }),
  baseline: fc.double({ min: -0.02, max: 0.02, noNaN: true }),
  seed: fc.integer(),
}).map(({ phase, ...r }): ResponseSpec => ({
  ...r,
  phaseMs: Math.floor(phase * r.pollMs),
  appliedAt: APPLIED_AT,
  beforeMs: 20_000,
  // long enough to settle to well within 1 %: 7 time constants
  durationMs: Math.ceil(3 * r.t90S * 1000) + 20_000,
}))

describe('a first-order response to test gas', () => {
  it('plateauReached finds a plateau within 2 % of the gas', () => {
    fc.assert(fc.property(response, (spec) => {
      const found = plateauReached(firstOrderReadings(spec), { appliedAt: spec.appliedAt, gas: spec.gas })
      expect(found).toBeDefined()
      expect(Math.abs(found!.plateau - spec.gas)).toBeLessThanOrEqual(0.02 * spec.gas)
    }), { numRuns: 300 })
  })

  it('t90Seconds is within one poll period + 5 % of the true T90', () => {
    fc.assert(fc.property(response, (spec) => {
      const t90 = t90Seconds(firstOrderReadings(spec), { appliedAt: spec.appliedAt, baseline: spec.baseline, plateau: spec.gas })
      expect(t90).not.toBeNull()
      expect(Math.abs(t90! - spec.t90S)).toBeLessThanOrEqual(spec.pollMs / 1000 + 0.05 * spec.t90S)
    }), { numRuns: 300 })
  })
})
