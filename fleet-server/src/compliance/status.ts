/**
 * Compliance status, pure: functions of dates (YYYY-MM-DD, Asia/Shanghai calendar days) and numbers,
 * no clock and no store. complianceStatus() below defines the statuses; the README's "Compliance rules" says
 * the same to users.
 */

import { calendarDayProblem, daysInMonth, isCalendarDay } from '../../../protocols/validation/calendar-day.ts'
import { daysBetween } from '../../../protocols/calendar/index.ts'
import { DUE_SOON_DAYS, type ComplianceState } from '../model/index.ts'

const VERIFIED_COVERAGE = 0.95

export interface ComplianceInput {
  /** the date the rule applies to the site from */
  appliesFrom: string
  /** null: the plan gives no period, the duty is due at once */
  periodYears: number | null
  /** the date of the first accepted commissioning record, if any */
  installedOn?: string | undefined
  /** the day the status is asked for */
  asOf: string
  dueSoonDays?: number
}

export interface ComplianceStatus {
  /** always a date: a duty with no period is due on the day it applies from */
  deadline: string
  status: ComplianceState
  /** overdue: days since the deadline (≥ 1); late: days the installation came after it (≥ 1) */
  daysOverdue?: number
  /** due-soon and on-track: days until the deadline (0 on the deadline day) */
  daysLeft?: number
}

const DAY_MS = 86_400_000

/** True when `day` is a real calendar date written YYYY-MM-DD, year 1000 or later (2011-02-29 is not). */
export const isDay = isCalendarDay

function parseDay(day: string): [number, number, number] {
  const problem = calendarDayProblem(day)
  if (problem !== undefined) throw new RangeError(`expected a date YYYY-MM-DD: ${problem}`)
  const [year, month, date] = day.split('-').map(Number) as [number, number, number]
  return [year, month, date]
}
const pad = (n: number, width = 2): string => String(n).padStart(width, '0')
const dayNumber = (day: string): number => {
  const [y, m, d] = parseDay(day)
  return Date.UTC(y, m - 1, d) / DAY_MS
}


/**
 * The deadline of a duty that applies from `appliesFrom` with a period of `periodYears` calendar years:
 * the same month and day that many years later. A start on 29 February ends on 28 February of a
 * common year — never past the anniversary (a duty "within 3 years" of 2012-02-29 is due by
 * 2015-02-28, not 2015-03-01). No period (null): due at once, the deadline is `appliesFrom` itself.
 */
export function deadlineOf(appliesFrom: string, periodYears: number | null): string {
  const [year, month, date] = parseDay(appliesFrom)
  if (periodYears === null) return appliesFrom
  if (!Number.isInteger(periodYears) || periodYears < 0) throw new RangeError(`periodYears must be a whole number ≥ 0 or null, got ${periodYears}`)
  const y = year + periodYears
  return `${pad(y, 4)}-${pad(month)}-${pad(Math.min(date, daysInMonth(y, month)))}`
}

/**
 * The status of one (site, required system) on `asOf`:
 * - installed on or before the deadline (the deadline day itself included): compliant;
 * - installed after it: late, with daysOverdue = how many days after;
 * - not installed and asOf after the deadline: overdue, with daysOverdue;
 * - not installed and the deadline within dueSoonDays (0 … dueSoonDays days left, the deadline day
 *   itself included): due-soon; further away: on-track; both with daysLeft.
 * An installation dated after `asOf` does not count yet: the status is the one that held on `asOf`.
 */
export function complianceStatus(input: ComplianceInput): ComplianceStatus {
  const { appliesFrom, periodYears, installedOn, asOf, dueSoonDays = DUE_SOON_DAYS } = input
  const deadline = deadlineOf(appliesFrom, periodYears)
  if (installedOn !== undefined && daysBetween(installedOn, asOf) >= 0) {
    const after = daysBetween(deadline, installedOn)
    return after <= 0 ? { deadline, status: 'compliant' } : { deadline, status: 'late', daysOverdue: after }
  }
  const daysLeft = daysBetween(asOf, deadline)
  if (daysLeft < 0) return { deadline, status: 'overdue', daysOverdue: -daysLeft }
  return { deadline, status: daysLeft <= dueSoonDays ? 'due-soon' : 'on-track', daysLeft }
}

/** "Missed the deadline" = late or overdue. */
export const missedDeadline = (status: ComplianceState): boolean => status === 'late' || status === 'overdue'

/**
 * Live evidence: a system is verified when its devices reported data for at least 95 % of the last
 * 7 days. `coverage` is a fraction 0…1; a hair of tolerance absorbs floating-point division
 * (6.65 / 7 must count as 95 %).
 */
export function verified(coverage: number): boolean {
  return coverage >= VERIFIED_COVERAGE - 1e-9
}

/**
 * A system's coverage from its devices' own: the worst device's, so one silent sensor is not hidden
 * by an average. No devices: 0 (nothing reports, nothing is verified).
 */
export function systemCoverage(deviceCoverages: readonly number[]): number {
  return deviceCoverages.length === 0 ? 0 : Math.min(...deviceCoverages)
}
