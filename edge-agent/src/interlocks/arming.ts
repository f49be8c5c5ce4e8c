/**
 * When an interlock source is armed: its value past the channel's first alarm level before the trip, or
 * within the condition's armMargin of it. An armed source is read as fast as its line allows (the poll
 * engine's business) until it has stayed back past the restore level for DISARM_AFTER_MS: gas climbing
 * through 1.0 %CH4 is read every few tens of milliseconds by the time it crosses 1.5, whatever its poll
 * period. Pure: samples in, armed and disarmed events out.
 */
import type { ArmedEvent } from '../../../protocols/mqtt/index.ts'
import type { Sample } from '../../../protocols/sample.ts'
import type { LevelSpec } from '../alarms/spec.ts'
import type { InterlockSpec } from './spec.ts'

/** Back past the restore level this long before a source is disarmed: noise around an alarm level does not flap it. */
export const DISARM_AFTER_MS = 5000

type Op = 'above' | 'below'

export interface ArmingSpec {
  device: string
  channel: string
  op: Op
  /** armed at or past this (above: value ≥ armAt; below: value ≤ armAt) */
  armAt: number
  /** what put armAt there, for the event and the alarms screen */
  armedBy: string
  /** disarmed once the value stays short of this (above: below it) for DISARM_AFTER_MS */
  disarmAt: number
  /** the nearest trip value of the interlocks it feeds */
  trip: number
  interlocks: string[]
  unit?: string
}

/** The armed and disarmed events, as recorded (the outbox adds `seq`). */
export type ArmingTransition = Omit<ArmedEvent, 'seq'>

export interface ArmedSourceStatus {
  device: string
  channel: string
  /** epoch ms it was armed */
  since: number
  /** the last good reading */
  value: number
  unit?: string
  armAt: number
  armedBy: string
  trip: number
  interlocks: string[]
}

const past = (op: Op, value: number, level: number) => (op === 'above' ? value >= level : value <= level)
/** the one of two levels met first on the way to the trip */
const earlier = (op: Op, a: number, b: number) => (op === 'above' ? Math.min(a, b) : Math.max(a, b))

/** Where a value condition arms its source, or undefined when nothing before the trip can arm it. */
export function armLevel(condition: { op: Op; value: number; armMargin?: number }, levels: readonly Pick<LevelSpec, 'direction' | 'value' | 'level'>[]): { armAt: number; armedBy: string } | undefined {
  const { op, value, armMargin } = condition
  const direction = op === 'above' ? 'high' : 'low'
  let best: { armAt: number; armedBy: string } | undefined
  const consider = (armAt: number, armedBy: string) => {
    if (!best || earlier(op, armAt, best.armAt) !== best.armAt) best = { armAt, armedBy }
  }
  // the first level of that direction short of the trip: levels at or past it would arm only once tripped
  const alarm = levels
    .filter((l) => l.direction === direction && (op === 'above' ? l.value < value : l.value > value))
    .reduce<Pick<LevelSpec, 'value' | 'level'> | undefined>((first, l) => (first && earlier(op, first.value, l.value) === first.value ? first : l), undefined)
  if (alarm) consider(alarm.value, `alarm level ${alarm.level} ${alarm.value}`)
  if (armMargin !== undefined) consider(op === 'above' ? value - armMargin : value + armMargin, `within ${armMargin} of the trip at ${value}`)
  return best
}

/** One spec per source channel and direction, over every interlock it feeds. */
export function armingSpecs(interlocks: readonly InterlockSpec[], alarms: readonly { device: string; channel: string; unit?: string; levels: readonly LevelSpec[] }[]): ArmingSpec[] {
  const specs = new Map<string, ArmingSpec>()
  for (const interlock of interlocks) {
    for (const condition of interlock.conditions) {
      if (condition.kind !== 'value' || condition.op === 'equals' || typeof condition.value !== 'number') continue
      const { device, channel, op, value } = condition
      const channelAlarms = alarms.find((a) => a.device === device && a.channel === channel)
      const level = armLevel({ op, value, ...(condition.armMargin !== undefined && { armMargin: condition.armMargin }) }, channelAlarms?.levels ?? [])
      if (!level) continue
      const disarmAt = earlier(op, level.armAt, condition.restore ?? value)
      const key = `${device}/${channel}/${op}`
      const known = specs.get(key)
      if (!known) {
        specs.set(key, { device, channel, op, ...level, disarmAt, trip: value, interlocks: [interlock.id], ...(channelAlarms?.unit !== undefined && { unit: channelAlarms.unit }) })
        continue
      }
      if (earlier(op, level.armAt, known.armAt) !== known.armAt) Object.assign(known, level)
      known.disarmAt = earlier(op, known.disarmAt, disarmAt)
      known.trip = earlier(op, known.trip, value)
      if (!known.interlocks.includes(interlock.id)) known.interlocks.push(interlock.id)
    }
  }
  return [...specs.values()]
}

