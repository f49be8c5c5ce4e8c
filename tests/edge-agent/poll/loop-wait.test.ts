/** Unit: how the bus worker's loop waits, and what wakes it; what stop() and a reopen wait for. */
import { describe, expect, it } from 'vitest'
import { LoopWait, PendingWork } from '../../../edge-agent/src/poll/loop-wait.ts'
import { ManualClock, settle } from './manual-clock.ts'

function watch(promise: Promise<void>): { done: boolean } {
  const state = { done: false }
  void promise.then(() => (state.done = true))
  return state
}

describe('LoopWait', () => {
  it('forDue resolves when the injected clock reaches the time', async () => {
    const clock = new ManualClock()
    const wait = new LoopWait(clock)
    const waited = watch(wait.forDue(50))
    expect(wait.waitingForLine).toBe(false)
    await clock.advance(49)
    expect(waited.done).toBe(false)
    await clock.advance(1)
    expect(waited.done).toBe(true)
  })

  it('wake() ends a wait for a due time early and cancels its timer', async () => {
    const clock = new ManualClock()
    const wait = new LoopWait(clock)
    const waited = watch(wait.forDue(1000))
    wait.wake()
    await settle()
    expect([waited.done, clock.pendingTimers]).toEqual([true, 0])
  })

  it('forLine waits, with no timer, until wake(); waitingForLine says so meanwhile', async () => {
    const clock = new ManualClock()
    const wait = new LoopWait(clock)
    const waited = watch(wait.forLine())
    expect([wait.waitingForLine, clock.pendingTimers]).toEqual([true, 0])
    await clock.advance(60_000)
    expect(waited.done).toBe(false)
    wait.wake()
    await settle()
    expect([waited.done, wait.waitingForLine]).toEqual([true, false])
  })

  it('wake() with nobody waiting changes nothing: the next wait still waits', async () => {
    const clock = new ManualClock()
    const wait = new LoopWait(clock)
    wait.wake()
    const waited = watch(wait.forDue(10))
    await settle()
    expect(waited.done).toBe(false)
    await clock.advance(10)
    expect(waited.done).toBe(true)
  })
})

describe('PendingWork', () => {
  it('settled() resolves at once with nothing pending, otherwise when the last piece ends', async () => {
    const work = new PendingWork()
    await expect(work.settled()).resolves.toBeUndefined()
    work.begin()
    work.begin()
    const settled = watch(work.settled())
    work.end()
    await settle()
    expect([settled.done, work.size]).toEqual([false, 1])
    work.end()
    await settle()
    expect([settled.done, work.size]).toEqual([true, 0])
  })
})
