import { describe, expect, it } from 'vitest'
import type { AlarmTransition } from '../../../edge-agent/src/alarms/evaluator.ts'
import type { InterlockTransition } from '../../../edge-agent/src/interlocks/decision.ts'
import { alarmText, calibrationText, interlockText } from '../../../edge-agent/src/safety/log-text.ts'

const o2 = (extra: Partial<AlarmTransition>): AlarmTransition =>
  ({ type: 'alarm', ts: 0, state: 'raised', device: 'o2-1', channel: 'o2', kind: 'sensor-fault', level: 'comm-fail', unit: '%VOL', ...extra })

describe('the log text of an alarm transition', () => {
  it.each<[string, Partial<AlarmTransition>, string]>([
    ['a level raised, with the reading', { kind: 'level', level: 'low', value: 19.4, quality: undefined }, 'alarm raised: o2-1/o2 level low (19.4 %VOL)'],
    ['a level escalated', { kind: 'level', state: 'escalated', level: 'power-off', from: 'alarm', value: 1.6, unit: '%CH4' }, 'alarm escalated: o2-1/o2 level power-off (1.6 %CH4), was alarm'],
    ['a level cleared by the value', { kind: 'level', state: 'cleared', level: 'low', value: 19.9 }, 'alarm cleared: o2-1/o2 level low (19.9 %VOL)'],
    ['a sensor fault raised, with why; no reading', { value: null, quality: 'comm-fail', reason: 'no answer in 1000 ms' }, 'alarm raised: o2-1/o2 sensor-fault comm-fail: no answer in 1000 ms'],
    ['a sensor fault whose kind changed: the value of a bad sample is not a reading', { state: 'changed', level: 'warming-up', from: 'comm-fail', value: 0, quality: 'warming-up' }, 'alarm changed: o2-1/o2 sensor-fault warming-up, was comm-fail'],
    ['a sensor fault cleared by a good sample', { state: 'cleared', level: 'warming-up', value: 20.9, quality: 'good' }, 'alarm cleared: o2-1/o2 sensor-fault: good again (20.9 %VOL), was warming-up'],
    ['a latched sensor fault cleared by its acknowledgement', { state: 'cleared', level: 'comm-fail', value: 20.9, acknowledged: true }, 'alarm cleared: o2-1/o2 sensor-fault comm-fail: latched, cleared on acknowledgement'],
    ['an acknowledgement names who', { state: 'acknowledged', by: 'shift supervisor' }, 'alarm acknowledged: o2-1/o2 sensor-fault comm-fail by shift supervisor'],
  ])('%s', (_, extra, text) => {
    expect(alarmText(o2(extra))).toBe(text)
  })
})

describe('the log text of an interlock transition', () => {
  const cut = (extra: Partial<InterlockTransition>): InterlockTransition => ({ type: 'interlock', ts: 0, interlock: 'leak-cut', state: 'tripped', ...extra })
  it.each<[Partial<InterlockTransition>, string]>([
    [{ cause: 'ch4-leak/ch4 1.52 ≥ 1.5' }, 'interlock leak-cut tripped: ch4-leak/ch4 1.52 ≥ 1.5'],
    [{ state: 'restored', reason: 'condition clear' }, 'interlock leak-cut restored (condition clear)'],
    [{ state: 'restored', reason: 'condition clear for 3.0 s' }, 'interlock leak-cut restored (condition clear for 3.0 s)'],
  ])('%o', (extra, text) => {
    expect(interlockText(cut(extra))).toBe(text)
  })
})

describe('the log text of a calibration falling due', () => {
  it.each<[string, { state: 'due-soon' | 'overdue'; dueOn: string; daysLeft: number }, string]>([
    ['in a few days', { state: 'due-soon', dueOn: '2026-12-10', daysLeft: 3 }, 'calibration of co-1 due on 2026-12-10, in 3 days'],
    ['tomorrow, not "1 days"', { state: 'due-soon', dueOn: '2026-12-08', daysLeft: 1 }, 'calibration of co-1 due tomorrow (2026-12-08)'],
    ['today', { state: 'due-soon', dueOn: '2026-12-07', daysLeft: 0 }, 'calibration of co-1 due today (2026-12-07)'],
    ['overdue since the day after', { state: 'overdue', dueOn: '2026-12-06', daysLeft: -1 }, 'calibration of co-1 overdue: was due on 2026-12-06, 1 day ago'],
    ['long overdue', { state: 'overdue', dueOn: '2026-11-07', daysLeft: -30 }, 'calibration of co-1 overdue: was due on 2026-11-07, 30 days ago'],
  ])('%s', (_, status, text) => {
    expect(calibrationText('co-1', status)).toBe(text)
  })
})
