import type { InterlockEvent } from '../../../protocols/mqtt/index.ts'
import type { AlarmTransition } from '../alarms/evaluator.ts'
import type { OutputValue } from './spec.ts'

/** An interlock transition, as the outbox records it: the wire's interlock event without its sequence number. */
export type InterlockTransition = Omit<InterlockEvent, 'seq'>

export type Phase = NonNullable<InterlockTransition['phase']>

export interface OutputWrite {
  interlock: string
  device: string
  channel: string
  value: OutputValue
  phase: Phase
  attempt: number
}

/** What one step decided: the output to write (at most one, first of all), then what to record. */
export interface Decision {
  write?: OutputWrite
  events: (InterlockTransition | AlarmTransition)[]
}

export interface CommandOutcome extends Decision {
  ok: boolean
  message: string
}
