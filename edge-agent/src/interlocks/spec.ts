/**
 * An interlock as its state machine sees it, resolved once from the gateway config and the profiles
 * (edge-agent/src/config). Pure data.
 */

export type OutputValue = number | boolean

/** A condition on a channel's value. Booleans compare as 1 / 0. */
interface ValueCondition {
  kind: 'value'
  device: string
  channel: string
  op: 'above' | 'below' | 'equals'
  /** above: value ≥ it; below: value ≤ it; equals: value === it */
  value: number | boolean
  /**
   * once tripped, the condition holds until the value is past this (above: below it; below: above it),
   * e.g. methane power-off at ≥ 1.5 %, power restored only below 1.0 % (煤矿安全规程 2016); default `value`
   */
  restore?: number
  /** above / below: the source is armed (read as fast as the line allows) from this far before `value` */
  armMargin?: number
}

/** A condition on a device's health as the poll engine reports it. */
interface HealthCondition {
  kind: 'health'
  device: string
  /** any of these device states makes the condition true */
  states: ('offline' | 'fault')[]
}

export type ConditionSpec = ValueCondition | HealthCondition

export interface FeedbackSpec {
  device: string
  channel: string
  /** what the feedback reads once the trip value took effect */
  whenTripped: OutputValue
  /** what it reads once the restore value took effect */
  whenRestored: OutputValue
}

export interface InterlockSpec {
  id: string
  description?: string
  mode: 'any' | 'all'
  conditions: ConditionSpec[]
  action: {
    device: string
    channel: string
    /** written on trip */
    value: OutputValue
    /** written on restore */
    restoreValue: OutputValue
    /** the input that confirms the output; absent: the output itself, read back */
    feedback: FeedbackSpec
    /** the feedback must follow within this time, else the interlock has failed (馈电异常) and the write is retried */
    feedbackMs: number
  }
  /** trip when a source sensor is faulty, warming up, out of range, offline or silent */
  failSafe: boolean
  /** a source without a sample for this long is silent */
  silentAfterMs: number
  /** the restore condition must hold this long before the output is restored */
  restoreAfterMs: number
  /** restore only after a manual reset (accepted once the trip condition is gone) */
  manualReset: boolean
  /** longest bypass allowed */
  maxBypassMs: number
}
