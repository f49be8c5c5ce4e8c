import { ModbusTransportError } from '../../../protocols/modbus/index.ts'
import type { WriteRequest } from '../modbus/master.ts'

export interface QueuedWrite {
  request: WriteRequest
  resolve: () => void
  reject: (error: unknown) => void
}

/** Writes waiting for the line, first come first served, each ahead of every poll. */
export class WriteQueue {
  private readonly queue: QueuedWrite[] = []

  get isEmpty(): boolean {
    return this.queue.length === 0
  }

  /** Settles when the write, once taken from the queue and sent, has been answered (or failed). */
  enqueue(request: WriteRequest): Promise<void> {
    return new Promise<void>((resolve, reject) => this.queue.push({ request, resolve, reject }))
  }

  takeFirst(): QueuedWrite | undefined {
    return this.queue.shift()
  }

  /**
   * The first write, unless it goes to `unit`: a poll's reads let writes to other units go first, but a
   * write to the device being polled waits for its reads, so no poll straddles a write to its own device.
   */
  takeFirstNotFor(unit: number): QueuedWrite | undefined {
    const first = this.queue[0]
    return first === undefined || first.request.unit === unit ? undefined : this.queue.shift()
  }

  /** Whether a poll's transaction to `unit` must let queued writes go first. */
  hasWriteAheadOf(unit: number): boolean {
    const first = this.queue[0]
    return first !== undefined && first.request.unit !== unit
  }

  /** Every queued write rejected with MODBUS_TRANSPORT: `${why}, cannot write to unit N`. */
  rejectAll(why: string): void {
    for (const { request, reject } of this.queue.splice(0)) reject(new ModbusTransportError(`${why}, cannot write to unit ${request.unit}`))
  }
}
