/**
 * Calendar days, the one contract for them: a day is written YYYY-MM-DD (checked by
 * validation/calendar-day.ts) and an instant falls on a day in a time zone. Deadlines, calibration
 * due dates, coverage windows and monthly reports are all counted in days of the Asia/Shanghai
 * calendar, which is UTC+8 all year (no daylight saving): the `shanghai…` functions use that fixed
 * offset, fast enough for ingest's hot path; `localDay` serves any IANA zone a gateway is set to.
 */
import { calendarDayProblem } from '../validation/calendar-day.ts'

export const SHANGHAI = 'Asia/Shanghai'
export const SHANGHAI_OFFSET_MS = 8 * 3_600_000
export const DAY_MS = 86_400_000

const dayFormats = new Map<string, Intl.DateTimeFormat>()

/** The calendar day an instant (epoch ms) falls on in `timeZone`: 23:30 UTC is already the next day in Shanghai. */
export function localDay(ts: number, timeZone: string = SHANGHAI): string {
  if (!Number.isFinite(ts)) throw new RangeError(`expected epoch milliseconds, got ${ts}`)
  let format = dayFormats.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    dayFormats.set(timeZone, format)
  }
  const parts = Object.fromEntries(format.formatToParts(ts).map((p) => [p.type, p.value]))
  return `${parts.year}-${parts.month}-${parts.day}`
}

/** YYYY-MM-DD of an instant in Shanghai. */
export const shanghaiDay = (ts: number): string => new Date(ts + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10)

/** YYYY-MM-DD HH:MM of an instant in Shanghai. */
export const shanghaiTime = (ts: number): string => new Date(ts + SHANGHAI_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ')

/** Epoch ms of 00:00 in Shanghai on year, month (1–12), date; out-of-range parts roll over as Date.UTC's do. */
export const shanghaiMidnight = (year: number, month: number, date: number): number => Date.UTC(year, month - 1, date) - SHANGHAI_OFFSET_MS

function dayNumber(day: string): number {
  const problem = calendarDayProblem(day)
  if (problem !== undefined) throw new RangeError(`expected a date YYYY-MM-DD: ${problem}`)
  const [year, month, date] = day.split('-').map(Number) as [number, number, number]
  return Date.UTC(year, month - 1, date) / DAY_MS
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export const daysBetween = (from: string, to: string): number => dayNumber(to) - dayNumber(from)

/** `day` plus `days` calendar days (minus, when negative). */
export const addDays = (day: string, days: number): string => new Date((dayNumber(day) + days) * DAY_MS).toISOString().slice(0, 10)
