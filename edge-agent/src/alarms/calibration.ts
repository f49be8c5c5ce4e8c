import type { CalibrationSpec } from './spec.ts'

export type CalibrationState = 'ok' | 'due-soon' | 'overdue'

const DAY_MS = 86_400_000

/** The calendar date (YYYY-MM-DD) of an instant in a time zone: calibration is due on a day, not at an instant. */
export function localDate(ts: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ts)
}

/** `date` plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10)
}

const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS)

/**
 * Where a device stands on `today`: due on calibratedOn + intervalDays (still fine on that day),
 * due-soon from dueSoonDays before it, overdue from the day after.
 */
export function calibrationStatus(spec: CalibrationSpec, today: string): { state: CalibrationState; dueOn: string; daysLeft: number } {
  const dueOn = addDays(spec.calibratedOn, spec.intervalDays)
  const daysLeft = daysBetween(today, dueOn)
  const state = daysLeft < 0 ? 'overdue' : daysLeft <= spec.dueSoonDays ? 'due-soon' : 'ok'
  return { state, dueOn, daysLeft }
}
