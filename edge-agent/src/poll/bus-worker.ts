import { ModbusTransportError } from '../../../protocols/modbus/index.ts'
import type { Sample } from '../../../protocols/sample.ts'
import type { ModbusMaster, ModbusReply, ModbusRequest, WriteRequest } from '../modbus/master.ts'
import { DEFAULT_HEALTH, INITIAL_HEALTH, isQuarantined, nextHealth, type Health, type HealthOptions } from './device-health.ts'
import type { DevicePoller, PollResult } from './device-poller.ts'
import type { PollListener } from './events.ts'

export type Priority = 'safety' | 'normal' | 'inventory'
const RANK: Record<Priority, number> = { safety: 0, normal: 1, inventory: 2 }

export interface BusDevice {
  poller: DevicePoller
  pollMs: number
  priority: Priority
  /**
   * Its samples feed interlocks: the poll keeps the line until they have reached the listener, so a write
   * the listener queues in `samples()` is the next transaction on the line.
   */
  holdLine?: boolean
}

interface QueuedWrite {
  request: WriteRequest
  resolve: () => void
  reject: (error: unknown) => void
}

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
  clock?: () => number
  random?: () => number
}

/**
 * A device as the loop schedules it. A class, so every slot has one fixed shape: the loop reads these
 * fields for every device on every pass, and objects grown property by property (an object spread plus
 * fields) can fall back to slow dictionary properties.
 */
class Slot implements BusDevice {
  readonly poller: DevicePoller
  readonly pollMs: number
  readonly priority: Priority
  /** RANK[priority], looked up once */
  readonly rank: number
  readonly holdLine: boolean
  health: Health = INITIAL_HEALTH
  nextDue = 0
  busy = false
  lastStart: number | undefined = undefined
  intervalMs: number | undefined = undefined
  lastPollMs: number | undefined = undefined
  /** dispatched by the loop and still holding the line (its reads not all done) */
  holdsLine = false
  /** pollSoon() while it was polling: the next poll no later than this */
  soonAt: number | undefined = undefined

  constructor(device: BusDevice, readonly releaseLine: () => void) {
    this.poller = device.poller
    this.pollMs = device.pollMs
    this.priority = device.priority
    this.rank = RANK[device.priority]
    this.holdLine = device.holdLine === true
  }
}

export interface OnceResult {
  device: string
  outcome: PollResult['outcome']
  /** no answer, or not the model the config names: nothing it said can be trusted */
  unread: boolean
  reason?: string
}

export interface BusStatus {
  id: string
  open: boolean
  /** longest time between two polls of one answering device, lately */
  cycleMs: number | undefined
  /** the poll period that device asked for */
  budgetMs: number | undefined
  /** share of wall time the line spent in transactions since start */
  load: number
  transactions: number
  devices: { id: string; state: Health['state']; pollMs: number; intervalMs?: number; lastPollMs?: number; quarantinedUntil?: number }[]
}

/** The next time on the device's own poll grid after `end`: a poll that overran skips the slots it missed instead of bunching up. */
export function nextSlotAfter(due: number, period: number, end: number): number {
  const pollMs = Math.max(1, period)
  const next = due + pollMs
  return next > end ? next : due + Math.ceil((end - due) / pollMs + 1e-9) * pollMs
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, Math.ceil(ms))))

/**
 * One physical line (a serial port, or one TCP endpoint) and the devices on it.
 * Exactly `maxInFlight` transactions outstanding (one on RS-485), silence between frames,
 * devices polled at their own periods by priority, dead devices quarantined and probed with back-off,
 * and a line that drops (USB adapter unplugged, connection reset) reopened without a restart.
 */
