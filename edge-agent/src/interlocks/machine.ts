import type { Quality } from '../../../protocols/quality.ts'
import type { Sample } from '../../../protocols/sample.ts'
import type { AlarmTransition } from '../alarms/evaluator.ts'
import { numericValue } from '../alarms/evaluator.ts'
import type { InterlockStatus } from '../safety/status.ts'
import type { ConditionSpec, InterlockSpec, OutputValue } from './spec.ts'

export type DeviceHealthState = 'online' | 'offline' | 'fault'

/** An interlock transition, as the outbox records it (without the sequence number). */
export interface InterlockTransition {
  type: 'interlock'
  ts: number
  interlock: string
  state: 'tripped' | 'actuated' | 'confirmed' | 'failed' | 'restored' | 'reset' | 'bypassed' | 'bypass-ended' | 'suppressed'
  phase?: 'trip' | 'restore'
  cause?: string
  reason?: string
  attempt?: number
  by?: string
  until?: number
  device?: string
  channel?: string
  value?: OutputValue
}

export interface OutputWrite {
  interlock: string
  device: string
  channel: string
  value: OutputValue
  phase: 'trip' | 'restore'
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

type Phase = 'trip' | 'restore'
type Output = InterlockStatus['output']

/** What survives an agent restart. */
export interface InterlockSnapshot {
  tripped: boolean
  phase: Phase | undefined
  since: number | undefined
  cause: string | undefined
  resetAccepted: boolean
  /** the interlock-failed alarm raised, by its level */
  failed: string | undefined
  bypass: { until: number; reason: string; by?: string } | undefined
}

interface Reading {
  value: number | boolean | null | string
  quality: Quality
  ts: number
  reason?: string
}

/** A write is retried for as long as it takes; the event log gets attempts 1, 2, 4, 8, … so a dead relay does not flood it. */
const isLogged = (attempt: number) => (attempt & (attempt - 1)) === 0

/** The restore hold time as an operator reads it (` for 3.0 s`); nothing when there is none. */
const holdTime = (ms: number) => (ms > 0 ? ` for ${(ms / 1000).toFixed(1)} s` : '')
const onceClear = (ms: number) => (ms > 0 ? `has been clear${holdTime(ms)}` : 'clears')

const describeValue = (v: unknown) => (v === null || v === undefined ? 'no value' : String(v))

/**
 * One interlock, a pure state machine: inputs are samples, device health changes, the outcome of its
 * own writes, commands and the passing of time (`tick`); outputs are the write to make and the events
 * to record. It trips when its condition holds — or, fail-safe, when a source cannot be trusted
 * (bad quality, device offline or faulty, or no sample for silentAfterMs) — writes the output, checks
 * the feedback within feedbackMs (else `failed`, an interlock-failed alarm, and the write again), and
 * restores only after the restore condition held for restoreAfterMs and, if so configured, a manual reset.
 */
export class InterlockMachine {
  private tripped = false
  private phase: Phase | undefined
  private since: number | undefined
  private cause: string | undefined
  private resetAccepted = false
  private failed: string | undefined
  private bypass: InterlockSnapshot['bypass']
  private suppressedReported = false
  private output: Output = 'idle'
  private attempt = 0
  /** the write in flight, by phase */
  private writing: Phase | undefined
  private writeStartedAt = 0
  private feedbackDeadline = 0
  private retryAt: number | undefined
  private mismatchSince: number | undefined
  private clearSince: number | undefined
  private readonly readings = new Map<string, Reading>()
  private readonly health = new Map<string, DeviceHealthState>()
  private feedback: Reading | undefined
  private readonly sourceKeys: Set<string>
  private readonly feedbackKey: string
  /** devices whose health matters: every source device */
  readonly devices: ReadonlySet<string>

  constructor(readonly spec: InterlockSpec, private readonly startedAt: number, snapshot?: InterlockSnapshot) {
    this.sourceKeys = new Set(spec.conditions.filter((c) => c.kind === 'value').map((c) => `${c.device}/${(c as { channel: string }).channel}`))
    this.feedbackKey = `${spec.action.feedback.device}/${spec.action.feedback.channel}`
    this.devices = new Set(spec.conditions.map((c) => c.device))
    if (snapshot) {
      this.tripped = snapshot.tripped
      this.phase = snapshot.phase
      this.since = snapshot.since
      this.cause = snapshot.cause
      this.resetAccepted = snapshot.resetAccepted
      this.failed = snapshot.failed
      this.bypass = snapshot.bypass
    }
  }

  /** Channels this machine listens to: its sources and its feedback. */
  channels(): string[] {
    return [...new Set([...this.sourceKeys, this.feedbackKey])]
  }

