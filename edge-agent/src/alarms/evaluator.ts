import type { AlarmEvent, AlarmKind } from '../../../protocols/mqtt/index.ts'
import type { Quality } from '../../../protocols/quality.ts'
import type { Sample } from '../../../protocols/sample.ts'
import type { ChannelAlarmSpec, LevelSpec } from './spec.ts'

/** An alarm transition, as the outbox records it: the wire's alarm event without its sequence number. */
export type AlarmTransition = Omit<AlarmEvent, 'seq'>

/** A Schmitt trigger with on/off delays and an optional latch: one level, or the rate-of-rise or fault condition. */
interface Trigger {
  active: boolean
  /** the condition went away while latched: it stays raised until acknowledged */
  latched: boolean
  /** since when the opposite condition has held (the on- or off-delay running) */
  pendingSince: number | undefined
}

/** The alarm of one kind on one channel: its effective level and whether someone acknowledged it. */
interface Alarm {
  level: string | undefined
  since: number
  acknowledged: boolean
}

/** What survives an agent restart: the alarms raised, latched or acknowledged. */
export interface ChannelAlarmSnapshot {
  levels: Trigger[]
  rate: Trigger
  fault: Trigger
  faultQuality: Quality | undefined
  alarms: Partial<Record<AlarmKind, Alarm>>
  flat: { since: number; min: number; max: number } | undefined
}

const newTrigger = (): Trigger => ({ active: false, latched: false, pendingSince: undefined })
const QUIET: Alarm = { level: undefined, since: 0, acknowledged: true }

/** A number to compare against set points: booleans as 1 / 0; anything else has no value. */
export function numericValue(value: Sample['value']): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value === 'boolean') return value ? 1 : 0
  return undefined
}

/**
 * Steps a trigger with the current condition. `on`: the raise condition holds; `off`: the clear
 * condition holds (between the two is the deadband, where nothing changes).
 */
function step(trigger: Trigger, on: boolean, off: boolean, ts: number, onDelayMs: number, offDelayMs: number, latch: boolean): void {
  // an inactive trigger waits for `on` to hold onDelayMs, an active one for `off` to hold offDelayMs
  const leaving = trigger.active ? off : on
  if (!leaving) {
    trigger.pendingSince = undefined
    return
  }
  trigger.pendingSince ??= ts
  if (ts - trigger.pendingSince < (trigger.active ? offDelayMs : onDelayMs)) return
  trigger.latched = trigger.active ? latch : false
  trigger.active = !trigger.active
  trigger.pendingSince = undefined
}

const raisedOf = (trigger: Trigger) => trigger.active || trigger.latched

/**
 * The alarms of one channel, a pure function of its samples: levels with deadband, on/off delays and
 * latches; rate of rise; sensor fault from the sample quality; flatline. No clock of its own, no I/O —
 * time is the samples' time. A sample of bad quality never counts as a value: the levels hold where
 * they were (a reading that stopped cannot clear a methane alarm) and the sensor-fault alarm says why.
 */
export class ChannelAlarms {
  readonly key: string
  private readonly levels: Trigger[]
  private rate = newTrigger()
  private fault = newTrigger()
  private faultQuality: Quality | undefined
  private readonly alarms: Partial<Record<AlarmKind, Alarm>> = {}
  private readonly history: { ts: number; value: number }[] = []
  private flatRunSince: number | undefined
  private flatMin = 0
  private flatMax = 0
  private lastValue: number | boolean | null | undefined
  private lastGood = false

  constructor(readonly spec: ChannelAlarmSpec, snapshot?: ChannelAlarmSnapshot) {
    this.key = `${spec.device}/${spec.channel}`
    this.levels = spec.levels.map((_, i) => ({ ...(snapshot?.levels[i] ?? newTrigger()) }))
    if (snapshot) {
      this.rate = { ...snapshot.rate }
      this.fault = { ...snapshot.fault }
      this.faultQuality = snapshot.faultQuality
      Object.assign(this.alarms, structuredClone(snapshot.alarms))
      if (snapshot.flat) {
        this.flatRunSince = snapshot.flat.since
        this.flatMin = snapshot.flat.min
        this.flatMax = snapshot.flat.max
      }
    }
  }

