import type { CalibrationSpec } from './spec.ts'
import { testStatus, type TestState } from '../../../protocols/commissioning/index.ts'

export type CalibrationState = TestState

/**
 * Where a device stands on `today`, calibrated last on `calibratedOn` (the spec's, unless a later one
 * is given): due on calibratedOn + intervalDays (still fine on that day), due-soon from dueSoonDays
 * before it, overdue from the day after; never calibrated, overdue without a due date.
 */
export function calibrationStatus(spec: CalibrationSpec, today: string, calibratedOn = spec.calibratedOn): { state: CalibrationState; dueOn?: string; daysLeft?: number } {
  const { state, dueOn, daysLeft } = testStatus({ test: 'calibration', periodDays: spec.intervalDays, dueSoonDays: spec.dueSoonDays, source: spec.source }, calibratedOn, today)
  return { state, ...(dueOn !== undefined && { dueOn, daysLeft: daysLeft! }) }
}
