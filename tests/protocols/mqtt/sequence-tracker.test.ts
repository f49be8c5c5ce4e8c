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
})