  snapshot(): ChannelAlarmSnapshot {
    return {
      levels: this.levels.map((t) => ({ ...t })),
      rate: { ...this.rate },
      fault: { ...this.fault },
      faultQuality: this.faultQuality,
      alarms: structuredClone(this.alarms),
      flat: this.flatRunSince === undefined ? undefined : { since: this.flatRunSince, min: this.flatMin, max: this.flatMax },
    }
  }

  /** Nothing raised, latched or pending acknowledgement: no need to keep a snapshot. */
  get quiet(): boolean {
    return Object.values(this.alarms).every((a) => a === undefined || a.level === undefined)
  }

  onSample(sample: Sample): AlarmTransition[] {
    const out: AlarmTransition[] = []
    const { spec } = this
    this.lastValue = typeof sample.value === 'string' ? null : sample.value
    this.lastGood = sample.quality === 'good'
    const ts = sample.ts
    const bad = sample.quality !== 'good'
    if (spec.sensorFault) {
      // the alarm names the bad quality of now: a device back from comm-fail but warming up is a warming-up fault
      if (bad) this.faultQuality = sample.quality
      step(this.fault, bad, !bad, ts, spec.sensorFault.onDelayMs, 0, spec.sensorFault.latch)
      this.settle('sensor-fault', raisedOf(this.fault) ? this.faultQuality ?? sample.quality : undefined, ts, out, {
        quality: sample.quality,
        ...(sample.reason !== undefined && { reason: sample.reason.slice(0, 500) }),
        latched: spec.sensorFault.latch,
      })
    }
    const value = bad ? undefined : numericValue(sample.value)
    if (value === undefined) {
      // no value to judge by: nothing clears, nothing raises; continuity for the rate is lost
      this.history.length = 0
      return out
    }
    this.levels.forEach((trigger, i) => {
      const level = spec.levels[i]!
      const on = level.direction === 'high' ? value >= level.value : value <= level.value
      const off = level.direction === 'high' ? value < level.restore : value > level.restore
      step(trigger, on, off, ts, level.onDelayMs, level.offDelayMs, level.latch)
    })
    this.settleLevels(ts, out)
    if (spec.rateOfRise) this.stepRate(ts, value, out)
    if (spec.flatline) this.stepFlatline(ts, value, out)
    return out
  }

  /**
   * Acknowledge this channel's alarms of `kind` (every kind when undefined). Latched levels whose
   * condition is gone clear now. Returns the transitions: none when there was nothing to acknowledge.
   */
  acknowledge(kind: AlarmKind | undefined, ts: number, by: string | undefined): AlarmTransition[] {
    const out: AlarmTransition[] = []
    for (const k of Object.keys(this.alarms) as AlarmKind[]) {
      if (kind !== undefined && k !== kind) continue
      const alarm = this.alarms[k]
      if (!alarm || alarm.level === undefined || alarm.acknowledged) continue
      alarm.acknowledged = true
      out.push(this.transition('acknowledged', k, alarm.level, ts, { ...(by !== undefined && { by }) }))
      if (k === 'level') {
        for (const trigger of this.levels) trigger.latched = false
        this.settleLevels(ts, out)
      } else if (k === 'rate-of-rise') {
        this.rate.latched = false
        this.settle('rate-of-rise', raisedOf(this.rate) ? 'rate-of-rise' : undefined, ts, out, {})
      } else if (k === 'sensor-fault') {
        this.fault.latched = false
        this.settle('sensor-fault', raisedOf(this.fault) ? this.faultQuality : undefined, ts, out, {})
      }
    }
    return out
  }

  /** The alarms raised now, for a status listing: the last value only when it was a reading (good). */
  active(): { kind: AlarmKind; level: string; since: number; acknowledged: boolean; latched: boolean; value: number | boolean | null | undefined }[] {
    return (Object.entries(this.alarms) as [AlarmKind, Alarm][])
      .filter(([, a]) => a.level !== undefined)
      .map(([kind, a]) => ({
        kind, level: a.level!, since: a.since, acknowledged: a.acknowledged, value: this.lastValue === undefined || this.lastGood ? this.lastValue : null,
        latched: kind === 'level' ? this.levels.some((t) => t.latched) : kind === 'sensor-fault' ? this.fault.latched : kind === 'rate-of-rise' ? this.rate.latched : false,
      }))
  }

