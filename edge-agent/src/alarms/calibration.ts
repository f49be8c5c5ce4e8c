import type { CalibrationSpec } from './spec.ts'
import { addDays, daysBetween } from '../../../protocols/calendar/index.ts'

export type CalibrationState = 'ok' | 'due-soon' | 'overdue'

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
