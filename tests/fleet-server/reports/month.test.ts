import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MonthError, monthWindow } from '../../../fleet-server/src/reports/index.ts'

const H = 3_600_000
/** Shanghai wall-clock time as epoch ms (UTC+8, no daylight saving) */
const sh = (y: number, m: number, d: number, hh = 0, mm = 0) => Date.UTC(y, m - 1, d, hh - 8, mm)

describe('monthWindow: calendar months in Asia/Shanghai', () => {
  it('a past month spans its first day 00:00 +08:00 to the next month\'s, not UTC midnights', () => {
    const w = monthWindow('2026-05', sh(2026, 6, 15))
    expect(w.from).toBe(Date.UTC(2026, 3, 30, 16))
    expect(w.monthEnd).toBe(Date.UTC(2026, 4, 31, 16))
    expect(w.to).toBe(w.monthEnd)
    expect(w.current).toBe(false)
    expect(w.hours).toBe(31 * 24)
    expect([w.firstDay, w.lastDay, w.asOf, w.calibrationDay]).toEqual(['2026-05-01', '2026-05-31', '2026-05-31', '2026-06-01'])
  })

  it('the month begins at Shanghai midnight: 1 ms earlier (16:00 UTC the day before) it is still in the future', () => {
    expect(() => monthWindow('2026-06', sh(2026, 6, 1) - 1)).toThrow(MonthError)
    const w = monthWindow('2026-06', sh(2026, 6, 1))
    expect(w.current).toBe(true)
    expect(w.hours).toBe(0)
    expect(w.to).toBe(w.from)
    // at 00:00 UTC on 1 June it is already 08:00 in Shanghai
    expect(monthWindow('2026-06', Date.UTC(2026, 5, 1)).hours).toBe(8)
  })

  it('the current month is clipped to now: only whole hours count, asOf and calibrations are judged today', () => {
    const now = sh(2026, 6, 10, 13, 59)
    const w = monthWindow('2026-06', now)
    expect(w.current).toBe(true)
    expect(w.to).toBe(now)
    expect(w.hours).toBe(9 * 24 + 13)
    expect(w.asOf).toBe('2026-06-10')
    expect(w.calibrationDay).toBe('2026-06-10')
    expect(w.lastDay).toBe('2026-06-30')
  })

  it('at the last instant of a month it is still current; at the next midnight it is past', () => {
    expect(monthWindow('2026-06', sh(2026, 7, 1) - 1).current).toBe(true)
    const w = monthWindow('2026-06', sh(2026, 7, 1))
    expect(w.current).toBe(false)
    expect(w.hours).toBe(30 * 24)
  })

  it('December runs into the next year; February of a leap year has 29 days', () => {
    const dec = monthWindow('2025-12', sh(2026, 3, 1))
    expect(dec.monthEnd).toBe(Date.UTC(2025, 11, 31, 16))
    expect(dec.calibrationDay).toBe('2026-01-01')
    expect(monthWindow('2024-02', sh(2026, 3, 1)).hours).toBe(29 * 24)
    expect(monthWindow('2026-02', sh(2026, 3, 1)).hours).toBe(28 * 24)
  })

  it('refuses a malformed month and a future one', () => {
    for (const month of ['2026-13', '2026-00', '2026-6', '26-06', '2026-06-01', '']) expect(() => monthWindow(month, sh(2026, 6, 1)), month).toThrow(/YYYY-MM/u)
    expect(() => monthWindow('2026-07', sh(2026, 6, 30, 23, 59))).toThrow(/has not begun/u)
  })

  it('property: the window lies inside the month and its hours never exceed the month\'s', () => {
    fc.assert(fc.property(
      fc.integer({ min: 2000, max: 2099 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 40 * 24 * H }),
      (year, month, after) => {
        const name = `${year}-${String(month).padStart(2, '0')}`
        const days = new Date(Date.UTC(year, month, 0)).getUTCDate()
        const w = monthWindow(name, sh(year, month, 1) + after)
        expect(w.monthEnd - w.from).toBe(days * 24 * H)
        expect(w.to).toBeGreaterThanOrEqual(w.from)
        expect(w.to).toBeLessThanOrEqual(w.monthEnd)
        expect(w.hours).toBeLessThanOrEqual(days * 24)
        expect(w.from + w.hours * H).toBeLessThanOrEqual(w.to)
        expect(w.current).toBe(after < days * 24 * H)
        expect(w.asOf >= w.firstDay && w.asOf <= w.lastDay).toBe(true)
      },
    ))
  })
})