  /** The most severe raised level: the last one raised in spec order within its direction, high before low. */
  private effectiveLevel(): LevelSpec | undefined {
    let best: LevelSpec | undefined
    this.levels.forEach((trigger, i) => {
      if (!raisedOf(trigger)) return
      const level = this.spec.levels[i]!
      if (!best || level.direction === best.direction || level.direction === 'high') best = level
    })
    return best
  }

  private settleLevels(ts: number, out: AlarmTransition[]): void {
    const level = this.effectiveLevel()
    this.settle('level', level?.level, ts, out, level ? { threshold: level.value, latched: level.latch, source: level.source.slice(0, 500) } : {})
  }

  private stepRate(ts: number, value: number, out: AlarmTransition[]): void {
    const spec = this.spec.rateOfRise!
    const history = this.history
    history.push({ ts, value })
    while (history.length > 2 && history[1]!.ts <= ts - spec.windowMs) history.shift()
    const first = history[0]!
    const spanMs = ts - first.ts
    // a rate over a fraction of the window is noise, not a trend
    if (spanMs < spec.windowMs / 2) return
    const perMinute = ((value - first.value) / spanMs) * 60_000
    step(this.rate, perMinute >= spec.perMinute, perMinute < spec.restorePerMinute, ts, 0, 0, spec.latch)
    this.settle('rate-of-rise', raisedOf(this.rate) ? 'rate-of-rise' : undefined, ts, out, { threshold: spec.perMinute, latched: spec.latch, source: spec.source.slice(0, 500) })
  }

  private stepFlatline(ts: number, value: number, out: AlarmTransition[]): void {
    const spec = this.spec.flatline!
    if (this.flatRunSince === undefined || Math.max(this.flatMax, value) - Math.min(this.flatMin, value) > spec.tolerance + 1e-9) {
      this.flatRunSince = ts
      this.flatMin = value
      this.flatMax = value
    } else {
      this.flatMin = Math.min(this.flatMin, value)
      this.flatMax = Math.max(this.flatMax, value)
    }
    const flat = ts - this.flatRunSince >= spec.windowMs
    this.settle('flatline', flat ? 'flatline' : undefined, ts, out, {
      ...(flat && { reason: `the reading stayed within ${spec.tolerance} for ${Math.round((ts - this.flatRunSince) / 60_000)} min: a covered or stuck sensor?` }),
    })
  }

  /** Move the alarm of `kind` to `level` (undefined: cleared), recording the transition if it changed. */
  private settle(kind: AlarmKind, level: string | undefined, ts: number, out: AlarmTransition[], extra: Partial<AlarmTransition>): void {
    const alarm = this.alarms[kind] ?? QUIET
    if (alarm.level === level) return
    if (level === undefined) {
      out.push(this.transition('cleared', kind, alarm.level!, ts, { ...extra, ...(alarm.acknowledged && { acknowledged: true }) }))
      delete this.alarms[kind]
      return
    }
    const previous = alarm.level
    const rank = (name: string | undefined) => this.spec.levels.findIndex((l) => l.level === name)
    // the levels of the other kinds are not ranked: a sensor fault that changes its kind (comm-fail → warming-up) is `changed`
    const state = previous === undefined ? 'raised' : kind !== 'level' ? 'changed' : rank(level) > rank(previous) ? 'escalated' : 'de-escalated'
    // a new or worse alarm needs a new acknowledgement; a milder or changed one keeps the one it had
    const acknowledged = state === 'de-escalated' || state === 'changed' ? alarm.acknowledged : false
    this.alarms[kind] = { level, since: previous === undefined ? ts : alarm.since, acknowledged }
    out.push(this.transition(state, kind, level, ts, { ...extra, ...(previous !== undefined && { from: previous }) }))
  }

  private transition(state: AlarmTransition['state'], kind: AlarmKind, level: string, ts: number, extra: Partial<AlarmTransition>): AlarmTransition {
    const value = this.lastValue
    return {
      type: 'alarm', ts, state, device: this.spec.device, channel: this.spec.channel, kind, level,
      ...(value !== undefined && typeof value !== 'string' && { value }),
      ...(this.spec.unit !== undefined && { unit: this.spec.unit }),
      ...extra,
    }
  }
}
