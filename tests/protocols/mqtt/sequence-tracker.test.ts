import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SequenceTracker } from '../../../protocols/mqtt/index.ts'

describe('SequenceTracker', () => {
  it('accepts each (gateway, seq) once and keeps gateways apart', () => {
    const tracker = new SequenceTracker()
    expect(tracker.accept('a', 5)).toBe(true)
    expect(tracker.accept('a', 5)).toBe(false)
    expect(tracker.accept('b', 5)).toBe(true)
    expect(tracker.accept('a', 6)).toBe(true)
    expect(tracker.accept('a', 4)).toBe(true)
    expect(tracker.accepted('a')).toEqual([{ first: 4, last: 6 }])
  })

  it('reports the gaps and closes them as late records arrive', () => {
    const tracker = new SequenceTracker()
    for (const seq of [1, 2, 3, 7, 8, 12]) tracker.accept('gw', seq)
    expect(tracker.gaps('gw')).toEqual([{ first: 4, last: 6 }, { first: 9, last: 11 }])
    for (const seq of [4, 5, 6, 9, 10, 11]) tracker.accept('gw', seq)
    expect(tracker.gaps('gw')).toEqual([])
    expect(tracker.accepted('gw')).toEqual([{ first: 1, last: 12 }])
  })

  it('accepts exactly the distinct sequence numbers of any stream with resends (property)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 600 }), (stream) => {
      const tracker = new SequenceTracker()
      const accepted = stream.filter((seq) => tracker.accept('gw', seq))
      const distinct = [...new Set(stream)]
      expect(accepted.sort((x, y) => x - y)).toEqual(distinct.sort((x, y) => x - y))
      const missing = distinct.length === 0 ? [] : Array.from({ length: Math.max(...distinct) - Math.min(...distinct) + 1 }, (_, i) => i + Math.min(...distinct)).filter((s) => !distinct.includes(s))
      const fromGaps = tracker.gaps('gw').flatMap((g) => Array.from({ length: g.last - g.first + 1 }, (_, i) => g.first + i))
      expect(fromGaps).toEqual(missing)
    }))
  })

  it('acceptRun takes a run of new numbers at once, and refuses (changing nothing) a run with any number seen before', () => {
    const tracker = new SequenceTracker()
    expect(tracker.acceptRun('gw', 10, 5)).toBe(true) // 10..14
    expect(tracker.acceptRun('gw', 15, 5)).toBe(true) // joins: 10..19
    expect(tracker.acceptRun('gw', 30, 2)).toBe(true)
    expect(tracker.acceptRun('gw', 25, 5)).toBe(true) // 25..29 joins 30..31 from the left
    expect(tracker.accepted('gw')).toEqual([{ first: 10, last: 19 }, { first: 25, last: 31 }])
    expect(tracker.acceptRun('gw', 20, 6)).toBe(false) // 25 was seen
    expect(tracker.acceptRun('gw', 5, 6)).toBe(false) // 10 was seen
    expect(tracker.acceptRun('gw', 31, 1)).toBe(false)
    expect(tracker.accepted('gw')).toEqual([{ first: 10, last: 19 }, { first: 25, last: 31 }])
    expect(tracker.acceptRun('gw', 20, 5)).toBe(true) // closes the gap exactly
    expect(tracker.accepted('gw')).toEqual([{ first: 10, last: 31 }])
    expect(tracker.acceptRun('other', 0, 3)).toBe(true)
    expect(tracker.accepted('other')).toEqual([{ first: 0, last: 2 }])
  })

  it('acceptRun is the same as accepting each number of the run when all are new, and a no-op otherwise (property)', () => {
    const run = fc.record({ first: fc.integer({ min: 0, max: 200 }), count: fc.integer({ min: 1, max: 30 }) })
    fc.assert(fc.property(fc.array(fc.oneof(run, fc.integer({ min: 0, max: 230 }).map((seq) => ({ first: seq, count: 1 }))), { maxLength: 80 }), (steps) => {
      const byRun = new SequenceTracker()
      const bySeq = new SequenceTracker()
      for (const { first, count } of steps) {
        const seqs = Array.from({ length: count }, (_, i) => first + i)
        const allNew = seqs.every((seq) => !bySeq.has('gw', seq))
        expect(byRun.acceptRun('gw', first, count)).toBe(allNew)
        if (allNew) for (const seq of seqs) expect(bySeq.accept('gw', seq)).toBe(true)
        expect(byRun.accepted('gw')).toEqual(bySeq.accepted('gw'))
      }
    }))
  })
})
