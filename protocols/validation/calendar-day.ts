/**
 * The one check of a date a person writes (a config, a CSV cell, a query string): a day of the
 * Gregorian calendar written YYYY-MM-DD, year 1000 or later. A message tells a wrong format from a
 * day that does not exist: `2024-02-30 is not a day of the calendar (February 2024 has 29 days)`.
 */

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/u
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const

export const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate()

/** Why `text` is not a calendar day written YYYY-MM-DD, or undefined when it is one. */
export function calendarDayProblem(text: string): string | undefined {
  const m = DAY_RE.exec(text)
  if (!m) return `${JSON.stringify(text)} is not a date YYYY-MM-DD`
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  // Date.UTC reads years 0–99 as 1900–1999: earlier years are not worth that trap
  if (year < 1000) return `${text} is before the year 1000`
  if (month < 1 || month > 12) return `${text} is not a day of the calendar (there is no month ${m[2]})`
  if (day < 1) return `${text} is not a day of the calendar (days count from 01)`
  const days = daysInMonth(year, month)
  if (day > days) return `${text} is not a day of the calendar (${MONTHS[month - 1]} ${year} has ${days} days)`
  return undefined
}

export const isCalendarDay = (text: string): boolean => calendarDayProblem(text) === undefined
