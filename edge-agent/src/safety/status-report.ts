import type { SafetyEvaluators } from './evaluators.ts'
import type { FailedInterlockAlarms } from './failed-interlock-alarms.ts'
import type { ActiveAlarmStatus, SafetyStatus } from './status.ts'

/** What `safety-status` answers: every alarm raised now, oldest first, and every interlock. */
export function safetyStatus(evaluators: SafetyEvaluators, failed: FailedInterlockAlarms): SafetyStatus {
  const alarms: ActiveAlarmStatus[] = []
  for (const channel of evaluators.alarms.values()) {
    for (const a of channel.active()) {
      alarms.push({
        device: channel.spec.device, channel: channel.spec.channel, kind: a.kind, level: a.level, since: a.since,
        latched: a.latched, acknowledged: a.acknowledged,
        ...(a.value !== undefined && { value: a.value }),
        ...(channel.spec.unit !== undefined && { unit: channel.spec.unit }),
      })
    }
  }
  for (const rule of evaluators.daily.values()) {
    const a = rule.active()
    if (a) alarms.push({ device: rule.spec.device, channel: rule.spec.inBand, kind: 'daily', level: a.level, since: a.since, latched: false, acknowledged: a.acknowledged })
  }
  for (const f of failed.all()) {
    alarms.push({ device: f.device, channel: f.channel, kind: 'interlock-failed', level: f.level, since: f.since, latched: false, acknowledged: f.acknowledged, interlock: f.interlock })
  }
  alarms.sort((a, b) => a.since - b.since)
  return { alarms, interlocks: [...evaluators.machines.values()].map((m) => m.status()) }
}