export class BusWorker {
  readonly id: string
  private readonly slots: Slot[]
  private readonly clock: () => number
  private readonly random: () => number
  private readonly healthOptions: HealthOptions
  private stopped = true
  private loopDone: Promise<void> = Promise.resolve()
  private wake: (() => void) | undefined
  /** the loop waits for the line to free up (rather than for a device's due time) */
  private waitingForLine = false
  /** polls and writes holding the line: at most maxInFlight */
  private inFlight = 0
  /** polls and writes started and not finished: those holding the line, and polls decoding what they read after letting it go */
  private active = 0
  /** writes waiting for the line, first come first served, ahead of every poll */
  private readonly urgent: QueuedWrite[] = []
  private lastFrameEnd = 0
  private outOfSyncUnit: number | undefined
  private lineDown: string | undefined
  private readonly reopenMs: number
  private startedAt = 0
  private busyMs = 0
  private transactions = 0

  constructor(private readonly options: BusWorkerOptions, devices: BusDevice[], private readonly listener: PollListener) {
    this.id = options.id
    this.clock = options.clock ?? Date.now
    this.random = options.random ?? Math.random
    this.healthOptions = options.health ?? DEFAULT_HEALTH
    this.reopenMs = options.reopenMs ?? Math.min(5000, Math.max(100, Math.min(...devices.map((d) => d.pollMs))))
    this.slots = devices.map((d) => {
      const slot: Slot = new Slot(d, () => this.releaseLine(slot))
      return slot
    })
    options.master.onClose(() => {
      this.markDown('line closed')
      this.wake?.()
    })
  }

  /** One Modbus transaction, keeping the line's silence; the unit id travels with the request. */
  readonly transact = async (request: ModbusRequest): Promise<ModbusReply> => {
    const { master, silenceMs, timeoutMs } = this.options
    if (silenceMs > 0) {
      // After a failure an answer may still be on its way, and modbus-serial would pair it with any request of the
      // same unit, function and length: before asking that unit again, wait until the line has been quiet for a
      // whole timeout and throw away what came. Another unit's answer cannot be mistaken for it (the unit id and
      // the CRC must match), so other units only wait t3.5 (and the turnaround) after the last byte.
      const quietMs = this.outOfSyncUnit === request.unit ? Math.max(silenceMs, timeoutMs) : silenceMs
      const giveUpAt = performance.now() + 10 * quietMs
      const quietAt = () => Math.max(this.lastFrameEnd, master.lastByteAt() ?? 0) + quietMs
      // libuv timers may fire up to a millisecond early: sleep until the monotonic clock agrees
      for (let wait = quietAt() - performance.now(); wait > 0 && performance.now() < giveUpAt; wait = quietAt() - performance.now()) await sleep(wait)
      master.discardInput()
      if (this.outOfSyncUnit === request.unit) this.outOfSyncUnit = undefined
    }
    const started = performance.now()
    let failed = false
    try {
      return await master.execute(request, timeoutMs)
    } catch (error) {
      failed = true
      throw error
    } finally {
      // silence is kept on the monotonic sub-millisecond clock: Date.now() could shorten t3.5 by up to 1 ms
      const ended = performance.now()
      this.busyMs += ended - started
      this.transactions++
      this.lastFrameEnd = ended
      if (failed) this.outOfSyncUnit = request.unit
    }
  }

  /**
   * A write ahead of every poll; never retried here (the caller decides). On a free line the transaction
   * starts before this returns, so the frame is on its way before the caller does anything else; otherwise
   * it goes out as soon as a transaction ends, even between two reads of another device's poll.
   */
  write(request: WriteRequest): Promise<void> {
    const down = this.stopped ? 'stopped' : !this.options.master.isOpen || this.lineDown ? `down: ${this.lineDown ?? 'not open'}` : undefined
    if (down) return Promise.reject(new ModbusTransportError(`line ${this.id} ${down}, cannot write to unit ${request.unit}`))
    if (this.urgent.length === 0 && this.inFlight < this.options.maxInFlight) return this.runWrite(request)
    return new Promise<void>((resolve, reject) => this.urgent.push({ request, resolve, reject }))
  }

