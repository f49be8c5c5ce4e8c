import { describe, expect, it } from 'vitest'
import { recovered, type LevelSpec, type Reading } from '../../../../edge-agent/src/commission/analysis/index.ts'

const REMOVED = 1_796_090_400_000
const at = (pairs: [number, number | null][]): Reading[] => pairs.map(([s, value]) => ({ ts: REMOVED + s * 1000, value }))
const METHANE: LevelSpec[] = [
  { level: 'alarm', direction: 'high', setPoint: 1, restore: 1 },
  { level: 'power-off', direction: 'high', setPoint: 1.5, restore: 0.8 },
]

describe('recovered', () => {
  it('the first good reading after removal below every high level\'s restore value (power-off restores at 0.8, not 1.0)', () => {
    const readings = at([[-1, 2], [0, 0.5], [5, 1.2], [10, 0.9], [12, null], [15, 0.79], [20, 0.1]])
    expect(recovered(readings, { removedAt: REMOVED, levels: METHANE, gas: 2 })).toEqual({ ts: REMOVED + 15_000, value: 0.79 })
  })

  it('the restore value itself has not cleared yet (the agent clears below it)', () => {
    expect(recovered(at([[1, 0.8], [2, 0.7]]), { removedAt: REMOVED, levels: METHANE, gas: 2 })?.ts).toBe(REMOVED + 2000)
  })

  it('a low level clears above its restore value', () => {
    const oxygen: LevelSpec[] = [{ level: 'low', direction: 'low', setPoint: 19.5, restore: 19.8 }]
    expect(recovered(at([[1, 16], [2, 19.8], [3, 20.1]]), { removedAt: REMOVED, levels: oxygen, gas: 15 })?.value).toBe(20.1)
  })

  it('no levels: back below 10 % of the gas (from the baseline)', () => {
    expect(recovered(at([[1, 1], [2, 0.2], [3, 0.19]]), { removedAt: REMOVED, levels: [], gas: 2 })?.value).toBe(0.19)
    expect(recovered(at([[1, 16], [2, 20.3], [3, 20.4]]), { removedAt: REMOVED, levels: [], gas: 15, baseline: 20.9 })?.value).toBe(20.4)
  })

  it('undefined while the reading has not come back', () => {
    expect(recovered(at([[1, 1.2], [2, 1.1], [3, null]]), { removedAt: REMOVED, levels: METHANE, gas: 2 })).toBeUndefined()
  })
})
