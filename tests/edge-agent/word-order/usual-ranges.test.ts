import { describe, expect, it } from 'vitest'
import { UNITS } from '../../../hardware-profiles/index.ts'
import { USUAL_RANGES } from '../../../edge-agent/src/word-order/index.ts'

describe('USUAL_RANGES', () => {
  it('has an entry for every profile unit, each range ordered and explained', () => {
    for (const unit of UNITS) {
      expect(Object.hasOwn(USUAL_RANGES, unit), unit).toBe(true)
      const range = USUAL_RANGES[unit]
      if (range === undefined) continue
      expect(range.min, unit).toBeLessThan(range.max)
      expect(range.basis.length, unit).toBeGreaterThan(0)
    }
  })

  it('bounds gas fractions by their physical range', () => {
    for (const unit of ['%CH4', '%VOL', '%LEL'] as const) expect(USUAL_RANGES[unit]).toMatchObject({ min: 0, max: 100 })
    expect(USUAL_RANGES.ppm).toMatchObject({ min: 0, max: 1_000_000 })
  })
})
