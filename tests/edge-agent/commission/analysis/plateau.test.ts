import { describe, expect, it } from 'vitest'
import { plateauReached, type Reading } from '../../../../edge-agent/src/commission/analysis/index.ts'

const APPLIED = 1_796_090_400_000
/** One reading a second from 5 s before the gas; `at(s)` gives the value s seconds after it was applied. */
function readings(at: (s: number) => number | null, seconds = 120, pollMs = 1000): Reading[] {
  const out: Reading[] = []
  for (let t = -5000; t <= seconds * 1000; t += pollMs) out.push({ ts: APPLIED + t, value: t < 0 ? 0 : at(t / 1000) })
  return out
}
const rise = (gas: number, tauS: number) => (s: number) => gas * (1 - Math.exp(-s / tauS))

describe('plateauReached', () => {
  it('a clean step: settled one window after halfway, the plateau the mean of the window', () => {
    const found = plateauReached(readings((s) => (s < 3 ? 0 : 2)), { appliedAt: APPLIED, gas: 2 })
    // halfway at 3 s; the window (at least 10 s) ends at 13 s
    expect(found).toEqual({ plateau: 2, at: APPLIED + 13_000 })
  })

  it('noise far beyond 1 % of the gas does not hold it back when the trend is flat', () => {
    const noisy = (s: number) => (s < 2 ? 0 : 2 + (Math.round(s) % 2 === 0 ? 0.1 : -0.1))
    const found = plateauReached(readings(noisy), { appliedAt: APPLIED, gas: 2 })
    expect(found).toBeDefined()
    expect(found!.plateau).toBeCloseTo(2, 1)
  })

  it('a reading still rising 2 % of the gas per window has not settled', () => {
    const creeping = (s: number) => (s < 2 ? 0 : 1.6 + 0.004 * s)
    expect(plateauReached(readings(creeping, 100), { appliedAt: APPLIED, gas: 2 })).toBeUndefined()
  })

  it('a slow sensor is judged over a window of twice its time to halfway, so it is not called settled short', () => {
    // τ = 26 s (T90 60 s): a 10 s window would see < 1 % drift while still 2.6 % short
    const found = plateauReached(readings(rise(2, 26), 300), { appliedAt: APPLIED, gas: 2 })
    expect(found).toBeDefined()
    expect(found!.plateau).toBeGreaterThan(2 * 0.99)
    const tenSeconds = plateauReached(readings(rise(2, 26), 300), { appliedAt: APPLIED, gas: 2, windowMs: 10_000 })
    expect(tenSeconds).toEqual(found)
  })

  it('never halfway to the gas: no plateau (the runner times out)', () => {
    expect(plateauReached(readings(() => 0.8), { appliedAt: APPLIED, gas: 2 })).toBeUndefined()
  })

  it('fewer than 5 good readings in the window: not judged', () => {
    const sparse = (s: number) => (s < 2 ? 0 : Math.round(s) % 3 === 0 ? 2 : null)
    expect(plateauReached(readings(sparse, 60), { appliedAt: APPLIED, gas: 2 })).toBeUndefined()
    expect(plateauReached(readings(sparse, 60), { appliedAt: APPLIED, gas: 2, windowMs: 15_000 })).toBeDefined()
  })

  it('a gas that drives the reading down (oxygen): halfway and settled going down from the baseline', () => {
    const o2: Reading[] = readings((s) => 20.9 - 5.9 * (1 - Math.exp(-s / 5))).map((r) => (r.ts < APPLIED ? { ...r, value: 20.9 } : r))
    const found = plateauReached(o2, { appliedAt: APPLIED, gas: 15 })
    expect(found).toBeDefined()
    expect(Math.abs(found!.plateau - 15)).toBeLessThanOrEqual(0.01 * 15)
  })

  it('the same answer live, on each new reading, as afterwards', () => {
    const all = readings(rise(2, 8))
    const afterwards = plateauReached(all, { appliedAt: APPLIED, gas: 2 })!
    const live = all.findIndex((_, i) => plateauReached(all.slice(0, i + 1), { appliedAt: APPLIED, gas: 2 }) !== undefined)
    expect(all[live]!.ts).toBe(afterwards.at)
    expect(plateauReached(all.slice(0, live + 1), { appliedAt: APPLIED, gas: 2 })).toEqual(afterwards)
  })
})
