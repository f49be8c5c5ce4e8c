import { describe, expect, it } from 'vitest'
import type { CalibrationSpec } from '../../../edge-agent/src/alarms/spec.ts'
import { noticeChanges, periodicStatus, testNoticeId, type PeriodicTestSpec, type TestHistory, type TestNotice } from '../../../edge-agent/src/periodic/notices.ts'

const CALIBRATION: CalibrationSpec = { device: 'ch4', intervalDays: 15, dueSoonDays: 2, source: 'rule [S]' }
const BUMP: PeriodicTestSpec = { device: 'ch4', test: 'bump', periodDays: 30, dueSoonDays: 14, source: 'monthly [S]' }
const INTERLOCK: PeriodicTestSpec = { device: 'ch4', test: 'interlock', interlock: 'cut', periodDays: 15, dueSoonDays: 3, source: 'power-off [S]' }
const specs = { calibrations: [CALIBRATION], tests: [BUMP, INTERLOCK] }
const history = (days: Record<string, string>): TestHistory => ({ lastPassed: (device, test, interlock) => days[[device, test, interlock].filter(Boolean).join('/')] })
const fresh = () => ({ calibration: new Map<string, TestNotice>(), tests: new Map<string, TestNotice>() })

describe('periodic test notices', () => {
  it('a calibration never done is overdue in the status but has no event (the event names its date); tests never done have one without dueOn', () => {
    expect(periodicStatus(specs, undefined, '2026-03-20').map((s) => [s.test, s.state, s.dueOn ?? null])).toEqual([['calibration', 'overdue', null], ['bump', 'overdue', null], ['interlock', 'overdue', null]])
    const notices = fresh()
    const { events, changed, warnings } = noticeChanges(specs, undefined, '2026-03-20', 1, notices)
    expect(events).toEqual([
      { type: 'test-due', ts: 1, device: 'ch4', test: 'bump', state: 'overdue', periodDays: 30, source: 'monthly [S]' },
      { type: 'test-due', ts: 1, device: 'ch4', test: 'interlock', interlock: 'cut', state: 'overdue', periodDays: 15, source: 'power-off [S]' },
    ])
    expect(changed).toEqual([{ section: 'testNotices', id: 'ch4/bump' }, { section: 'testNotices', id: 'ch4/interlock/cut' }])
    expect(warnings.map((w) => w.text)).toEqual(['bump test of ch4 overdue: never done', 'interlock test cut of ch4 overdue: never done'])
    expect(noticeChanges(specs, undefined, '2026-03-21', 2, notices).events).toEqual([])
  })

  it('each test by its own id; the history\'s date, the notice texts', () => {
    expect([BUMP, INTERLOCK].map(testNoticeId)).toEqual(['ch4/bump', 'ch4/interlock/cut'])
    const notices = fresh()
    const passed = history({ 'ch4/calibration': '2026-03-06', 'ch4/bump': '2026-02-20', 'ch4/interlock/cut': '2026-03-19' })
    const { events, warnings } = noticeChanges(specs, passed, '2026-03-20', 1, notices)
    expect(events).toEqual([
      { type: 'calibration', ts: 1, device: 'ch4', state: 'due-soon', dueOn: '2026-03-21', calibratedOn: '2026-03-06', source: 'rule [S]' },
      { type: 'test-due', ts: 1, device: 'ch4', test: 'bump', state: 'due-soon', dueOn: '2026-03-22', lastOn: '2026-02-20', periodDays: 30, source: 'monthly [S]' },
    ])
    expect(warnings.map((w) => w.text)).toEqual(['calibration of ch4 due tomorrow (2026-03-21)', 'bump test of ch4 due on 2026-03-22, in 2 days'])
    expect(notices.calibration.get('ch4')).toEqual({ state: 'due-soon', dueOn: '2026-03-21' })
    expect(noticeChanges(specs, passed, '2026-03-23', 2, notices).warnings.map((w) => w.text)).toEqual(['calibration of ch4 overdue: was due on 2026-03-21, 2 days ago', 'bump test of ch4 overdue: was due on 2026-03-22, 1 day ago'])
  })
})
