import { describe, expect, it } from 'vitest'
import { calibrationStatus } from '../../../edge-agent/src/alarms/calibration.ts'
import type { CalibrationSpec } from '../../../edge-agent/src/alarms/spec.ts'
import { addDays, localDay } from '../../../protocols/calendar/index.ts'

const spec: CalibrationSpec = { device: 'ch4', calibratedOn: '2026-02-20', intervalDays: 15, dueSoonDays: 2, source: 'test' }

describe('calibration due dates', () => {
  it('due on calibratedOn + interval, across a month end', () => {
    expect(addDays('2026-02-20', 15)).toBe('2026-03-07')
    expect(addDays('2028-02-20', 15)).toBe('2028-03-06')
  })

  it('ok, due-soon from dueSoonDays before, still due-soon on the due day, overdue the day after', () => {
    expect(calibrationStatus(spec, '2026-03-04')).toEqual({ state: 'ok', dueOn: '2026-03-07', daysLeft: 3 })
    expect(calibrationStatus(spec, '2026-03-05').state).toBe('due-soon')
    expect(calibrationStatus(spec, '2026-03-07').state).toBe('due-soon')
    expect(calibrationStatus(spec, '2026-03-08')).toEqual({ state: 'overdue', dueOn: '2026-03-07', daysLeft: -1 })
  })

  it('the day is the gateway\'s: 23:30 UTC is already the next day in Asia/Shanghai', () => {
    const ts = Date.parse('2026-03-07T23:30:00Z')
    expect(localDay(ts, 'UTC')).toBe('2026-03-07')
    expect(localDay(ts, 'Asia/Shanghai')).toBe('2026-03-08')
    expect(calibrationStatus(spec, localDay(ts, 'Asia/Shanghai')).state).toBe('overdue')
  })
})
