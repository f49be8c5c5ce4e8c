import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_FUTURE_SKEW_MS, timeBounds, timeRejection } from '../../../fleet-server/src/ingest/time-bounds.ts'

const T0 = Date.parse('2026-11-29T02:00:00Z')
const MAX_TS = 8_640_000_000_000

describe('the times a gateway may report', () => {
  it('from its enrolment to 5 minutes past the server\'s clock, both included', () => {
    const bounds = timeBounds(T0, T0 - 60_000)
    expect(MAX_FUTURE_SKEW_MS).toBe(5 * 60_000)
    expect(timeRejection(T0 - 60_000, bounds)).toBeUndefined()
    expect(timeRejection(T0 - 60_001, bounds)).toBe('ts-before-enrolment')
    expect(timeRejection(T0 + 5 * 60_000, bounds)).toBeUndefined()
    expect(timeRejection(T0 + 5 * 60_000 + 1, bounds)).toBe('ts-future')
    expect(timeRejection(Date.parse('2223-01-01T00:00:00Z'), bounds)).toBe('ts-future')
    expect(timeRejection(T0 - 40 * 86_400_000, bounds)).toBe('ts-before-enrolment')
  })

  it('any time: taken exactly when within [enrolment, now + skew]; refused as future when past it, else as before the enrolment', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: MAX_TS }), fc.integer({ min: 0, max: MAX_TS }), fc.integer({ min: 0, max: MAX_TS }), (now, enrolledAt, ts) => {
      const reason = timeRejection(ts, timeBounds(now, enrolledAt))
      if (ts > now + MAX_FUTURE_SKEW_MS) expect(reason).toBe('ts-future')
      else if (ts < enrolledAt) expect(reason).toBe('ts-before-enrolment')
      else expect(reason).toBeUndefined()
    }))
  })

  it('a gateway without a known enrolment time: only the future bound applies', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: MAX_TS }), fc.integer({ min: 0, max: MAX_TS }), (now, ts) => {
      expect(timeRejection(ts, timeBounds(now, undefined))).toBe(ts > now + MAX_FUTURE_SKEW_MS ? 'ts-future' : undefined)
    }))
  })
})
