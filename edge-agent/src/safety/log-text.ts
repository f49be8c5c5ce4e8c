import type { AlarmTransition } from '../alarms/evaluator.ts'
import type { InterlockTransition } from '../interlocks/decision.ts'
import type { CalibrationState } from '../alarms/calibration.ts'

/** ` (20.9 %VOL)`: only a value that is a reading — the value of a bad sample is not one. */
function reading(t: AlarmTransition): string {
  if (t.value === undefined || t.value === null) return ''
  const good = t.kind === 'sensor-fault' ? t.quality === 'good' : t.quality === undefined || t.quality === 'good'
  return good ? ` (${String(t.value)}${t.unit ? ` ${t.unit}` : ''})` : ''
}

/** The operator's line for an alarm transition; a cleared sensor fault says what cleared it. */
export function alarmText(t: AlarmTransition): string {
  const head = `alarm ${t.state}: ${t.device}/${t.channel} ${t.kind}`
  if (t.kind === 'sensor-fault' && t.state === 'cleared') {
    // a sensor fault clears on a good sample, or, latched, when acknowledged
    return t.quality === 'good' ? `${head}: good again${reading(t)}, was ${t.level}` : `${head} ${t.level}: latched, cleared on acknowledgement`
  }
  return `${head} ${t.level}${reading(t)}${t.from !== undefined ? `, was ${t.from}` : ''}${t.by !== undefined ? ` by ${t.by}` : ''}${t.reason !== undefined ? `: ${t.reason}` : ''}`
}

export function interlockText(t: InterlockTransition): string {
  return `interlock ${t.interlock} ${t.state}${t.cause ? `: ${t.cause}` : ''}${t.reason ? ` (${t.reason})` : ''}`
}

const days = (n: number): string => `${n} ${n === 1 ? 'day' : 'days'}`

/** The operator's line for a calibration falling due: `due tomorrow (2026-12-08)`, `overdue: was due on 2026-12-05, 2 days ago`. */
export function calibrationText(device: string, { state, dueOn, daysLeft }: { state: CalibrationState; dueOn: string; daysLeft: number }): string {
  const when = state === 'overdue' ? `overdue: was due on ${dueOn}, ${days(-daysLeft)} ago`
    : daysLeft === 0 ? `due today (${dueOn})`
    : daysLeft === 1 ? `due tomorrow (${dueOn})`
    : `due on ${dueOn}, in ${days(daysLeft)}`
  return `calibration of ${device} ${when}`
}
