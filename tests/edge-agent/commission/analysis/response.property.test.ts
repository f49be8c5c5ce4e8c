import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ChannelAlarms } from '../../../../edge-agent/src/alarms/evaluator.ts'
import { gasStep, plateauReached, t90Seconds, type AlarmSeen, type LevelSpec, type Reading } from '../../../../edge-agent/src/commission/analysis/index.ts'
import { firstOrderReadings, msToReach, type ResponseSpec } from './first-order-response.ts'

const APPLIED_AT = Date.UTC(2026, 11, 1, 2, 0, 0)

/** The agent's own alarm events for one high level. */
function alarmsOf(readings: Reading[], level: LevelSpec): AlarmSeen[] {
  const evaluator = new ChannelAlarms({ device: 'd', channel: 'c', levels: [{ level: level.level, direction: 'high', value: level.setPoint, restore: level.restore, onDelayMs: 0, offDelayMs: 0, latch: false, source: 'test' }] })
  return readings.flatMap((r) => evaluator.onSample({ device: 'd', channel: 'c', ts: r.ts, value: r.value, quality: 'good' }))
    .map((e) => ({ ts: e.ts, state: e.state, kind: e.kind, level: e.level, value: e.value as number }))
}

/** A sensor under gas: T90 5–60 s, poll 0.5–2 s at a random phase, noise up to 1 % of a gas of 0.5–3.5, baseline near 0. */
const response = fc.record({
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

  it('gasStep: a healthy sensor passes, and its T90 is where the noiseless response crosses its 90 % level ± the noise, ± one poll', () => {
    fc.assert(fc.property(response, (base) => {
      const removedAfterMs = base.durationMs
      const spec: ResponseSpec = { ...base, removedAfterMs, durationMs: removedAfterMs + Math.ceil(3 * base.t90S * 1000) + 20_000 }
      const readings = firstOrderReadings(spec)
      const level: LevelSpec = { level: 'alarm', direction: 'high', setPoint: 0.5 * spec.gas, restore: 0.4 * spec.gas }
      const step = gasStep({
        test: 'span', channel: 'c', unit: 'u', gas: { name: 'g', concentration: spec.gas, unit: 'u', lot: 'l', expiresOn: '2030-01-01' },
        appliedAt: spec.appliedAt, removedAt: spec.appliedAt + removedAfterMs, readings, levels: [level], alarms: alarmsOf(readings, level),
        limits: { t90LimitS: 200, recoveryLimitS: 200, errorTolerance: 0.02 },
      })
      expect(step.reasons).toEqual([])
      const target = step.baseline! + 0.9 * (step.plateau! - step.baseline!)
      const noise = spec.noise * spec.gas
      const pollS = spec.pollMs / 1000
      expect(step.t90S).toBeGreaterThanOrEqual(msToReach(spec, target - noise) / 1000 - pollS - 0.05)
      expect(step.t90S).toBeLessThanOrEqual(msToReach(spec, target + noise) / 1000 + pollS + 0.05)
    }), { numRuns: 200 })
  })
})
