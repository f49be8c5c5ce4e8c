/**
 * Commissioning records, pure: which dates are plausible, which records count on a day (effective:
 * recorded by then, neither rejected nor replaced by then), and whether live data corroborates one.
 * Records are append-only; a rejection and a correction are new records naming the one they cancel.
 */
import { addDays, daysBetween, shanghaiMidnight } from '../../../protocols/calendar/index.ts'
import { calendarDayProblem } from '../../../protocols/validation/index.ts'

/** a commissioning date more than this many years before the duty's start is not plausible */
export const PLAUSIBLE_YEARS_BEFORE_DUTY = 10
/** live data within this many days after the record's date corroborates it */
export const CORROBORATION_DAYS = 7

/** The earliest plausible commissioning date of a duty starting `dutyStart`: the same day 10 years before (28 Feb for 29 Feb). */
export function earliestPlausibleDay(dutyStart: string): string {
  const year = Number(dutyStart.slice(0, 4)) - PLAUSIBLE_YEARS_BEFORE_DUTY
  const monthDay = dutyStart.slice(5)
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  return `${String(year).padStart(4, '0')}-${monthDay === '02-29' && !leap ? '02-28' : monthDay}`
}

/**
 * Why `commissionedOn` cannot be accepted for a duty starting `dutyStart` on `today` (YYYY-MM-DD,
 * Asia/Shanghai), or undefined: not a calendar day, in the future, or more than 10 years before the
 * duty's start (no record can make a site compliant by a date nobody could have meant).
 */
export function commissionedOnProblem(commissionedOn: string, { dutyStart, today }: { dutyStart: string; today: string }): string | undefined {
  const problem = calendarDayProblem(commissionedOn)
  if (problem !== undefined) return problem
  if (daysBetween(today, commissionedOn) > 0) return `${commissionedOn} is in the future (today is ${today}, Asia/Shanghai)`
  const earliest = earliestPlausibleDay(dutyStart)
  if (daysBetween(earliest, commissionedOn) < 0) {
    return `${commissionedOn} is more than ${PLAUSIBLE_YEARS_BEFORE_DUTY} years before the duty starts ${dutyStart} (the earliest plausible date is ${earliest})`
  }
  return undefined
}

/** The end of `day` (YYYY-MM-DD, Asia/Shanghai) in epoch ms: what was recorded before it existed on that day. */
export function endOfDayMs(day: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  return shanghaiMidnight(y, m, d + 1)
}

/** What the rules need of a stored record. */
export interface RecordFacts {
  id: number
  siteId: string
  system: string
  commissionedOn: string
  /** false: entered as not accepted (a legacy flag; a regulator now rejects with a reason) */
  accepted: boolean
  /** when the server recorded it, epoch ms */
  createdAt: number
  /** the record this one corrects */
  replaces?: number
}

export interface RejectionFacts {
  id: number
  recordId: number
  by: string
  reason: string
  createdAt: number
}

export type RecordState = 'effective' | 'rejected' | 'replaced'

export interface RecordStanding {
  state: RecordState
  rejection?: RejectionFacts
  /** the record that corrects this one */
  replacedBy?: number
}

/**
 * Each record recorded before `recordedBefore` (epoch ms) as it stood then: rejected when a rejection
 * of it was recorded before then, else replaced when a correction naming it was, else effective (when
 * accepted). Later records, rejections and corrections are ignored: history cannot be rewritten.
 */
export function recordStandings<R extends RecordFacts>(
  records: readonly R[], rejections: readonly RejectionFacts[], recordedBefore: number,
): Map<number, { record: R } & RecordStanding> {
  const known = records.filter((r) => r.createdAt < recordedBefore)
  const rejectionOf = new Map<number, RejectionFacts>()
  for (const r of rejections) if (r.createdAt < recordedBefore && !rejectionOf.has(r.recordId)) rejectionOf.set(r.recordId, r)
  const replacedBy = new Map<number, number>()
  for (const r of known) if (r.replaces !== undefined && !replacedBy.has(r.replaces)) replacedBy.set(r.replaces, r.id)
  const standings = new Map<number, { record: R } & RecordStanding>()
  for (const record of known) {
    const rejection = rejectionOf.get(record.id)
    const by = replacedBy.get(record.id)
    const standing: { record: R } & RecordStanding = { record, state: rejection !== undefined || !record.accepted ? 'rejected' : by !== undefined ? 'replaced' : 'effective' }
    if (rejection !== undefined) standing.rejection = rejection
    if (by !== undefined) standing.replacedBy = by
    standings.set(record.id, standing)
  }
  return standings
}

/** the key installationRecords() files a (site, system) under */
export const siteSystemKey = (siteId: string, system: string): string => `${siteId}\u0000${system}`

/**
 * Per (site, system): the effective record counted as its installation on `asOf` — of the effective
 * records dated on or before asOf, the earliest date (the lower id on a tie). A correction is the
 * latest word of its chain; independent records of the same system count from the first.
 */
export function installationRecords<R extends RecordFacts>(standings: ReadonlyMap<number, { record: R } & RecordStanding>, asOf: string): Map<string, R> {
  const chosen = new Map<string, R>()
  for (const { record, state } of standings.values()) {
    // YYYY-MM-DD days (4-digit years, as stored) compare as strings in calendar order: no parsing per record
    if (state !== 'effective' || record.commissionedOn > asOf) continue
    const key = siteSystemKey(record.siteId, record.system)
    const best = chosen.get(key)
    if (!best || record.commissionedOn < best.commissionedOn || (record.commissionedOn === best.commissionedOn && record.id < best.id)) chosen.set(key, record)
  }
  return chosen
}

/**
 * Whether live data corroborates a record dated `commissionedOn`, seen on `asOf`: a device of its
 * system had good data on a day (Asia/Shanghai) no later than the record's date + 7 days and no later
 * than asOf. `firstDataDay`: the earliest such day of any of its devices, undefined when none.
 */
export function corroborated(commissionedOn: string, firstDataDay: string | undefined, asOf: string): boolean {
  if (firstDataDay === undefined) return false
  const limit = addDays(commissionedOn, CORROBORATION_DAYS)
  return daysBetween(firstDataDay, limit) >= 0 && daysBetween(firstDataDay, asOf) >= 0
}
