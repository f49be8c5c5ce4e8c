import type { Phase } from './decision.ts'

export type DeviceHealthState = 'online' | 'offline' | 'fault'

/** What an interlock's output is doing: idle (normal, nothing written), writing, awaiting-feedback, confirmed, failed. */
export type OutputState = 'idle' | 'writing' | 'awaiting-feedback' | 'confirmed' | 'failed'

/** An interlock now, as `safety-status` lists it. */
export interface InterlockStatus {
  id: string
  description?: string
  state: 'normal' | 'tripped'
  output: OutputState
  /** epoch ms of the last state change */
  since?: number
  cause?: string
  /** tripped with manual reset, waiting for one */
  awaitingReset: boolean
  bypass?: Bypass
}

/** What survives an agent restart. */
export interface InterlockSnapshot {
  tripped: boolean
  phase: Phase | undefined
  since: number | undefined
  cause: string | undefined
  resetAccepted: boolean
  /** the interlock-failed alarm raised, by its level */
  failed: string | undefined
  bypass: Bypass | undefined
}

/**
 * A maintenance bypass. `since` is when this reason's bypass began: repeating it with the same reason
 * never lets it run past since + maxBypassMinutes (absent in state saved before it was kept: the
 * bypass may then not be extended past its `until` without a new reason).
 */
export interface Bypass {
  until: number
  reason: string
  by?: string
  since?: number
}
