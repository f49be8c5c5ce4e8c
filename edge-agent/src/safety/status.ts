import type { AlarmKind } from '../../../protocols/mqtt/index.ts'
import type { ArmedSourceStatus } from '../interlocks/arming.ts'
import type { InterlockStatus } from '../interlocks/state.ts'
import type { PeriodicTestStatus } from '../periodic/notices.ts'

export type { ArmedSourceStatus, InterlockStatus }

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

export interface SafetyStatus {
  alarms: ActiveAlarmStatus[]
  interlocks: InterlockStatus[]
  /** interlock sources near their trip, read as fast as their line allows (absent from an older agent) */
  armed?: ArmedSourceStatus[]
  /** calibrations, bump and interlock tests, where each stands today (absent from an older agent) */
  tests?: PeriodicTestStatus[]
}