  snapshot(): InterlockSnapshot {
    return { tripped: this.tripped, phase: this.phase, since: this.since, cause: this.cause, resetAccepted: this.resetAccepted, failed: this.failed, bypass: this.bypass }
  }

  /** Nothing to remember across a restart. */
  get quiet(): boolean {
    return !this.tripped && this.failed === undefined && this.bypass === undefined && (this.phase === undefined || this.output === 'confirmed')
  }

  /** Tripped (or restoring) when the agent stopped: the output must be written again. */
  get needsResume(): boolean {
    return this.tripped || (this.phase === 'restore' && this.output !== 'confirmed')
  }

  /**
   * After a restart: an interlock that was tripped writes its output again and checks it (the relay
   * may have lost power, or someone switched it back by hand while the agent was down).
   */
  resume(now: number): Decision {
    const decision: Decision = { events: [] }
    if (this.tripped) this.startWrite('trip', now, decision, true)
    else if (this.phase === 'restore') this.startWrite('restore', now, decision, true)
    return decision
  }

  onSample(sample: Sample): Decision {
    const key = `${sample.device}/${sample.channel}`
    const decision: Decision = { events: [] }
    const reading: Reading = { value: sample.value, quality: sample.quality, ts: sample.ts, ...(sample.reason !== undefined && { reason: sample.reason }) }
    if (this.sourceKeys.has(key)) this.readings.set(key, reading)
    if (key === this.feedbackKey) {
      this.feedback = reading
      this.checkFeedback(sample.ts, decision)
    }
    this.evaluate(sample.ts, decision)
    return decision
  }

  onDeviceState(device: string, state: DeviceHealthState, ts: number): Decision {
    const decision: Decision = { events: [] }
    if (!this.devices.has(device)) return decision
    this.health.set(device, state)
    this.evaluate(ts, decision)
    return decision
  }

  onWriteResult(write: OutputWrite, ok: boolean, now: number, error?: string): Decision {
    const decision: Decision = { events: [] }
    if (this.writing !== write.phase) return decision
    this.writing = undefined
    if (write.phase !== this.phase) {
      // the interlock changed its mind while the write was on the wire: write what it wants now
      this.startWrite(this.phase!, now, decision)
      return decision
    }
    const { action } = this.spec
    if (!ok) {
      this.output = 'failed'
      this.retryAt = now + Math.min(1000, action.feedbackMs)
      this.fail(now, `writing ${action.device}/${action.channel} failed: ${error ?? 'unknown error'}`, decision)
      return decision
    }
    if (isLogged(write.attempt)) decision.events.push(this.event('actuated', now, { phase: write.phase, attempt: write.attempt, device: action.device, channel: action.channel, value: write.value }))
    this.output = 'awaiting-feedback'
    this.feedbackDeadline = now + action.feedbackMs
    this.checkFeedback(now, decision)
    return decision
  }

  tick(now: number): Decision {
    const decision: Decision = { events: [] }
    if (this.bypass && now >= this.bypass.until) {
      this.bypass = undefined
      this.suppressedReported = false
      decision.events.push(this.event('bypass-ended', now, { reason: 'expired' }))
    }
    if (this.output === 'awaiting-feedback' && now >= this.feedbackDeadline) {
      const { feedback } = this.spec.action
      const expected = this.phase === 'trip' ? feedback.whenTripped : feedback.whenRestored
      this.output = 'failed'
      this.fail(now, `${feedback.device}/${feedback.channel} reads ${describeValue(this.feedback?.value)} (${this.feedback?.quality ?? 'no sample'}), expected ${String(expected)} within ${this.spec.action.feedbackMs} ms of the write (馈电异常)`, decision)
      this.startWrite(this.phase!, now, decision)
    } else if (this.output === 'failed' && this.writing === undefined && this.retryAt !== undefined && now >= this.retryAt) {
      this.startWrite(this.phase!, now, decision)
    }
    this.evaluate(now, decision)
    return decision
  }

  reset(now: number, by: string | undefined): CommandOutcome {
    const decision: Decision = { events: [] }
    if (!this.tripped) return { ok: false, message: `interlock ${this.spec.id} is not tripped`, ...decision }
    const trip = this.tripCause(now)
    if (trip) return { ok: false, message: `interlock ${this.spec.id} cannot be reset: ${trip}`, ...decision }
    if (!this.spec.manualReset) return { ok: true, message: `interlock ${this.spec.id} restores by itself once its condition ${onceClear(this.spec.restoreAfterMs)}`, ...decision }
    this.resetAccepted = true
    decision.events.push(this.event('reset', now, { ...(by !== undefined && { by }) }))
    this.evaluate(now, decision)
    return { ok: true, message: this.tripped ? `reset accepted; the output is restored once the condition ${onceClear(this.spec.restoreAfterMs)}` : 'reset accepted; output restored', ...decision }
  }

