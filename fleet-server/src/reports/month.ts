/**
 * Calendar months in Asia/Shanghai (UTC+8 all year, no daylight saving), pure: a month spans
 * [its first day 00:00 +08:00, the next month's first day 00:00 +08:00).
 */
import { ProductError } from '../../../protocols/errors.ts'
import { shanghaiDay, shanghaiMidnight } from '../../../protocols/calendar/index.ts'

export const HOUR_MS = 3_600_000
const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/u
/**
 * The first month a report covers. Times are epoch ms ≥ 0 (a month before 1970-02 would start before
 * the epoch in Shanghai) and the plan's duties start in 2011: 2000-01 leaves room and keeps clear of both.
 */
export const FIRST_REPORT_MONTH = '2000-01'

export interface MonthWindow {
  /** YYYY-MM */
  month: string
  /** epoch ms of the first day 00:00 in Shanghai */
  from: number
  /** epoch ms of the next month's first day 00:00 in Shanghai */
  monthEnd: number
  /** the end of what the report counts: monthEnd, or `now` for the current month */
  to: number
  /** true when `now` falls inside the month */
  current: boolean
  /** whole hours from `from` to `to`: the hours offline time is counted over */
  hours: number
  /** YYYY-MM-DD: the month's first day */
  firstDay: string
  /** YYYY-MM-DD: the month's last day */
  lastDay: string
  /** YYYY-MM-DD: the day compliance is asked for: the last day, or today for the current month */
  asOf: string
  /** YYYY-MM-DD: the day calibrations are judged on: the day the month ends on (the next month's first day), or today */
  calibrationDay: string
}

export class MonthError extends ProductError {
  readonly code = 'MONTH_INVALID'
  constructor(message: string) {
    super(message)
    this.name = 'MonthError'
  }
}

/** YYYY-MM in Shanghai of an instant. */
const shanghaiMonth = (ts: number): string => shanghaiDay(ts).slice(0, 7)

/**
 * The window a monthly report covers. Throws MonthError for a malformed month, one before
 * FIRST_REPORT_MONTH or one that has not started yet at `now`.
 */
export function monthWindow(month: string, now: number): MonthWindow {
  const m = MONTH_RE.exec(month)
  if (!m) throw new MonthError(`expected a month YYYY-MM, got "${month}"`)
  if (month < FIRST_REPORT_MONTH) throw new MonthError(`${month} is before ${FIRST_REPORT_MONTH}, the first month a report covers`)
  const [year, index] = [Number(m[1]), Number(m[2]) - 1]
  const from = shanghaiMidnight(year, index + 1, 1)
  const monthEnd = shanghaiMidnight(year, index + 2, 1)
  if (from > now) throw new MonthError(`${month} has not begun yet (this month is ${shanghaiMonth(now)}, Asia/Shanghai)`)
  const current = now < monthEnd
  const to = current ? now : monthEnd
  return {
    month, from, monthEnd, to, current,
    hours: Math.floor((to - from) / HOUR_MS),
    firstDay: shanghaiDay(from),
    lastDay: shanghaiDay(monthEnd - 1),
    asOf: current ? shanghaiDay(now) : shanghaiDay(monthEnd - 1),
    calibrationDay: current ? shanghaiDay(now) : shanghaiDay(monthEnd),
  }
}
