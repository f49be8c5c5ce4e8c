/** How far ahead of the server's clock a gateway's time may be (its clock a little fast) before a record is refused. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000

/** Why a record's time was refused; the reject counters' keys (`GET /api/health`). */
export type TimeRejectReason = 'ts-future' | 'ts-before-enrolment'

/**
 * The times a gateway may report: from its enrolment (it measured nothing the server can vouch for
 * before it had credentials; undefined for a gateway registered before the server kept the time) to
 * MAX_FUTURE_SKEW_MS past the server's `now`.
 */
export interface TimeBounds {
  notBefore: number | undefined
  notAfter: number
}

export const timeBounds = (now: number, enrolledAt: number | undefined): TimeBounds => ({ notBefore: enrolledAt, notAfter: now + MAX_FUTURE_SKEW_MS })

/** Undefined when `ts` is within the bounds, else why not. */
export function timeRejection(ts: number, bounds: TimeBounds): TimeRejectReason | undefined {
  if (ts > bounds.notAfter) return 'ts-future'
  if (bounds.notBefore !== undefined && ts < bounds.notBefore) return 'ts-before-enrolment'
  return undefined
}
