import { ModbusTransportError } from '../../../protocols/modbus/index.ts'
import { DEFAULTS } from '../config/schema.ts'
import type { ModbusMaster, ModbusReply, ModbusRequest, WriteRequest } from '../modbus/master.ts'
import type { HealthOptions } from './device-health.ts'
import { busStatus, type BusStatus } from './bus-status.ts'
import { DeviceReports } from './device-reports.ts'
import type { PollListener } from './events.ts'
import { systemLineClock, type LineClock } from './line-clock.ts'
import { downReasonOf, heldOf, nextLineState, STOPPED, type LineEvent, type LineState } from './line-state.ts'
import { LineTransactions } from './line-transactions.ts'
import { LoopWait, PendingWork } from './loop-wait.ts'
import { pollDevice, type OnceResult, type PollContext } from './poll-device.ts'
import { LineShare } from './line-share.ts'
import { byPriority, nextPoll, pollNoLaterThan, ScheduledDevice, setArmed, spreadFirstPolls, type BusDevice } from './scheduler.ts'
import { WriteQueue } from './write-queue.ts'

export type { BusDevice } from './scheduler.ts'
export type { BusStatus } from './bus-status.ts'
export type { OnceResult } from './poll-device.ts'

export interface BusWorkerOptions {
  id: string
  master: ModbusMaster
  timeoutMs: number
  /** t3.5 plus turnaround between frames on a serial line; 0 on TCP */
  silenceMs: number
  /** transactions in flight at once: 1 on a serial line */
  maxInFlight: number
  health?: HealthOptions
  /** how often a line that is down is tried again; default the fastest poll period (100 ms..5 s), so it is back within two periods */
  reopenMs?: number
  /** at most this share of the line goes to armed reads while other polls are due; 0 (default): no armed reads */
  armedShare?: number
  /** the shortest time between two armed reads of a device; default the config's */
  armedPollMs?: number
  /** default the system's (Date.now, performance.now, setTimeout) */
  clock?: LineClock
  random?: () => number
}

/**
 * One physical line (a serial port, or one TCP endpoint) and the devices on it.
 * Exactly `maxInFlight` transactions outstanding (one on RS-485), silence between frames,
 * devices polled at their own periods by priority, dead devices quarantined and probed with back-off,
 * and a line that drops (USB adapter unplugged, connection reset) reopened without a restart.
 * The line's states are those of line-state.ts; which device goes next is the scheduler's.
 */
export class BusWorker {
  readonly id: string
  private readonly devices: ScheduledDevice[]
  private readonly master: ModbusMaster
  private readonly capacity: number
  private readonly clock: LineClock
  private readonly random: () => number
  private readonly reports: DeviceReports
  private readonly pollContext: PollContext
  private readonly reopenMs: number
  private readonly line: LineTransactions
  private readonly writes = new WriteQueue()
  private readonly wait: LoopWait
  /** how armed reads and the other polls share the line; none when armed reading is off */
  private readonly share: LineShare | undefined
  private readonly work = new PendingWork()
  private state: LineState = STOPPED
  private loopDone: Promise<void> = Promise.resolve()
  private stopping: Promise<void> | undefined
  private startedAt = 0

  constructor(options: BusWorkerOptions, devices: BusDevice[], private readonly listener: PollListener) {
    this.id = options.id
    this.master = options.master
    this.capacity = options.maxInFlight
    this.clock = options.clock ?? systemLineClock()
    this.random = options.random ?? Math.random
    this.reports = new DeviceReports(listener, options.health, this.random)
    this.pollContext = { clock: this.clock, listener, reports: this.reports, armedPollMs: options.armedPollMs ?? DEFAULTS.armedPollMs }
    this.share = options.armedShare ? new LineShare(options.armedShare) : undefined
    this.reopenMs = options.reopenMs ?? Math.min(5000, Math.max(100, Math.min(...devices.map((d) => d.pollMs))))
    this.line = new LineTransactions(options.master, options, this.clock)
    this.wait = new LoopWait(this.clock)
    this.devices = devices.map((d) => {
      const device: ScheduledDevice = new ScheduledDevice(d, () => this.releaseLine(device))
      return device
    })
    options.master.onClose(() => {
      this.lineLost('line closed')
      this.wait.wake()
    })
  }

  /**
   * A write ahead of every poll; never retried here (the caller decides). On a free line the transaction
   * starts before this returns, so the frame is on its way before the caller does anything else; otherwise
   * it goes out as soon as a transaction ends, even between two reads of another device's poll.
   */
  write(request: WriteRequest): Promise<void> {
    const refusal = this.writeRefusal()
    if (refusal) return Promise.reject(new ModbusTransportError(`line ${this.id} ${refusal}, cannot write to unit ${request.unit}`))
    if (this.writes.isEmpty && this.apply({ type: 'claim' })) return this.runClaimedWrite(request)
    return this.writes.enqueue(request)
  }

