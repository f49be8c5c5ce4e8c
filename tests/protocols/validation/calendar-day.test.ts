import { describe, expect, it } from 'vitest'
import { calendarDayProblem, isCalendarDay } from '../../../protocols/validation/index.ts'

describe('calendarDayProblem: one checker for every date a user writes', () => {
  it.each(['2024-02-29', '2000-02-29', '2026-12-31', '1000-01-01', '9999-12-31'])('%s is a day', (day) => {
    expect(calendarDayProblem(day)).toBeUndefined()
    expect(isCalendarDay(day)).toBe(true)
  })

  it.each([
    ['2024-02-30', '2024-02-30 is not a day of the calendar (February 2024 has 29 days)'],
    ['2026-02-29', '2026-02-29 is not a day of the calendar (February 2026 has 28 days)'],
    ['2100-02-29', '2100-02-29 is not a day of the calendar (February 2100 has 28 days)'],
    ['2025-04-31', '2025-04-31 is not a day of the calendar (April 2025 has 30 days)'],
    ['2025-06-00', '2025-06-00 is not a day of the calendar (days count from 01)'],
    ['2025-13-01', '2025-13-01 is not a day of the calendar (there is no month 13)'],
    ['2025-00-10', '2025-00-10 is not a day of the calendar (there is no month 00)'],
    ['0999-12-31', '0999-12-31 is before the year 1000'],
  ])('%s: the format is right, the day does not exist', (day, message) => {
    expect(calendarDayProblem(day)).toBe(message)
    expect(isCalendarDay(day)).toBe(false)
  })

  it.each(['2025-6-1', '2025/06/01', '20250601', ' 2025-06-01', '2025-06-01T00:00', 'june', ''])('%j is not written YYYY-MM-DD', (text) => {
    expect(calendarDayProblem(text)).toBe(`${JSON.stringify(text)} is not a date YYYY-MM-DD`)
  })
})