interface ArmedState {
  since: number
  value: number
  /** since when the value has been short of disarmAt, while armed */
  backSince: number | undefined
}

/** The armed state of every source, from its good samples. */
export class SourceArming {
  /** device → channel → its specs: looked up for every sample of an interlock source, without building a key */
  private readonly byChannel = new Map<string, Map<string, ArmingSpec[]>>()
  private readonly armed = new Map<ArmingSpec, ArmedState>()

  constructor(readonly specs: readonly ArmingSpec[]) {
    for (const spec of specs) {
      let channels = this.byChannel.get(spec.device)
      if (!channels) this.byChannel.set(spec.device, (channels = new Map()))
      channels.set(spec.channel, [...(channels.get(spec.channel) ?? []), spec])
    }
  }

  /** Only good numeric readings count: a fault, warm-up or lost reading neither arms nor disarms (the interlock's fail-safe handles it). */
  onSample(sample: Sample): ArmingTransition[] {
    const specs = this.byChannel.get(sample.device)?.get(sample.channel)
    if (!specs || sample.quality !== 'good' || typeof sample.value !== 'number') return []
    const transitions: ArmingTransition[] = []
    const value = sample.value
    for (const spec of specs) {
      const state = this.armed.get(spec)
      if (!state) {
        if (!past(spec.op, value, spec.armAt)) continue
        this.armed.set(spec, { since: sample.ts, value, backSince: undefined })
        const unit = spec.unit === undefined ? '' : ` ${spec.unit}`
        transitions.push(transition(spec, 'armed', sample.ts, value, `${value}${unit} ${spec.op === 'above' ? '≥' : '≤'} ${spec.armAt} (${spec.armedBy}); trips at ${spec.trip}`))
        continue
      }
      state.value = value
      const back = spec.op === 'above' ? value < spec.disarmAt : value > spec.disarmAt
      if (!back) state.backSince = undefined
      else if (state.backSince === undefined) state.backSince = sample.ts
      else if (sample.ts - state.backSince >= DISARM_AFTER_MS) {
        this.armed.delete(spec)
        transitions.push(transition(spec, 'disarmed', sample.ts, value, `back ${spec.op === 'above' ? 'below' : 'above'} ${spec.disarmAt} for ${DISARM_AFTER_MS / 1000} s`))
      }
    }
    return transitions
  }

  /** The device's channels armed now. */
  armedChannels(device: string): string[] {
    const channels: string[] = []
    for (const spec of this.armed.keys()) if (spec.device === device && !channels.includes(spec.channel)) channels.push(spec.channel)
    return channels
  }

  status(): ArmedSourceStatus[] {
    return [...this.armed].map(([spec, state]) => ({
      device: spec.device, channel: spec.channel, since: state.since, value: state.value,
      ...(spec.unit !== undefined && { unit: spec.unit }),
      armAt: spec.armAt, armedBy: spec.armedBy, trip: spec.trip, interlocks: [...spec.interlocks],
    }))
  }
}

function transition(spec: ArmingSpec, state: ArmingTransition['state'], ts: number, value: number, reason: string): ArmingTransition {
  return {
    type: 'armed', state, ts, device: spec.device, channel: spec.channel, value,
    ...(spec.unit !== undefined && { unit: spec.unit }),
    armAt: spec.armAt, trip: spec.trip, interlocks: [...spec.interlocks], reason,
  }
}