  /** Poll the device no later than `afterMs` from now, e.g. to read an output's feedback after a write. */
  pollSoon(device: string, afterMs = 0): void {
    const scheduled = this.devices.find((d) => d.poller.id === device)
    if (!scheduled) throw new RangeError(`no device ${device} on line ${this.id}`)
    pollNoLaterThan(scheduled, this.clock.now() + Math.max(0, afterMs))
    if (!this.wait.waitingForLine) this.wait.wake()
  }

  /**
   * The device's channels that feed an interlock near its trip (none: disarmed): read on their own as
   * fast as the line allows, within the line's armed share. False when this line does no armed reads.
   */
  arm(device: string, channels: readonly string[]): boolean {
    const scheduled = this.devices.find((d) => d.poller.id === device)
    if (!scheduled) throw new RangeError(`no device ${device} on line ${this.id}`)
    if (!this.share) return false
    setArmed(scheduled, channels, this.clock.now())
    if (channels.length > 0 && !this.wait.waitingForLine) this.wait.wake()
    return true
  }

  start(): void {
    if (!this.apply({ type: 'start', lineOpen: this.master.isOpen })) return
    this.startedAt = this.clock.now()
    spreadFirstPolls(this.devices, this.startedAt, this.random)
    this.loopDone = this.loop()
  }

  /** Stops polling: queued writes are refused, the transactions on the line end, then the line is closed. */
  stop(): Promise<void> {
    if (!this.apply({ type: 'stop' })) return this.stopping ?? Promise.resolve()
    this.writes.rejectAll(`line ${this.id} stopped`)
    this.wait.wake()
    this.stopping = (async () => {
      await this.loopDone
      await this.work.settled()
      await this.master.close()
      this.apply({ type: 'closed' })
    })()
    return this.stopping
  }

  /** Open the line, identify and poll every device once, in priority order; what became of each. */
  async pollOnce(): Promise<OnceResult[]> {
    if (!this.apply({ type: 'poll-once' })) throw new RangeError(`line ${this.id} is running: pollOnce() is for a stopped worker`)
    this.startedAt = this.clock.now()
    try {
      if (!this.master.isOpen) await this.tryOpen()
      const results: OnceResult[] = []
      for (const device of byPriority(this.devices)) {
        const down = downReasonOf(this.state)
        if (down !== undefined) {
          this.reports.unreachable(device, `line ${this.id} down: ${down}`, this.clock.now())
          results.push({ device: device.poller.id, outcome: 'no-answer', unread: true, reason: `line ${this.id} down: ${down}` })
        } else {
          const { outcome, reason } = await pollDevice(device, this.pollTransact, this.pollContext)
          const unread = outcome === 'no-answer' || device.poller.identityMismatch !== undefined
          results.push({ device: device.poller.id, outcome, unread, ...(reason && { reason }) })
        }
      }
      return results
    } finally {
      this.apply({ type: 'once-done' })
    }
  }

  status(): BusStatus {
    const { id, line, startedAt } = this
    const open = this.master.isOpen && downReasonOf(this.state) === undefined
    return busStatus({ id, open, startedAt, busyMs: line.busyMs, transactions: line.transactions }, this.devices, this.clock.now())
  }

  /** The state after `event`, if the line accepts it; false (and no change) if it refuses it. */
  private apply(event: LineEvent): boolean {
    const next = nextLineState(this.state, event, this.capacity)
    if (next === undefined) return false
    this.state = next
    return true
  }

  private get lineFull(): boolean {
    return heldOf(this.state) >= this.capacity
  }

  /** Why a write cannot go out now, if it cannot. */
  private writeRefusal(): string | undefined {
    const { kind } = this.state
    if (kind === 'stopped' || kind === 'stopping' || kind === 'polling-once') return 'stopped'
    if (kind === 'reopening' || !this.master.isOpen) return `down: ${downReasonOf(this.state) ?? 'not open'}`
    return undefined
  }

  private async loop(): Promise<void> {
    for (;;) {
      const { kind } = this.state
      if (kind === 'stopping' || kind === 'stopped') return
      if (kind === 'reopening' || !this.master.isOpen) {
        // found closed without a close event: reopened without reporting it down, as it never said why
        if (kind !== 'reopening') this.apply({ type: 'line-lost', reason: undefined })
        // every poll finishes (and reports its health) before the line is reopened and the devices' health reset
        if (this.work.size > 0) {
          await this.work.settled()
          continue
        }
        if (await this.tryOpen()) continue
        this.reportDueWhileDown()
        // trying to open a serial path that is not there costs nothing: keep trying at the poll pace, jittered
        await this.wait.forDue(Math.round(this.reopenMs * (0.8 + 0.2 * this.random())))
        continue
      }
      if (!this.writes.isEmpty) {
        this.startQueuedWrites()
        if (this.lineFull) await this.wait.forLine()
        continue
      }
      const now = this.clock.now()
      const { next, armed, earliest, quarantined } = nextPoll(this.devices, now, this.share)
      for (const device of quarantined) {
        this.reports.unreachable(device, `${device.health.reason ?? 'not answering'}; next probe at ${new Date(device.health.quarantinedUntil!).toISOString()}`, this.clock.now())
      }
      if (next && this.apply({ type: 'claim' })) {
        next.phase = 'reading'
        next.readingArmed = armed
        next.claimedAt = now
        this.work.begin()
        void this.runPoll(next)
        // the line is full now: nothing to dispatch until a poll lets it go, which wakes us
        if (this.lineFull) await this.wait.forLine()
        continue
      }
      // a device is due but every slot is taken: wait for one to free up, no timer needed
      if (next) await this.wait.forLine()
      else await this.wait.forDue(earliest === Infinity ? 1000 : earliest - now)
    }
  }