  /** Poll the device no later than `afterMs` from now, e.g. to read an output's feedback after a write. */
  pollSoon(device: string, afterMs = 0): void {
    const slot = this.slots.find((s) => s.poller.id === device)
    if (!slot) throw new RangeError(`no device ${device} on line ${this.id}`)
    const at = this.clock() + Math.max(0, afterMs)
    // a poll in progress may have read before the write: the one after it must still come soon
    if (slot.busy) slot.soonAt = Math.min(slot.soonAt ?? Infinity, at)
    else slot.nextDue = Math.min(slot.nextDue, at)
    if (!this.waitingForLine) this.wake?.()
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.startedAt = this.clock()
    // spread the first polls over each device's period (at most 1 s): hundreds of devices, on one bus or on
    // hundreds of TCP endpoints, must not all be due in the same instant
    for (const slot of this.slots) slot.nextDue = this.startedAt + Math.floor(this.random() * Math.min(slot.pollMs, 1000))
    this.loopDone = this.loop()
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.rejectQueuedWrites(`line ${this.id} stopped`)
    this.wake?.()
    await this.loopDone
    while (this.active > 0) await sleep(5)
    await this.options.master.close()
  }

  /** Open the line, identify and poll every device once, in priority order; what became of each. */
  async pollOnce(): Promise<OnceResult[]> {
    this.startedAt = this.clock()
    if (!this.options.master.isOpen) await this.tryOpen()
    const ordered = [...this.slots].sort((a, b) => RANK[a.priority] - RANK[b.priority])
    const results: OnceResult[] = []
    for (const slot of ordered) {
      if (this.lineDown) {
        this.reportUnreachable(slot, `line ${this.id} down: ${this.lineDown}`)
        results.push({ device: slot.poller.id, outcome: 'no-answer', unread: true, reason: `line ${this.id} down: ${this.lineDown}` })
      } else {
        const { outcome, reason } = await this.pollSlot(slot)
        const unread = outcome === 'no-answer' || slot.poller.identityMismatch !== undefined
        results.push({ device: slot.poller.id, outcome, unread, ...(reason && { reason }) })
      }
    }
    return results
  }

  status(): BusStatus {
    const now = this.clock()
    let worst: Slot | undefined
    for (const slot of this.slots) {
      if (slot.intervalMs === undefined || slot.health.state !== 'online') continue
      if (!worst || slot.intervalMs / slot.pollMs > worst.intervalMs! / worst.pollMs) worst = slot
    }
    return {
      id: this.id,
      open: this.options.master.isOpen && !this.lineDown,
      cycleMs: worst?.intervalMs,
      budgetMs: worst?.pollMs,
      load: now > this.startedAt ? this.busyMs / (now - this.startedAt) : 0,
      transactions: this.transactions,
      devices: this.slots.map((s) => ({
        id: s.poller.id, state: s.health.state, pollMs: s.pollMs,
        ...(s.intervalMs !== undefined && { intervalMs: s.intervalMs }),
        ...(s.lastPollMs !== undefined && { lastPollMs: s.lastPollMs }),
        ...(isQuarantined(s.health, now) && { quarantinedUntil: s.health.quarantinedUntil }),
      })),
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      if (!this.options.master.isOpen || this.lineDown) {
        // every poll finishes (and reports its health) before the line is reopened and the devices' health reset
        if (this.active > 0) {
          await this.idle(50)
          continue
        }
        if (await this.tryOpen()) continue
        this.reportDueWhileDown()
        // trying to open a serial path that is not there costs nothing: keep trying at the poll pace, jittered
        await this.idle(Math.round(this.reopenMs * (0.8 + 0.2 * this.random())))
        continue
      }
      if (this.urgent.length > 0) {
        this.startQueuedWrites()
        if (this.inFlight >= this.options.maxInFlight) await this.lineFreed()
        continue
      }
      const now = this.clock()
      let next: Slot | undefined
      let earliest = Infinity
      for (const slot of this.slots) {
        if (slot.busy) continue
        if (slot.nextDue > now) {
          if (slot.nextDue < earliest) earliest = slot.nextDue
          continue
        }
        if (isQuarantined(slot.health, now)) {
          this.reportUnreachable(slot, `${slot.health.reason ?? 'not answering'}; next probe at ${new Date(slot.health.quarantinedUntil!).toISOString()}`)
          slot.nextDue = Math.max(slot.nextDue + slot.pollMs, now + 1)
          earliest = Math.min(earliest, slot.nextDue)
          continue
        }
        if (!next || slot.rank < next.rank || (slot.rank === next.rank && slot.nextDue < next.nextDue)) next = slot
      }
      if (next && this.inFlight < this.options.maxInFlight) {
        next.busy = true
        this.inFlight++
        this.active++
        void this.runSlot(next)
        // the line is full now: nothing to dispatch until a poll lets it go, which wakes us
        if (this.inFlight >= this.options.maxInFlight) await this.lineFreed()
        continue
      }
      // a device is due but every slot is taken: wait for one to free up, no timer needed
      if (next) await this.lineFreed()
      else await this.idle(earliest === Infinity ? 1000 : earliest - now)
    }
  }

