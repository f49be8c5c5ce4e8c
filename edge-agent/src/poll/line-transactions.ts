import type { ModbusMaster, ModbusReply, ModbusRequest } from '../modbus/master.ts'
import { sleepOn, type LineClock } from './line-clock.ts'

export interface LineTiming {
  timeoutMs: number
  /** t3.5 plus turnaround between frames on a serial line; 0 on TCP */
  silenceMs: number
}

/**
 * Transactions on one line, keeping its silence between frames; the unit id travels with each request.
 * Counts them and the time the line spent in them.
 */
export class LineTransactions {
  transactions = 0
  /** monotonic ms spent in transactions */
  busyMs = 0
  private lastFrameEnd = 0
  /** the unit whose last transaction failed: its answer may still be on its way */
  private outOfSyncUnit: number | undefined

  constructor(private readonly master: ModbusMaster, private readonly timing: LineTiming, private readonly clock: LineClock) {}

  /**
   * One transaction. On a serial line, first the silence: after a failure an answer may still be on its way,
   * and modbus-serial would pair it with any request of the same unit, function and length, so before asking
   * that unit again it waits until the line has been quiet for a whole timeout and throws away what came.
   * Another unit's answer cannot be mistaken for it (the unit id and the CRC must match), so other units only
   * wait t3.5 (and the turnaround) after the last byte. When no wait is needed the request goes out before
   * this returns (no await in between).
   */
  readonly transact = async (request: ModbusRequest): Promise<ModbusReply> => {
    const { master, clock } = this
    const { silenceMs, timeoutMs } = this.timing
    if (silenceMs > 0) {
      const quietMs = this.outOfSyncUnit === request.unit ? Math.max(silenceMs, timeoutMs) : silenceMs
      const giveUpAt = clock.monotonic() + 10 * quietMs
      const quietAt = () => Math.max(this.lastFrameEnd, master.lastByteAt() ?? 0) + quietMs
      // timers may fire up to a millisecond early: sleep until the monotonic clock agrees
      for (let wait = quietAt() - clock.monotonic(); wait > 0 && clock.monotonic() < giveUpAt; wait = quietAt() - clock.monotonic()) await sleepOn(clock, wait)
      master.discardInput()
      if (this.outOfSyncUnit === request.unit) this.outOfSyncUnit = undefined
    }
    const started = clock.monotonic()
    let failed = false
    try {
      return await master.execute(request, timeoutMs)
    } catch (error) {
      failed = true
      throw error
    } finally {
      const ended = clock.monotonic()
      this.busyMs += ended - started
      this.transactions++
      this.lastFrameEnd = ended
      if (failed) this.outOfSyncUnit = request.unit
    }
  }
}
