/**
 * The time a bus worker keeps, injected so tests control it: the wall clock for due times and event
 * timestamps, a monotonic clock for the silence between frames, and a timer for every wait.
 */
export interface LineClock {
  /** epoch ms: due times, device health, event timestamps */
  now(): number
  /**
   * monotonic ms with sub-millisecond resolution, on the scale of the master's lastByteAt(): the silence
   * between frames is timed on it (a millisecond wall clock could shorten t3.5 by up to 1 ms)
   */
  monotonic(): number
  /** calls `fire` once after `ms`; returns what cancels it */
  after(ms: number, fire: () => void): () => void
}

/** Date.now / performance.now / setTimeout, looked up at each call (so fake timers installed later apply). */
export function systemLineClock(now: () => number = () => Date.now()): LineClock {
  return {
    now,
    monotonic: () => performance.now(),
    after: (ms, fire) => {
      const timer = setTimeout(fire, Math.max(0, Math.ceil(ms)))
      return () => clearTimeout(timer)
    },
  }
}

export const sleepOn = (clock: LineClock, ms: number): Promise<void> => new Promise<void>((resolve) => clock.after(ms, resolve))
