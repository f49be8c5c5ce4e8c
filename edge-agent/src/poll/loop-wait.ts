import type { LineClock } from './line-clock.ts'

/**
 * What the worker's loop waits for between two passes — a slot of the line to free up, or the next due
 * time — and the one way to wake it early. A pass is cheap, so waking it when nothing changed costs little.
 */
export class LoopWait {
  private waitingFor: 'nothing' | 'line' | 'due' = 'nothing'
  private resume: (() => void) | undefined
  private cancelTimer: (() => void) | undefined

  constructor(private readonly clock: LineClock) {}

  get waitingForLine(): boolean {
    return this.waitingFor === 'line'
  }

  /** Until wake(): a transaction lets the line go, or the line changes state. */
  forLine(): Promise<void> {
    return this.wait('line')
  }

  /** Until `ms` from now, or wake(). */
  forDue(ms: number): Promise<void> {
    const waited = this.wait('due')
    this.cancelTimer = this.clock.after(ms, () => this.wake())
    return waited
  }

  wake(): void {
    const resume = this.resume
    if (!resume) return
    this.cancelTimer?.()
    this.cancelTimer = undefined
    this.resume = undefined
    this.waitingFor = 'nothing'
    resume()
  }

  private wait(what: 'line' | 'due'): Promise<void> {
    this.waitingFor = what
    return new Promise<void>((resolve) => (this.resume = resolve))
  }
}

/** Polls and writes started and not finished (a poll decoding after it let the line go included): stop() and a reopen wait for none. */
export class PendingWork {
  private count = 0
  private readonly waiters: (() => void)[] = []

  get size(): number {
    return this.count
  }

  begin(): void {
    this.count++
  }

  end(): void {
    if (--this.count === 0) for (const settled of this.waiters.splice(0)) settled()
  }

  /** Resolves once nothing is pending. */
  settled(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise<void>((resolve) => this.waiters.push(resolve))
  }
}
