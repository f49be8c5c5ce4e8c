import type { LineClock } from '../../../edge-agent/src/poll/line-clock.ts'

/** Lets every promise callback queued so far run (one turn of the event loop; no timer involved). */
export const settle = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * A LineClock that moves only when told: advance() steps both clocks to each timer due on the way, fires
 * it, and lets what it set off settle before the next one. Unit tests of the bus worker's parts run on it.
 */
export class ManualClock implements LineClock {
  wallMs = Date.UTC(2026, 0, 1)
  monotonicMs = 0
  private timers: { at: number; fire: () => void }[] = []

  now(): number {
    return this.wallMs
  }

  monotonic(): number {
    return this.monotonicMs
  }

  after(ms: number, fire: () => void): () => void {
    const timer = { at: this.monotonicMs + Math.max(0, ms), fire }
    this.timers.push(timer)
    return () => {
      this.timers = this.timers.filter((t) => t !== timer)
    }
  }

  get pendingTimers(): number {
    return this.timers.length
  }

  async advance(ms: number): Promise<void> {
    const end = this.monotonicMs + ms
    await settle()
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0]
      if (!due) break
      this.timers = this.timers.filter((t) => t !== due)
      this.moveTo(due.at)
      due.fire()
      await settle()
    }
    this.moveTo(end)
    await settle()
  }

  /** Advances the clock, `stepMs` at a time, until `promise` settles, and returns it; fails after `limitMs` of clock time. */
  async runUntilSettled<T>(what: string, promise: Promise<T>, limitMs = 60_000, stepMs = 10): Promise<T> {
    let settled = false
    promise.then(() => (settled = true), () => (settled = true))
    await settle()
    for (let spentMs = 0; !settled; spentMs += stepMs) {
      if (spentMs >= limitMs) throw new Error(`${what}: not settled after ${limitMs} ms of clock time`)
      await this.advance(stepMs)
    }
    return promise
  }

  private moveTo(monotonicMs: number): void {
    this.wallMs += monotonicMs - this.monotonicMs
    this.monotonicMs = monotonicMs
  }
}