  startBypass(now: number, minutes: number, reason: string, by: string | undefined): CommandOutcome {
    const decision: Decision = { events: [] }
    const maxMinutes = this.spec.maxBypassMs / 60_000
    if (minutes > maxMinutes) return { ok: false, message: `interlock ${this.spec.id} may be bypassed for at most ${maxMinutes} minutes`, ...decision }
    this.bypass = { until: now + minutes * 60_000, reason, ...(by !== undefined && { by }) }
    decision.events.push(this.event('bypassed', now, { reason, until: this.bypass.until, ...(by !== undefined && { by }) }))
    const note = this.tripped ? '; it is tripped now and stays so until its condition clears' : ''
    return { ok: true, message: `interlock ${this.spec.id} bypassed until ${new Date(this.bypass.until).toISOString()}${note}`, ...decision }
  }

  endBypass(now: number, by: string | undefined): CommandOutcome {
    const decision: Decision = { events: [] }
    if (!this.bypass) return { ok: false, message: `interlock ${this.spec.id} is not bypassed`, ...decision }
    this.bypass = undefined
    this.suppressedReported = false
    decision.events.push(this.event('bypass-ended', now, { reason: 'ended by hand', ...(by !== undefined && { by }) }))
    this.evaluate(now, decision)
    return { ok: true, message: `bypass of interlock ${this.spec.id} ended`, ...decision }
  }

  status(): InterlockStatus {
    return {
      id: this.spec.id,
      ...(this.spec.description !== undefined && { description: this.spec.description }),
      state: this.tripped ? 'tripped' : 'normal',
      output: this.output,
      ...(this.since !== undefined && { since: this.since }),
      ...(this.cause !== undefined && { cause: this.cause }),
      awaitingReset: this.tripped && this.spec.manualReset && !this.resetAccepted,
      ...(this.bypass && { bypass: this.bypass }),
    }
  }

  /** Why the interlock must be tripped now, or undefined when it may be restored. */
  tripCause(now: number): string | undefined {
    const { spec } = this
    const met: string[] = []
    let unmet = 0
    let untrusted: string | undefined
    for (const condition of spec.conditions) {
      const verdict = this.judge(condition, now)
      if (verdict.untrusted !== undefined) untrusted ??= verdict.untrusted
      if (verdict.met) met.push(verdict.text)
      else unmet++
    }
    if (spec.failSafe && untrusted !== undefined) return `fail-safe: ${untrusted}`
    if (spec.mode === 'any' ? met.length > 0 : unmet === 0) return met.join(spec.mode === 'any' ? '; ' : ' and ')
    return undefined
  }

  private judge(condition: ConditionSpec, now: number): { met: boolean; text: string; untrusted?: string } {
    const health = this.health.get(condition.device)
    if (condition.kind === 'health') {
      const met = health !== undefined && (condition.states as string[]).includes(health)
      return { met, text: `${condition.device} is ${health ?? 'unknown'}` }
    }
    const key = `${condition.device}/${condition.channel}`
    const reading = this.readings.get(key)
    const silentMs = now - (reading?.ts ?? this.startedAt)
    let untrusted: string | undefined
    if (health === 'offline' || health === 'fault') untrusted = `${condition.device} is ${health}`
    else if (silentMs > this.spec.silentAfterMs) untrusted = `${key} silent for ${silentMs} ms`
    else if (reading && reading.quality !== 'good') untrusted = `${key} ${reading.quality}${reading.reason ? ` (${reading.reason})` : ''}`
    const value = reading && reading.quality === 'good' && untrusted === undefined ? reading.value : undefined
    let met = false
    if (value !== undefined && value !== null) {
      if (condition.op === 'equals') met = value === condition.value || numericValue(value as number | boolean) === numericValue(condition.value)
      else {
        const v = numericValue(value as number | boolean)
        const setPoint = numericValue(condition.value)!
        if (v !== undefined) {
          // tripped, the condition lasts until the value is past the restore level (the deadband)
          const restore = this.tripped && condition.restore !== undefined ? condition.restore : undefined
          if (condition.op === 'above') met = restore === undefined ? v >= setPoint : v >= restore
          else met = restore === undefined ? v <= setPoint : v <= restore
        }
      }
    }
    const op = condition.op === 'above' ? '≥' : condition.op === 'below' ? '≤' : '='
    const limit = this.tripped && condition.restore !== undefined ? `${condition.op === 'above' ? '≥' : '≤'} ${condition.restore} (restore level)` : `${op} ${String(condition.value)}`
    return { met, text: `${key} ${describeValue(value)} ${limit}`, ...(untrusted !== undefined && { untrusted }) }
  }

