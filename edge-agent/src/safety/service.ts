import type { Logger } from 'pino'
import { COMMAND_NAMES, commandArgsErrors, isCommandName, type AckAlarmArgs, type AlarmKind, type BypassInterlockArgs, type CommandName, type EndBypassArgs, type ResetInterlockArgs } from '../../../protocols/mqtt/index.ts'
import type { Sample } from '../../../protocols/sample.ts'
import { firstErrorText } from '../../../protocols/validation/ajv.ts'
import { calibrationStatus } from '../alarms/calibration.ts'
import { ChannelAlarms, type AlarmTransition, type ChannelAlarmSnapshot } from '../alarms/evaluator.ts'
import { DailyRatio, type DailyRatioSnapshot } from '../alarms/daily-ratio.ts'
import type { SafetySpecs } from '../config/index.ts'
import { InterlockMachine, type Decision, type DeviceHealthState, type InterlockSnapshot, type InterlockTransition, type OutputWrite } from '../interlocks/machine.ts'
import type { InterlockSpec, OutputValue } from '../interlocks/spec.ts'

export type { SafetySpecs }
import type { NewEvent } from '../outbox/index.ts'
import { alarmText, calibrationText, interlockText } from './log-text.ts'
import type { ActiveAlarmStatus, SafetyStatus } from './status.ts'
import { localDay } from '../../../protocols/calendar/index.ts'


/** Where events and the state that explains them are committed together (the outbox). */
export interface SafetyStore {
  commitEvents(events: readonly NewEvent[], state?: Iterable<readonly [string, string | null]>): number[]
  loadState(): Map<string, string>
}

/** The outputs interlocks write (the poll engine): the write jumps the bus queue. */
export interface SafetyOutputs {
  write(device: string, channel: string, value: OutputValue): Promise<void>
  /** read this device soon: the feedback of a write */
  pollSoon(device: string, afterMs: number): void
}

export interface SafetyOptions {
  store: SafetyStore
  outputs: SafetyOutputs
  logger: Logger
  /** the gateway's time zone: calibration is due on a calendar day */
  timeZone: string
  clock?: () => number
  tickMs?: number
  calibrationCheckMs?: number
}

export interface CommandAnswer {
  ok: boolean
  message: string
  data?: unknown
}

interface Listeners {
  alarms?: ChannelAlarms
  machines: InterlockMachine[]
  daily?: DailyRatio
}

interface FailedAlarm {
  device: string
  channel: string
  level: string
  interlock: string
  since: number
  acknowledged: boolean
}

const TICK_MS = 100
const CALIBRATION_CHECK_MS = 10 * 60_000

/** Devices whose samples feed an interlock: the bus lets nothing else on the line until they are judged. */
export const interlockSourceDevices = (specs: readonly InterlockSpec[]): Set<string> =>
  new Set(specs.flatMap((s) => s.conditions.map((c) => c.device)))

/**
 * The safety shell of the gateway: samples and device health in, alarm evaluators and interlock state
 * machines (pure) in between, writes and events out. An interlock's write is started before anything is
 * recorded; then every transition of the batch is committed to the outbox with the state it changes, in
 * one synchronous transaction, before the next poll result is looked at. Works without any uplink.
 */
export class SafetyService {
  private readonly clock: () => number
  private readonly byChannel = new Map<string, Map<string, Listeners>>()
  private readonly alarms = new Map<string, ChannelAlarms>()
  private readonly machines = new Map<string, InterlockMachine>()
  private readonly machinesByDevice = new Map<string, InterlockMachine[]>()
  private readonly daily = new Map<string, DailyRatio>()
  private readonly failedAlarms = new Map<string, FailedAlarm>()
  private readonly calibrationNotified = new Map<string, string>()
  private timers: NodeJS.Timeout[] = []
  private pending: NewEvent[] = []
  private readonly dirty = new Set<string>()
  /** interlocks found tripped at start, waiting for their output device to answer before writing it again */
  private readonly awaitingResume = new Map<InterlockMachine, number>()
  private started = false

  constructor(readonly specs: SafetySpecs, private readonly options: SafetyOptions) {
    this.clock = options.clock ?? Date.now
  }

