import { describe, expect, it } from 'vitest'
import { formatSafetyStatus } from '../../../edge-agent/src/cli/operator.ts'
import type { PeriodicTestStatus } from '../../../edge-agent/src/periodic/notices.ts'

const source = 'rule [S]'
const TESTS: PeriodicTestStatus[] = [
  { device: 'ch4-1', test: 'calibration', state: 'overdue', lastOn: '2026-03-04', dueOn: '2026-03-19', daysLeft: -1, periodDays: 15, source },
  { device: 'ch4-1', test: 'bump', state: 'due-soon', lastOn: '2026-02-20', dueOn: '2026-03-22', daysLeft: 2, periodDays: 30, source },
  { device: 'ch4-1', test: 'interlock', interlock: 'ch4-power-cut', state: 'overdue', periodDays: 15, source },
  { device: 'co-1', test: 'calibration', state: 'ok', lastOn: '2026-03-18', dueOn: '2026-04-17', daysLeft: 28, periodDays: 30, source },
]

describe('edge-agent alarms: the tests due', () => {
  it('lists calibrations and recurring tests due soon or overdue after the interlocks, never done first', () => {
    expect(formatSafetyStatus({ alarms: [], interlocks: [], tests: TESTS }).split('\n').slice(4)).toEqual([
      'tests due: 3 of 4 (2 overdue)',
      '  DEVICE  TEST                     DUE ON      LAST PASSED  STATE                EVERY',
      '  ch4-1   interlock ch4-power-cut  -           -            overdue, never done  15 days',
      '  ch4-1   calibration              2026-03-19  2026-03-04   overdue by 1 day     15 days',
      '  ch4-1   bump                     2026-03-22  2026-02-20   due in 2 days        30 days',
    ])
  })

  it('says when every test is ok, and nothing when the agent does not report tests', () => {
    expect(formatSafetyStatus({ alarms: [], interlocks: [], tests: TESTS.slice(3) }).split('\n').at(-1)).toBe('tests due: none (1 ok)')
    expect(formatSafetyStatus({ alarms: [], interlocks: [] })).toBe('active alarms: none\n\ninterlocks: none configured')
  })
})
