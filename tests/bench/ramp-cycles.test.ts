import { describe, expect, it } from 'vitest'
import { cyclesWhileArmed, worstRatio } from '../../bench/support/ramp-cycles.ts'

describe('cyclesWhileArmed', () => {
  const windows = [{ device: 'ch4-1', from: 10_000, to: 30_000 }]

  it('takes the longest interval of a device that overlaps another device\'s armed window', () => {
    const [relay] = cyclesWhileArmed([{ device: 'relay', reads: [0, 5000, 10_400, 15_400, 20_300, 25_300, 35_300], budgetMs: 5000 }], windows)
    expect(relay).toEqual({ device: 'relay', budgetMs: 5000, worstMs: 10_000, intervals: 5 })
  })

  it('leaves out intervals before or after every armed window', () => {
    const [relay] = cyclesWhileArmed([{ device: 'relay', reads: [0, 9000, 31_000, 40_000], budgetMs: 5000 }], windows)
    expect(relay!.intervals).toBe(1)
    expect(relay!.worstMs).toBe(22_000)
  })

  it('leaves out a device\'s intervals that overlap its own armed window, even while another is armed', () => {
    const both = [...windows, { device: 'ch4-2', from: 0, to: 40_000 }]
    const [head] = cyclesWhileArmed([{ device: 'ch4-1', reads: [0, 5000, 12_000, 31_000, 36_000], budgetMs: 5000 }], both)
    expect(head).toEqual({ device: 'ch4-1', budgetMs: 5000, worstMs: 5000, intervals: 2 })
  })

  it('is NaN for a device never polled while another was armed', () => {
    const [head] = cyclesWhileArmed([{ device: 'ch4-3', reads: [0, 5000], budgetMs: 5000 }], windows)
    expect(head!.worstMs).toBeNaN()
    expect(head!.intervals).toBe(0)
  })
})

describe('worstRatio', () => {
  it('is the device with the largest interval ÷ budget, skipping devices without one', () => {
    const cycles = [
      { device: 'a', budgetMs: 5000, worstMs: 5200, intervals: 3 },
      { device: 'b', budgetMs: 1000, worstMs: 1100, intervals: 3 },
      { device: 'c', budgetMs: 5000, worstMs: Number.NaN, intervals: 0 },
    ]
    expect(worstRatio(cycles)).toEqual({ ratio: 1.1, device: 'b' })
    expect(worstRatio([cycles[2]!]).ratio).toBeNaN()
  })
})