  private lineFreed(): Promise<void> {
    this.waitingForLine = true
    return new Promise<void>((resolve) => (this.wake = () => {
      this.wake = undefined
      this.waitingForLine = false
      resolve()
    }))
  }

  /**
   * One poll of a device, dispatched by the loop. The line is let go as soon as the poll's last answer is
   * in: the next device's request goes out, and this one's answers are decoded while it is on the wire.
   */
  private async runSlot(slot: Slot): Promise<void> {
    slot.holdsLine = true
    try {
      await this.pollSlot(slot, slot.holdLine ? undefined : slot.releaseLine)
    } finally {
      slot.busy = false
      this.active--
      if (slot.holdsLine) {
        slot.holdsLine = false
        this.inFlight--
        this.startQueuedWrites()
      }
      // the loop waits either for the line, free now, or for the next due time, which this slot may bring forward
      if (this.inFlight < this.options.maxInFlight) this.wake?.()
    }
  }

  /** A poll's reads are done: the next request may go out while it decodes. Only a loop waiting for the line cares. */
  private releaseLine(slot: Slot): void {
    if (!slot.holdsLine) return
    slot.holdsLine = false
    this.inFlight--
    this.startQueuedWrites()
    if (this.waitingForLine) this.wake?.()
  }

  private async runWrite(request: WriteRequest): Promise<void> {
    this.inFlight++
    this.active++
    try {
      await this.transact(request)
    } finally {
      this.inFlight--
      this.active--
      this.startQueuedWrites()
      if (this.inFlight < this.options.maxInFlight) this.wake?.()
    }
  }

  /** Queued writes onto every free slot of the line, before the loop can give one to a poll. */
  private startQueuedWrites(): void {
    while (this.urgent.length > 0 && this.inFlight < this.options.maxInFlight) {
      const { request, resolve, reject } = this.urgent.shift()!
      this.runWrite(request).then(resolve, reject)
    }
  }

  /**
   * A poll's transaction. Writes waiting for the line go first, on the line this poll holds: an interlock's
   * write waits for one transaction, not for a whole poll of many blocks. Except a write to the device being
   * polled, which waits for the poll's reads: on a one-transaction line, no poll of a device straddles a write
   * to it, so its samples that reach the listener after the write resolved were all read after it.
   */
  private readonly pollTransact = (request: ModbusRequest): Promise<ModbusReply> =>
    this.urgent.length === 0 || this.urgent[0]!.request.unit === request.unit ? this.transact(request) : this.writesThen(request)

  private async writesThen(request: ModbusRequest): Promise<ModbusReply> {
    while (this.urgent.length > 0 && this.urgent[0]!.request.unit !== request.unit) {
      const { request: write, resolve, reject } = this.urgent.shift()!
      await this.transact(write).then(resolve, reject)
    }
    return this.transact(request)
  }

  private rejectQueuedWrites(reason: string): void {
    for (const { request, reject } of this.urgent.splice(0)) reject(new ModbusTransportError(`${reason}, cannot write to unit ${request.unit}`))
  }

