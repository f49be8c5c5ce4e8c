import type { AlarmKind } from '../../../protocols/mqtt/index.ts'

/** What `safety-status` answers (edge-agent alarms, and the control socket): the gateway's safety state now. */

export interface ActiveAlarmStatus {
  device: string
  channel: string
  kind: AlarmKind
  level: string
  /** epoch ms the alarm was raised */
  since: number
  value?: number | boolean | null
  unit?: string
  /** stays raised until acknowledged */
  latched: boolean
  acknowledged: boolean
  /** the interlock, for an interlock-failed alarm */
  interlock?: string
}

export interface InterlockStatus {
  id: string
  description?: string
  state: 'normal' | 'tripped'
  /** what the output is doing: idle (normal, nothing written), writing, awaiting-feedback, confirmed, failed */
  output: 'idle' | 'writing' | 'awaiting-feedback' | 'confirmed' | 'failed'
  /** epoch ms of the last state change */
  since?: number
  cause?: string
  /** tripped with manual reset, waiting for one */
  awaitingReset: boolean
  bypass?: { until: number; reason: string; by?: string }
}

export interface SafetyStatus {
  alarms: ActiveAlarmStatus[]
  interlocks: InterlockStatus[]
}
