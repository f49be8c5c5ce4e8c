import type { Logger } from 'pino'
import { COMMAND_NAMES, commandArgsErrors, isCommandName } from '../../../protocols/mqtt/index.ts'
import { localDay } from '../../../protocols/calendar/index.ts'
import type { Sample } from '../../../protocols/sample.ts'
import { firstErrorText } from '../../../protocols/validation/ajv.ts'
import type { AlarmTransition } from '../alarms/evaluator.ts'
import type { SafetySpecs } from '../config/index.ts'
import type { Decision, InterlockTransition, OutputWrite } from '../interlocks/decision.ts'
import { armingSpecs, SourceArming, type ArmingTransition } from '../interlocks/arming.ts'
import type { InterlockMachine } from '../interlocks/machine.ts'
import type { DeviceHealthState } from '../interlocks/state.ts'
import type { OutputValue } from '../interlocks/spec.ts'
import type { NewEvent, SafetySection } from '../outbox/index.ts'
import { runCommand, type CommandAnswer } from './commands.ts'
import { SafetyEvaluators } from './evaluators.ts'
import { FailedInterlockAlarms } from './failed-interlock-alarms.ts'
import { noticeChanges, periodicStatus, type TestHistory, type TestNotice } from '../periodic/notices.ts'
import { alarmText, interlockText } from './log-text.ts'
import { ChangedEntries, emptySafetyState, loadSafetyState, type CalibrationNotice, type SafetyStore, type SectionValue } from './persisted-state.ts'
import type { SafetyStatus } from './status.ts'
import { safetyStatus } from './status-report.ts'
import { isTestTransition, testMode, testModeEvent, testModeRefusal, type TestMode } from './test-mode.ts'

export type { SafetySpecs }

/** The outputs interlocks write (the poll engine): the write jumps the bus queue. */
interface SafetyOutputs {
  write(device: string, channel: string, value: OutputValue): Promise<void>
  /** read this device soon: the feedback of a write */
  pollSoon(device: string, afterMs: number): void
  /** read these channels of the device (armed interlock sources) as fast as its line allows; none: back to its period */
  arm?(device: string, channels: readonly string[]): boolean
}

export interface SafetyOptions {
  store: SafetyStore
  outputs: SafetyOutputs
  logger: Logger
  /** the gateway's time zone: calibration is due on a calendar day */
  timeZone: string
  clock?: () => number
  tickMs?: number
  /** how often calibration and the other recurring tests are checked for falling due */
  calibrationCheckMs?: number
  /** the test runs passed at the gateway: a later one than the config's date counts; none: the config's dates only */
  history?: TestHistory
  /** every alarm and interlock transition as recorded (a commissioning run watches them) */
  onRecorded?: (transition: AlarmTransition | InterlockTransition) => void
}

const TICK_MS = 100
const CALIBRATION_CHECK_MS = 10 * 60_000
const NO_SPECS: SafetySpecs = { alarms: [], interlocks: [], calibrations: [], daily: [] }

/**
 * The safety shell of the gateway: samples and device health in, alarm evaluators and interlock state
 * machines (pure) in between, writes and events out. An interlock's write is started before anything is
 * recorded; then every transition of the batch is committed to the outbox with the state it changes, in
 * one synchronous transaction, before the next poll result is looked at. Works without any uplink.
 */
export class SafetyService {
  private readonly clock: () => number
  /** none until start() builds them from the saved state */
  private evaluators = new SafetyEvaluators(NO_SPECS, emptySafetyState(), 0)
  /** which interlock sources are near their trip; none until start() */
  private arming = new SourceArming([])
  private failed = new FailedInterlockAlarms(new Map())
  /** the last calibration notice given, by device */
  private calibrationNotices = new Map<string, CalibrationNotice>()
  /** the last bump or interlock test notice given, by periodic/notices.ts testNoticeId */
  private testNotices = new Map<string, TestNotice>()
  private timers: NodeJS.Timeout[] = []
  /** recorded, not yet committed */
  private pending: NewEvent[] = []
  private readonly changed = new ChangedEntries()
  /** interlocks found tripped at start, waiting for their output device to answer before writing it again */
  private readonly awaitingResume = new Map<InterlockMachine, number>()
  private started = false
  private mode: TestMode | undefined

  constructor(readonly specs: SafetySpecs, private readonly options: SafetyOptions) {
    this.clock = options.clock ?? Date.now
  }