  private idle(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(0, Math.ceil(ms)))
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.wake = () => {
        this.wake = undefined
        done()
      }
    })
  }

  private async tryOpen(): Promise<boolean> {
    try {
      await this.options.master.open()
    } catch (error) {
      this.markDown(error instanceof Error ? error.message : String(error))
      return false
    }
    const wasDown = this.lineDown !== undefined
    this.lineDown = undefined
    const now = this.clock()
    for (const slot of this.slots) {
      // the line, not the devices, was the problem: poll everyone again at once
      slot.health = { ...slot.health, quarantinedUntil: undefined, backoffMs: 0, failures: 0 }
      slot.nextDue = Math.min(slot.nextDue, now)
    }
    if (wasDown) this.listener.event({ type: 'line-state', ts: now, bus: this.id, state: 'open' })
    return true
  }

  private markDown(reason: string): void {
    if (this.lineDown !== undefined) return
    this.lineDown = reason
    this.rejectQueuedWrites(`line ${this.id} down: ${reason}`)
    this.listener.event({ type: 'line-state', ts: this.clock(), bus: this.id, state: 'down', reason })
  }

  private reportDueWhileDown(): void {
    const now = this.clock()
    for (const slot of this.slots) {
      if (slot.nextDue > now) continue
      this.reportUnreachable(slot, `line ${this.id} down: ${this.lineDown ?? 'closed'}`)
      slot.nextDue = now + slot.pollMs
    }
  }

  /** Comm-fail samples for a device we cannot reach now, and the health transition they imply. */
  private reportUnreachable(slot: Slot, reason: string): void {
    const now = this.clock()
    this.listener.samples(slot.poller.failureSamples('comm-fail', reason, now))
    this.updateHealth(slot, 'no-answer', reason, now, false)
  }

  private updateHealth(slot: Slot, outcome: 'ok' | 'fault' | 'no-answer', reason: string | undefined, now: number, countFailure = true): void {
    const previous = slot.health
    // an online device answering again: nextHealth would return the same state, no change to report
    if (outcome === 'ok' && previous.state === 'online' && previous.failures === 0 && previous.backoffMs === 0 &&
      previous.quarantinedUntil === undefined && previous.reason === undefined) return
    const { health, change } = nextHealth(previous, outcome, now, reason, this.healthOptions, this.random)
    // time spent quarantined is not another failure: keep the back-off as it was until the next probe
    slot.health = !countFailure && isQuarantined(previous, now) ? previous : health
    if (change && slot.health === health) {
      this.listener.event({ type: 'device-state', ts: now, device: slot.poller.id, from: change.from, to: change.to, ...(change.reason && { reason: change.reason }) })
    }
  }

  /** `releaseLine`, when given, is called once the poll's reads are done and before it decodes them. */
  private async pollSlot(slot: Slot, releaseLine?: () => void): Promise<PollResult> {
    const start = this.clock()
    if (slot.lastStart !== undefined) slot.intervalMs = start - slot.lastStart
    slot.lastStart = start
    const probe = slot.health.quarantinedUntil !== undefined
    let result: PollResult | undefined
    if (!slot.poller.identityChecked) {
      const identity = await slot.poller.identify(this.pollTransact, { probe })
      if (!identity.retry) {
        this.listener.event({ type: 'device-identity', ts: this.clock(), device: slot.poller.id, ...identity })
      } else if (identity.noAnswer) {
        // a device that does not answer its identification will not answer a poll either: spare the line
        const reason = identity.reason ?? 'no answer'
        result = { samples: slot.poller.failureSamples('comm-fail', reason, this.clock()), outcome: 'no-answer', reason, transactions: 1 }
      }
    }
    result ??= await slot.poller.poll(this.pollTransact, releaseLine ? { probe, readsDone: releaseLine } : { probe })
    const end = this.clock()
    slot.lastPollMs = end - start
    this.emit(result.samples)
    this.updateHealth(slot, result.outcome, result.reason, end)
    slot.nextDue = nextSlotAfter(slot.nextDue, slot.pollMs, end)
    if (slot.soonAt !== undefined) {
      slot.nextDue = Math.min(slot.nextDue, slot.soonAt)
      slot.soonAt = undefined
    }
    return result
  }

  private emit(samples: Sample[]): void {
    if (samples.length > 0) this.listener.samples(samples)
  }
}