  /** Restore the saved state, resume tripped interlocks, start the clock. */
  start(): void {
    if (this.started) return
    this.started = true
    const saved = this.options.store.loadState()
    const now = this.clock()
    for (const spec of this.specs.alarms) {
      const key = `${spec.device}/${spec.channel}`
      const snapshot = saved.get(`alarm:${key}`)
      const alarms = new ChannelAlarms(spec, snapshot === undefined ? undefined : JSON.parse(snapshot) as ChannelAlarmSnapshot)
      this.alarms.set(key, alarms)
      this.listeners(spec.device, spec.channel).alarms = alarms
    }
    for (const spec of this.specs.daily) {
      const snapshot = saved.get(`daily:${spec.device}`)
      const rule = new DailyRatio(spec, snapshot === undefined ? undefined : JSON.parse(snapshot) as DailyRatioSnapshot)
      this.daily.set(spec.device, rule)
      for (const channel of rule.channels()) this.listeners(spec.device, channel).daily = rule
    }
    for (const spec of this.specs.interlocks) {
      const snapshot = saved.get(`interlock:${spec.id}`)
      const machine = new InterlockMachine(spec, now, snapshot === undefined ? undefined : JSON.parse(snapshot) as InterlockSnapshot)
      this.machines.set(spec.id, machine)
      for (const key of machine.channels()) {
        const [device, channel] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)]
        this.listeners(device, channel).machines.push(machine)
      }
      for (const device of machine.devices) this.machinesByDevice.set(device, [...(this.machinesByDevice.get(device) ?? []), machine])
    }
    for (const [key, body] of saved) {
      if (key.startsWith('calibration:')) this.calibrationNotified.set(key.slice('calibration:'.length), body)
      if (key.startsWith('failed:')) {
        const failed = JSON.parse(body) as FailedAlarm
        this.failedAlarms.set(key.slice('failed:'.length), failed)
      }
    }
    for (const machine of this.machines.values()) {
      if (machine.needsResume) this.awaitingResume.set(machine, now + machine.spec.silentAfterMs)
    }
    this.checkCalibrations()
    this.commit()
    this.timers.push(setInterval(() => this.tick(), this.options.tickMs ?? TICK_MS))
    this.timers.push(setInterval(() => {
      this.checkCalibrations()
      this.commit()
    }, this.options.calibrationCheckMs ?? CALIBRATION_CHECK_MS))
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer)
    this.timers = []
    this.commit()
    this.started = false
  }

  onSamples(samples: readonly Sample[]): void {
    if (!this.started) return
    if (this.awaitingResume.size > 0) this.resumeAnswering(samples)
    for (const sample of samples) {
      const listeners = this.byChannel.get(sample.device)?.get(sample.channel)
      if (!listeners) continue
      if (listeners.alarms) this.record(listeners.alarms.onSample(sample), `alarm:${sample.device}/${sample.channel}`)
      if (listeners.daily) {
        const day = listeners.daily.day
        this.record(listeners.daily.onSample(sample))
        // the day's counters are kept across a restart from the day's first sample on
        if (listeners.daily.day !== day) this.dirty.add(`daily:${sample.device}`)
      }
      for (const machine of listeners.machines) this.apply(machine.onSample(sample), machine)
    }
    this.commit()
  }

  onDeviceState(device: string, state: string, ts: number): void {
    if (!this.started) return
    const health: DeviceHealthState | undefined = state === 'online' || state === 'offline' || state === 'fault' ? state : undefined
    if (!health) return
    for (const machine of this.machinesByDevice.get(device) ?? []) this.apply(machine.onDeviceState(device, health, ts), machine)
    this.commit()
  }

  /** One operator command, from the fleet server (cmd/…) or the gateway's control socket. */
  async handleCommand(name: string, args: unknown): Promise<CommandAnswer> {
    if (!isCommandName(name)) return { ok: false, message: `unknown command "${name}"; one of ${COMMAND_NAMES.join(', ')}` }
    const given = args ?? {}
    const errors = commandArgsErrors(name, given)
    if (errors) return { ok: false, message: `invalid ${name} arguments: ${firstErrorText(errors)}` }
    const answer = this.run(name, given)
    this.commit()
    return answer
  }

  status(): SafetyStatus {
    const alarms: ActiveAlarmStatus[] = []
    for (const channel of this.alarms.values()) {
      for (const a of channel.active()) {
        alarms.push({
          device: channel.spec.device, channel: channel.spec.channel, kind: a.kind, level: a.level, since: a.since,
          latched: a.latched, acknowledged: a.acknowledged,
          ...(a.value !== undefined && { value: a.value }),
          ...(channel.spec.unit !== undefined && { unit: channel.spec.unit }),
        })
      }
    }
    for (const rule of this.daily.values()) {
      const a = rule.active()
      if (a) alarms.push({ device: rule.spec.device, channel: rule.spec.inBand, kind: 'daily', level: a.level, since: a.since, latched: false, acknowledged: a.acknowledged })
    }
    for (const f of this.failedAlarms.values()) {
      alarms.push({ device: f.device, channel: f.channel, kind: 'interlock-failed', level: f.level, since: f.since, latched: false, acknowledged: f.acknowledged, interlock: f.interlock })
    }
    alarms.sort((a, b) => a.since - b.since)
    return { alarms, interlocks: [...this.machines.values()].map((m) => m.status()) }
  }

  private run(name: CommandName, args: unknown): CommandAnswer {
    const now = this.clock()
    switch (name) {
      case 'safety-status':
        return { ok: true, message: `${this.status().alarms.length} alarms active`, data: this.status() }
      case 'ack-alarm':
        return this.acknowledge(args as AckAlarmArgs, now)
      case 'reset-interlock': {
        const { interlock, by } = args as ResetInterlockArgs
        return this.onMachine(interlock, (m) => m.reset(now, by))
      }
      case 'bypass-interlock': {
        const { interlock, minutes, reason, by } = args as BypassInterlockArgs
        return this.onMachine(interlock, (m) => m.startBypass(now, minutes, reason, by))
      }
      case 'end-bypass': {
        const { interlock, by } = args as EndBypassArgs
        return this.onMachine(interlock, (m) => m.endBypass(now, by))
      }
    }
  }

  private onMachine(id: string, command: (machine: InterlockMachine) => Decision & { ok: boolean; message: string }): CommandAnswer {
    const machine = this.machines.get(id)
    if (!machine) return { ok: false, message: `no interlock "${id}"; interlocks: ${[...this.machines.keys()].join(', ') || 'none'}` }
    const outcome = command(machine)
    this.apply(outcome, machine)
    return { ok: outcome.ok, message: outcome.message }
  }

  private acknowledge(args: AckAlarmArgs, now: number): CommandAnswer {
    const by = args.by
    const matches = (device: string, channel: string, kind: AlarmKind) =>
      'all' in args || (args.device === device && args.channel === channel && (args.kind === undefined || args.kind === kind))
    let count = 0
    for (const channel of this.alarms.values()) {
      const { device, channel: id } = channel.spec
      if (!('all' in args) && (device !== args.device || id !== args.channel)) continue
      const kind = 'all' in args ? undefined : args.kind
      if (kind === 'interlock-failed') continue
      const transitions = channel.acknowledge(kind, now, by)
      count += transitions.filter((t) => t.state === 'acknowledged').length
      this.record(transitions, `alarm:${device}/${id}`)
    }
    for (const rule of this.daily.values()) {
      if (!matches(rule.spec.device, rule.spec.inBand, 'daily')) continue
      const transitions = rule.acknowledge(now, by)
      count += transitions.length
      this.record(transitions, `daily:${rule.spec.device}`)
    }
    for (const [key, failed] of this.failedAlarms) {
      if (failed.acknowledged || !matches(failed.device, failed.channel, 'interlock-failed')) continue
      failed.acknowledged = true
      count++
      this.record([{ type: 'alarm', ts: now, state: 'acknowledged', device: failed.device, channel: failed.channel, kind: 'interlock-failed', level: failed.level, interlock: failed.interlock, ...(by !== undefined && { by }) }])
      this.dirty.add(`failed:${key}`)
    }
    if (count === 0) {
      const what = 'all' in args ? 'the gateway' : `${args.device}/${args.channel}${args.kind ? ` (${args.kind})` : ''}`
      return { ok: false, message: `no unacknowledged alarm on ${what}` }
    }
    return { ok: true, message: `${count} alarm${count === 1 ? '' : 's'} acknowledged` }
  }

  /** An output device answers: the line is open, the tripped outputs on it can be written again. */
  private resumeAnswering(samples: readonly Sample[]): void {
    for (const [machine] of this.awaitingResume) {
      if (!samples.some((s) => s.device === machine.spec.action.device && s.quality === 'good')) continue
      this.awaitingResume.delete(machine)
      this.apply(machine.resume(this.clock()), machine)
    }
  }

  private tick(): void {
    const now = this.clock()
    for (const [machine, deadline] of this.awaitingResume) {
      // the output device is still not answering: write anyway, so the failure is raised
      if (now < deadline) continue
      this.awaitingResume.delete(machine)
      this.apply(machine.resume(now), machine)
    }
    for (const machine of this.machines.values()) this.apply(machine.tick(now), machine)
    this.commit()
  }

  /** A machine's decision: its write starts now, its events wait for the commit. */
  private apply(decision: Decision, machine: InterlockMachine): void {
    if (decision.write) this.startWrite(decision.write, machine)
    if (decision.events.length === 0) return
    this.record(decision.events)
    this.dirty.add(`interlock:${machine.spec.id}`)
  }

  private startWrite(write: OutputWrite, machine: InterlockMachine): void {
    const { outputs, logger } = this.options
    logger.warn({ interlock: write.interlock, device: write.device, channel: write.channel, value: write.value, phase: write.phase, attempt: write.attempt }, `interlock ${write.interlock}: writing ${write.device}/${write.channel} = ${String(write.value)}`)
    let done: Promise<void>
    try {
      done = outputs.write(write.device, write.channel, write.value)
    } catch (error) {
      done = Promise.reject(error)
    }
    done.then(
      () => {
        this.apply(machine.onWriteResult(write, true, this.clock()), machine)
        const { feedback, feedbackMs } = machine.spec.action
        outputs.pollSoon(feedback.device, Math.min(500, feedbackMs / 4))
        this.commit()
      },
      (error: unknown) => {
        this.apply(machine.onWriteResult(write, false, this.clock(), error instanceof Error ? error.message : String(error)), machine)
        this.commit()
      },
    )
  }

  private record(transitions: readonly (AlarmTransition | InterlockTransition)[], stateKey?: string): void {
    if (transitions.length === 0) return
    for (const t of transitions) {
      this.log(t)
      if (t.type === 'alarm' && t.kind === 'interlock-failed') this.trackFailed(t)
      this.pending.push(t as NewEvent)
    }
    if (stateKey) this.dirty.add(stateKey)
  }

  private trackFailed(t: AlarmTransition): void {
    const key = `${t.device}/${t.channel}/${t.interlock ?? ''}`
    if (t.state === 'raised') this.failedAlarms.set(key, { device: t.device, channel: t.channel, level: t.level, interlock: t.interlock ?? '', since: t.ts, acknowledged: false })
    if (t.state === 'cleared') this.failedAlarms.delete(key)
    this.dirty.add(`failed:${key}`)
  }

  private checkCalibrations(): void {
    const today = localDay(this.clock(), this.options.timeZone)
    for (const spec of this.specs.calibrations) {
      const { state, dueOn, daysLeft } = calibrationStatus(spec, today)
      const mark = `${state}:${dueOn}`
      const previous = this.calibrationNotified.get(spec.device)
      if (previous === mark || (previous === undefined && state === 'ok')) continue
      this.calibrationNotified.set(spec.device, mark)
      this.dirty.add(`calibration:${spec.device}`)
      this.pending.push({ type: 'calibration', ts: this.clock(), device: spec.device, state, dueOn, calibratedOn: spec.calibratedOn, source: spec.source.slice(0, 500) })
      if (state !== 'ok') this.options.logger.warn({ device: spec.device, dueOn }, calibrationText(spec.device, { state, dueOn, daysLeft }))
    }
  }

  /** Everything recorded since the last commit, with the state it changed: one transaction, one sync. */
  private commit(): void {
    if (this.pending.length === 0 && this.dirty.size === 0) return
    const events = this.pending
    this.pending = []
    const state: [string, string | null][] = []
    for (const key of this.dirty) state.push([key, this.stateOf(key)])
    this.dirty.clear()
    try {
      this.options.store.commitEvents(events, state)
    } catch (error) {
      // the outputs are already written; keep the record and try again at the next commit
      this.pending = [...events, ...this.pending]
      for (const [key] of state) this.dirty.add(key)
      this.options.logger.error({ err: error }, `safety events could not be stored (${events.length} waiting): ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  private stateOf(key: string): string | null {
    const [kind, rest] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)]
    if (kind === 'alarm') {
      const alarms = this.alarms.get(rest)
      return !alarms || alarms.quiet ? null : JSON.stringify(alarms.snapshot())
    }
    if (kind === 'interlock') {
      const machine = this.machines.get(rest)
      return !machine || machine.quiet ? null : JSON.stringify(machine.snapshot())
    }
    if (kind === 'failed') {
      const failed = this.failedAlarms.get(rest)
      return failed ? JSON.stringify(failed) : null
    }
    if (kind === 'calibration') return this.calibrationNotified.get(rest) ?? null
    if (kind === 'daily') {
      const rule = this.daily.get(rest)
      return rule ? JSON.stringify(rule.snapshot()) : null
    }
    return null
  }

  private listeners(device: string, channel: string): Listeners {
    let channels = this.byChannel.get(device)
    if (!channels) this.byChannel.set(device, (channels = new Map()))
    let listeners = channels.get(channel)
    if (!listeners) channels.set(channel, (listeners = { machines: [] }))
    return listeners
  }

  /**
   * The event goes under `event`, as recorded: spread at the top, its fields would clash with pino's
   * own (an alarm's `level` after pino's numeric one, and a log reader keeps the last).
   */
  private log(t: AlarmTransition | InterlockTransition): void {
    const { logger } = this.options
    if (t.type === 'alarm') {
      const warn = t.state === 'raised' || t.state === 'escalated' || t.state === 'changed'
      logger[warn ? 'warn' : 'info']({ event: t }, alarmText(t))
      return
    }
    logger[t.state === 'failed' || t.state === 'tripped' ? 'error' : 'info']({ event: t }, interlockText(t))
  }
}