  /**
   * One poll of a device, dispatched by the loop with a slot of the line. The line is let go as soon as the
   * poll's last answer is in: the next device's request goes out, and this one's answers are decoded while it is on the wire.
   */
  private async runPoll(device: ScheduledDevice): Promise<void> {
    try {
      await pollDevice(device, this.pollTransact, this.pollContext, device.holdLine ? undefined : device.releaseLine, device.readingArmed)
    } finally {
      const reading = device.phase === 'reading'
      device.phase = 'waiting'
      this.work.end()
      if (reading) this.pollLetLineGo(device)
      // the loop waits either for the line, free now, or for the next due time, which this device may bring forward
      if (!this.lineFull) this.wait.wake()
    }
  }

  /** A poll's reads are done: the next request may go out while it decodes. Only a loop waiting for the line cares. */
  private releaseLine(device: ScheduledDevice): void {
    if (device.phase !== 'reading') return
    device.phase = 'decoding'
    this.pollLetLineGo(device)
    if (this.wait.waitingForLine) this.wait.wake()
  }

  /** A poll's reads are done: the line time it took counts against its class's share. */
  private pollLetLineGo(device: ScheduledDevice): void {
    this.share?.charge(device.readingArmed ? 'armed' : 'others', this.clock.now() - device.claimedAt)
    this.letLineGo()
  }

  /** A transaction gives its slot back; queued writes take the free slots before the loop can give one to a poll. */
  private letLineGo(): void {
    this.apply({ type: 'release' })
    this.startQueuedWrites()
  }

  private async runClaimedWrite(request: WriteRequest): Promise<void> {
    this.work.begin()
    try {
      await this.line.transact(request)
    } finally {
      this.work.end()
      this.letLineGo()
      if (!this.lineFull) this.wait.wake()
    }
  }

  private startQueuedWrites(): void {
    while (!this.writes.isEmpty && this.apply({ type: 'claim' })) {
      const { request, resolve, reject } = this.writes.takeFirst()!
      this.runClaimedWrite(request).then(resolve, reject)
    }
  }

  /**
   * A poll's transaction. Writes waiting for the line go first, on the line this poll holds: an interlock's
   * write waits for one transaction, not for a whole poll of many blocks. Except a write to the device being
   * polled, which waits for the poll's reads: on a one-transaction line, no poll of a device straddles a write
   * to it, so its samples that reach the listener after the write resolved were all read after it.
   */
  private readonly pollTransact = (request: ModbusRequest): Promise<ModbusReply> =>
    this.writes.hasWriteAheadOf(request.unit) ? this.writesThen(request) : this.line.transact(request)

  private async writesThen(request: ModbusRequest): Promise<ModbusReply> {
    for (let write = this.writes.takeFirstNotFor(request.unit); write; write = this.writes.takeFirstNotFor(request.unit)) {
      await this.line.transact(write.request).then(write.resolve, write.reject)
    }
    return this.line.transact(request)
  }

  private async tryOpen(): Promise<boolean> {
    try {
      await this.master.open()
    } catch (error) {
      this.lineLost(error instanceof Error ? error.message : String(error))
      return false
    }
    const wasDown = downReasonOf(this.state) !== undefined
    this.apply({ type: 'opened' })
    const now = this.clock.now()
    this.reports.lineReopened(this.devices, now)
    if (wasDown) this.listener.event({ type: 'line-state', ts: now, bus: this.id, state: 'open' })
    return true
  }

  /** The line dropped or would not open: reported once, and the writes waiting for it refused. */
  private lineLost(reason: string): void {
    if (!this.apply({ type: 'line-lost', reason })) return
    this.writes.rejectAll(`line ${this.id} down: ${reason}`)
    this.listener.event({ type: 'line-state', ts: this.clock.now(), bus: this.id, state: 'down', reason })
  }

  private reportDueWhileDown(): void {
    const now = this.clock.now()
    for (const device of this.devices) {
      if (device.nextDue > now) continue
      this.reports.unreachable(device, `line ${this.id} down: ${downReasonOf(this.state) ?? 'closed'}`, now)
      device.nextDue = now + device.pollMs
    }
  }
}
