import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  countMinutes, dayName, DAY_BITMAP_BYTES, emptyDayBitmap, hasMinute, localDayOfMinute, minuteOf, setMinute,
} from '../../../fleet-server/src/telemetry/device-minutes.ts'

describe('device minutes', () => {
  it('puts a minute on its Shanghai calendar day, not the UTC one', () => {
    // 2026-03-01 23:59 UTC is 2026-03-02 07:59 in Shanghai; 2026-03-01 15:59 UTC is 23:59 there
    const late = localDayOfMinute(minuteOf(Date.parse('2026-03-01T15:59:30Z')))
    expect(dayName(late.day)).toBe('2026-03-01')
    expect(late.minuteOfDay).toBe(1439)
    const midnight = localDayOfMinute(minuteOf(Date.parse('2026-03-01T16:00:00Z')))
    expect(dayName(midnight.day)).toBe('2026-03-02')
    expect(midnight.minuteOfDay).toBe(0)
    expect(dayName(localDayOfMinute(minuteOf(Date.parse('2028-02-29T08:00:00+08:00'))).day)).toBe('2028-02-29')
  })

  it('sets each minute once, counts what is set, and is idempotent', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 1439 }), { maxLength: 3000 }), (minutes) => {
      const bits = emptyDayBitmap()
      expect(bits.length).toBe(DAY_BITMAP_BYTES)
      const fresh = minutes.filter((m) => setMinute(bits, m)).length
      expect(fresh).toBe(new Set(minutes).size)
      expect(countMinutes(bits)).toBe(new Set(minutes).size)
      for (const m of minutes) expect(hasMinute(bits, m)).toBe(true)
      expect(minutes.some((m) => setMinute(bits, m))).toBe(false)
    }))
  })

  it('a full day is 1,440 minutes', () => {
    const bits = emptyDayBitmap()
    for (let m = 0; m < 1440; m++) setMinute(bits, m)
    expect(countMinutes(bits)).toBe(1440)
  })
})
