import type { Sample } from '../../../protocols/sample.ts'
import { describeValue, sameValue, tripCause, type Reading } from './conditions.ts'
import type { CommandOutcome, Decision, InterlockTransition, OutputWrite, Phase } from './decision.ts'
import type { InterlockSpec } from './spec.ts'
import type { DeviceHealthState, InterlockSnapshot, InterlockStatus, OutputState } from './state.ts'

/** A write is retried for as long as it takes; the event log gets attempts 1, 2, 4, 8, … so a dead relay does not flood it. */
const isLogged = (attempt: number) => (attempt & (attempt - 1)) === 0

/** The restore hold time as an operator reads it (` for 3.0 s`); nothing when there is none. */
const holdTime = (ms: number) => (ms > 0 ? ` for ${(ms / 1000).toFixed(1)} s` : '')
const onceClear = (ms: number) => (ms > 0 ? `has been clear${holdTime(ms)}` : 'clears')

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
  private output: OutputState = 'idle'
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

  /**
   * A bypass of at most maxBypassMinutes. Repeated with the same reason while it lasts, it is extended,
   * but never past maxBypassMinutes from its start (capped, and the event says so; refused once there is
   * nothing left to add): a longer bypass needs a new reason, which starts a new bypass with its own event.
   */
  startBypass(now: number, minutes: number, reason: string, by: string | undefined): CommandOutcome {
    const decision: Decision = { events: [] }
    const maxMs = this.spec.maxBypassMs
    const maxMinutes = maxMs / 60_000
    if (minutes > maxMinutes) return { ok: false, message: `interlock ${this.spec.id} may be bypassed for at most ${maxMinutes} minutes`, ...decision }
    const current = this.bypass && now < this.bypass.until ? this.bypass : undefined
    const extending = current !== undefined && current.reason === reason
    const since = extending ? current.since ?? current.until - maxMs : now
    const limit = since + maxMs
    const until = Math.min(now + minutes * 60_000, limit)
    if (extending && until <= current.until) {
      return {
        ok: false,
        message: `interlock ${this.spec.id} has been bypassed for "${reason}" since ${new Date(since).toISOString()}, at most ${maxMinutes} minutes in all (until ${new Date(current.until).toISOString()}); a longer bypass needs a new reason`,
        ...decision,
      }
    }
    const capped = until < now + minutes * 60_000
    this.bypass = { until, reason, since, ...(by !== undefined && { by }) }
    const note = capped ? ` (extension capped at ${maxMinutes} min from its start at ${new Date(since).toISOString()}; a longer bypass needs a new reason)` : ''
    decision.events.push(this.event('bypassed', now, { reason: `${reason.slice(0, 500 - note.length)}${note}`, until, ...(by !== undefined && { by }) }))
    const tripped = this.tripped ? '; it is tripped now and stays so until its condition clears' : ''
    return { ok: true, message: `interlock ${this.spec.id} bypassed until ${new Date(until).toISOString()}${capped ? `, capped at ${maxMinutes} min from its start` : ''}${tripped}`, ...decision }
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
    return tripCause(this.spec, { readings: this.readings, health: this.health, startedAt: this.startedAt, tripped: this.tripped }, now)
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
    const matches = fresh && reading.quality === 'good' && sameValue(reading.value, expected)
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