  /** Restore the saved state, resume tripped interlocks, start the clock. */
  start(): void {
    if (this.started) return
    this.started = true
    const saved = loadSafetyState(this.options.store)
    const now = this.clock()
    this.evaluators = new SafetyEvaluators(this.specs, saved, now)
    this.arming = new SourceArming(armingSpecs(this.specs.interlocks, this.specs.alarms))
    this.failed = new FailedInterlockAlarms(saved.failedInterlockAlarms)
    this.calibrationNotices = new Map(saved.calibrationNotices)
    this.testNotices = new Map(saved.testNotices)
    for (const machine of this.evaluators.machines.values()) {
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
      const evaluators = this.evaluators.of(sample.device, sample.channel)
      if (!evaluators) continue
      if (evaluators.alarms) this.record(evaluators.alarms.onSample(sample), { section: 'alarms', id: `${sample.device}/${sample.channel}` })
      if (evaluators.daily) {
        const day = evaluators.daily.day
        this.record(evaluators.daily.onSample(sample))
        // the day's counters are kept across a restart from the day's first sample on
        if (evaluators.daily.day !== day) this.changed.add('dailyRatios', sample.device)
      }
      if (evaluators.machines.length > 0) this.armOrDisarm(this.arming.onSample(sample))
      for (const machine of evaluators.machines) this.apply(machine.onSample(sample), machine)
    }
    this.commit()
  }

  onDeviceState(device: string, state: string, ts: number): void {
    if (!this.started) return
    const health: DeviceHealthState | undefined = state === 'online' || state === 'offline' || state === 'fault' ? state : undefined
    if (!health) return
    for (const machine of this.evaluators.machinesWatching(device)) this.apply(machine.onDeviceState(device, health, ts), machine)
    this.commit()
  }

  /** One operator command, from the fleet server (cmd/…) or the gateway's control socket. */
  async handleCommand(name: string, args: unknown): Promise<CommandAnswer> {
    if (!isCommandName(name)) return { ok: false, message: `unknown command "${name}"; one of ${COMMAND_NAMES.join(', ')}` }
    const given = args ?? {}
    const errors = commandArgsErrors(name, given)
    if (errors) return { ok: false, message: `invalid ${name} arguments: ${firstErrorText(errors)}` }
    const answer = runCommand(name, given, this.clock(), {
      evaluators: this.evaluators,
      failed: this.failed,
      status: () => this.status(),
      record: (transitions, changed) => this.record(transitions, changed),
      apply: (decision, machine) => this.apply(decision, machine),
    })
    this.commit()
    return answer
  }

  status(): SafetyStatus {
    return { ...safetyStatus(this.evaluators, this.failed), armed: this.arming.status(), tests: periodicStatus(this.specs, this.options.history, localDay(this.clock(), this.options.timeZone)) }
  }

  get testMode(): TestMode | undefined {
    return this.mode
  }

  /** Why a test of `devices` cannot be declared now (a real gas alarm of theirs, a tripped interlock it would exercise), or undefined. */
  testModeRefusal(devices: readonly string[]): string | undefined {
    return testModeRefusal(devices, this.specs.interlocks, this.status())
  }

  /** Declare a test of `devices` for `minutes`; a test mode already running ends first. */
  startTestMode(devices: readonly string[], minutes: number, by: string): TestMode {
    const now = this.clock()
    if (this.mode) this.endTestMode(by, 'replaced by a new test mode')
    this.mode = testMode(devices, this.specs.interlocks, { now, minutes, by })
    this.pending.push(testModeEvent(this.mode, 'started', now, by))
    this.options.logger.warn({ devices, interlocks: [...this.mode.interlocks], until: this.mode.until, by }, `test mode: ${devices.join(', ')} under test for ${minutes} min by ${by}: their alarms and trips are test events`)
    this.commit()
    return this.mode
  }

  /** End the test mode; false when none was running. */
  endTestMode(by: string, reason: string): boolean {
    const mode = this.mode
    if (!mode) return false
    this.mode = undefined
    this.pending.push(testModeEvent(mode, 'ended', this.clock(), by, reason))
    this.options.logger.warn({ devices: [...mode.devices], by, reason }, `test mode ended: ${reason}`)
    this.commit()
    return true
  }