  private evaluate(now: number, decision: Decision): void {
    const cause = this.tripCause(now)
    if (cause !== undefined) {
      this.clearSince = undefined
      if (this.tripped) {
        this.resetAccepted = false
        return
      }
      if (this.bypass) {
        if (!this.suppressedReported) decision.events.push(this.event('suppressed', now, { cause, reason: `bypassed: ${this.bypass.reason}` }))
        this.suppressedReported = true
        return
      }
      this.tripped = true
      this.since = now
      this.cause = cause
      this.resetAccepted = false
      decision.events.push(this.event('tripped', now, { cause }))
      this.startWrite('trip', now, decision)
      return
    }
    this.suppressedReported = false
    if (!this.tripped) return
    this.clearSince ??= now
    if (now - this.clearSince < this.spec.restoreAfterMs) return
    if (this.spec.manualReset && !this.resetAccepted) return
    this.tripped = false
    this.since = now
    this.cause = undefined
    this.resetAccepted = false
    this.clearSince = undefined
    decision.events.push(this.event('restored', now, {
      reason: `condition clear${holdTime(this.spec.restoreAfterMs)}${this.spec.manualReset ? ', manual reset accepted' : ''}`,
    }))
    this.startWrite('restore', now, decision)
  }

  private startWrite(phase: Phase, now: number, decision: Decision, resumed = false): void {
    const samePhase = this.phase === phase
    this.phase = phase
    if (!samePhase || resumed) this.attempt = 0
    this.mismatchSince = undefined
    this.retryAt = undefined
    if (this.writing !== undefined) {
      // one write at a time: onWriteResult writes what the interlock wants by then
      this.output = 'writing'
      return
    }
    const { action } = this.spec
    this.attempt++
    this.writing = phase
    this.writeStartedAt = now
    this.output = 'writing'
    decision.write = { interlock: this.spec.id, device: action.device, channel: action.channel, value: phase === 'trip' ? action.value : action.restoreValue, phase, attempt: this.attempt }
  }

  private checkFeedback(now: number, decision: Decision): void {
    if (this.phase === undefined || this.writing !== undefined) return
    const { feedback } = this.spec.action
    const expected = this.phase === 'trip' ? feedback.whenTripped : feedback.whenRestored
    const reading = this.feedback
    const fresh = reading !== undefined && reading.ts >= this.writeStartedAt
    const matches = fresh && reading.quality === 'good' && (reading.value === expected || numericValue(reading.value as number | boolean) === numericValue(expected))
    if (this.output === 'awaiting-feedback' || this.output === 'failed') {
      if (!matches) return
      this.output = 'confirmed'
      this.mismatchSince = undefined
      decision.events.push(this.event('confirmed', now, { phase: this.phase, attempt: this.attempt }))
      if (this.failed !== undefined) this.recover(now, decision)
      return
    }
    if (this.output !== 'confirmed' || this.phase !== 'trip' || !fresh) return
    // supervision while tripped: an output switched back by hand or a relay that rebooted is a failure too
    if (matches) {
      this.mismatchSince = undefined
      return
    }
    this.mismatchSince ??= reading.ts
    if (reading.ts - this.mismatchSince < this.spec.action.feedbackMs) return
    this.output = 'failed'
    this.fail(now, `${feedback.device}/${feedback.channel} reads ${describeValue(reading.value)} (${reading.quality}) while tripped, expected ${String(expected)} (馈电异常)`, decision)
    this.startWrite('trip', now, decision)
  }

  private fail(now: number, reason: string, decision: Decision): void {
    const { action } = this.spec
    if (this.failed === undefined || isLogged(this.attempt)) decision.events.push(this.event('failed', now, { phase: this.phase!, attempt: this.attempt, reason: reason.slice(0, 500) }))
    if (this.failed !== undefined) return
    this.failed = this.phase === 'restore' ? 'restore-failed' : 'trip-failed'
    decision.events.push({
      type: 'alarm', ts: now, state: 'raised', device: action.device, channel: action.channel, kind: 'interlock-failed',
      level: this.failed, interlock: this.spec.id, reason: reason.slice(0, 500),
    })
  }

  private recover(now: number, decision: Decision): void {
    const { action } = this.spec
    const level = this.failed!
    this.failed = undefined
    decision.events.push({
      type: 'alarm', ts: now, state: 'cleared', device: action.device, channel: action.channel, kind: 'interlock-failed',
      level, interlock: this.spec.id, reason: 'feedback confirmed',
    })
  }

  private event(state: InterlockTransition['state'], ts: number, extra: Partial<InterlockTransition>): InterlockTransition {
    return { type: 'interlock', ts, interlock: this.spec.id, state, ...extra }
  }
}
