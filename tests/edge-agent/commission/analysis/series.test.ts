import { describe, expect, it } from 'vitest'
import { toSeries, type Reading } from '../../../../edge-agent/src/commission/analysis/index.ts'

const T0 = 1_796_090_400_000
const readings = (n: number): Reading[] => Array.from({ length: n }, (_, i) => ({ ts: T0 + i * 500, value: i % 7 === 3 ? null : i }))

describe('toSeries', () => {
  it('milliseconds after the first reading, nulls kept', () => {
    expect(toSeries(readings(5))).toEqual({ t0: T0, points: [[0, 0], [500, 1], [1000, 2], [1500, null], [2000, 4]] })
  })

  it('thins evenly to at most 4000 points, keeping the first and the last', () => {
    const series = toSeries(readings(10_001))
    expect(series.points).toHaveLength(4000)
    expect(series.points[0]).toEqual([0, 0])
    expect(series.points.at(-1)).toEqual([5_000_000, 10_000])
    const gaps = series.points.slice(1).map(([t], i) => t - series.points[i]![0])
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThanOrEqual(500)
  })

  it('a smaller limit; exactly the limit is kept whole; no reading at all', () => {
    expect(toSeries(readings(9), 3).points.map(([, v]) => v)).toEqual([0, 4, 8])
    expect(toSeries(readings(4000)).points).toHaveLength(4000)
    expect(toSeries([])).toEqual({ t0: 0, points: [] })
    expect(toSeries([], 4000, T0)).toEqual({ t0: T0, points: [] })
  })
})
