import { describe, expect, it } from 'vitest'
import { t90Seconds, type Reading } from '../../../../edge-agent/src/commission/analysis/index.ts'

const APPLIED = 1_796_090_400_000
const at = (pairs: [number, number | null][]): Reading[] => pairs.map(([s, value]) => ({ ts: APPLIED + s * 1000, value }))

describe('t90Seconds', () => {
  it('interpolates between the two readings that bracket 90 % of the way', () => {
    // baseline 0.1, plateau 2.1: the 90 % level is 1.9, between 1.5 at 10 s and 2.0 at 12 s
    expect(t90Seconds(at([[-1, 0.1], [0, 0.1], [10, 1.5], [12, 2], [14, 2.1]]), { appliedAt: APPLIED, baseline: 0.1, plateau: 2.1 })).toBeCloseTo(11.6, 10)
  })

  it('brackets over bad readings with the good ones on either side', () => {
    expect(t90Seconds(at([[0, 0], [10, 1], [11, null], [12, null], [14, 2]]), { appliedAt: APPLIED, baseline: 0, plateau: 2 })).toBeCloseTo(13.2, 10)
  })

  it('a reading exactly at the level is the time', () => {
    expect(t90Seconds(at([[0, 0], [5, 1.8], [6, 2]]), { appliedAt: APPLIED, baseline: 0, plateau: 2 })).toBe(5)
  })

  it('going down (oxygen with a gas below air): 90 % of the way down', () => {
    // 20.9 → 15: the level is 15.59, between 17 at 4 s and 15 at 6 s
    expect(t90Seconds(at([[0, 20.9], [4, 17], [6, 15]]), { appliedAt: APPLIED, baseline: 20.9, plateau: 15 })).toBeCloseTo(5.41, 10)
  })

  it('readings before the gas do not count, and the time is never negative', () => {
    expect(t90Seconds(at([[-3, 1.9], [-1, 0], [1, 2]]), { appliedAt: APPLIED, baseline: 0, plateau: 2 })).toBeCloseTo(0.8, 10)
    expect(t90Seconds(at([[-4, 0], [1, 2]]), { appliedAt: APPLIED, baseline: 0, plateau: 2 })).toBeCloseTo(0.5, 10)
    expect(t90Seconds(at([[-4, 0], [0.2, 2]]), { appliedAt: APPLIED, baseline: 0, plateau: 2 })).toBe(0)
  })

  it('null when the level is never reached, or there is no way to go', () => {
    expect(t90Seconds(at([[0, 0], [10, 1.7], [20, 1.79]]), { appliedAt: APPLIED, baseline: 0, plateau: 2 })).toBeNull()
    expect(t90Seconds(at([[0, 0], [10, 0]]), { appliedAt: APPLIED, baseline: 0, plateau: 0 })).toBeNull()
    expect(t90Seconds([], { appliedAt: APPLIED, baseline: 0, plateau: 2 })).toBeNull()
  })
})