  /** A source armed or disarmed: its line told, the event recorded. */
  private armOrDisarm(transitions: readonly ArmingTransition[]): void {
    for (const t of transitions) {
      const fast = this.options.outputs.arm?.(t.device, this.arming.armedChannels(t.device)) ?? false
      const how = t.state === 'disarmed' ? 'back to its poll period' : fast ? 'read as fast as its line allows' : 'its line does no armed reads (armedShare 0)'
      this.options.logger[t.state === 'armed' ? 'warn' : 'info']({ event: t }, `${t.device}/${t.channel} ${t.state} (${t.interlocks.join(', ')}): ${t.reason}; ${how}`)
      this.pending.push(t)
    }
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
    if (this.mode && now >= this.mode.until) this.endTestMode('agent', 'the test mode reached its time limit')
    for (const [machine, deadline] of this.awaitingResume) {
      // the output device is still not answering: write anyway, so the failure is raised
      if (now < deadline) continue
      this.awaitingResume.delete(machine)
      this.apply(machine.resume(now), machine)
    }
    for (const machine of this.evaluators.machines.values()) this.apply(machine.tick(now), machine)
    this.commit()
  }

  /** A machine's decision: its write starts now, its events wait for the commit. */
  private apply(decision: Decision, machine: InterlockMachine): void {
    if (decision.write) this.startWrite(decision.write, machine)
    this.record(decision.events, { section: 'interlocks', id: machine.spec.id })
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

  /** Log and queue transitions for the next commit, with the state entry they changed. */
  private record(transitions: readonly (AlarmTransition | InterlockTransition)[], changed?: { section: SafetySection; id: string }): void {
    if (transitions.length === 0) return
    for (const recorded of transitions) {
      const t = isTestTransition(this.mode, recorded) ? { ...recorded, test: true } : recorded
      this.log(t)
      this.options.onRecorded?.(t)
      if (t.type === 'alarm' && t.kind === 'interlock-failed') this.changed.add('failedInterlockAlarms', this.failed.follow(t))
      this.pending.push(t)
    }
    if (changed) this.changed.add(changed.section, changed.id)
  }

  /** A test run was recorded: where the recurring tests stand now, without waiting for the next check. */
  recheckTests(): void {
    if (!this.started) return
    this.checkCalibrations()
    this.commit()
  }

  /** Calibrations, bump and interlock tests: an event when one falls due soon, overdue, or is ok again. */
  private checkCalibrations(): void {
    const today = localDay(this.clock(), this.options.timeZone)
    const notices = { calibration: this.calibrationNotices, tests: this.testNotices }
    const { events, changed, warnings } = noticeChanges(this.specs, this.options.history, today, this.clock(), notices)
    for (const { section, id } of changed) this.changed.add(section, id)
    this.pending.push(...events)
    for (const { status, text } of warnings) this.options.logger.warn({ device: status.device, test: status.test, dueOn: status.dueOn }, text)
  }

  /** Everything recorded since the last commit, with the state it changed: one transaction, one sync. */
  private commit(): void {
    if (this.pending.length === 0 && this.changed.size === 0) return
    const events = this.pending
    this.pending = []
    const changes = this.changed.take((section, id) => this.entryOf(section, id))
    try {
      this.options.store.commitEvents(events, changes)
    } catch (error) {
      // the outputs are already written; keep the record and try again at the next commit
      this.pending = [...events, ...this.pending]
      for (const { section, id } of changes) this.changed.add(section, id)
      this.options.logger.error({ err: error }, `safety events could not be stored (${events.length} waiting): ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  /** The entry to save for an id of a section now; null when there is nothing to remember. */
  private entryOf(section: SafetySection, id: string): SectionValue<SafetySection> | null {
    switch (section) {
      case 'alarms': {
        const alarms = this.evaluators.alarms.get(id)
        return !alarms || alarms.quiet ? null : alarms.snapshot()
      }
      case 'interlocks': {
        const machine = this.evaluators.machines.get(id)
        return !machine || machine.quiet ? null : machine.snapshot()
      }
      case 'dailyRatios':
        return this.evaluators.daily.get(id)?.snapshot() ?? null
      case 'failedInterlockAlarms':
        return this.failed.get(id) ?? null
      case 'calibrationNotices':
        return this.calibrationNotices.get(id) ?? null
      case 'testNotices':
        return this.testNotices.get(id) ?? null
    }
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
