import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  complianceStatus, deadlineOf, isDay, missedDeadline, systemCoverage, verified,
} from '../../../fleet-server/src/compliance/index.ts'
import { addDays, daysBetween, localDay } from '../../../protocols/calendar/index.ts'

describe('deadlineOf', () => {
  it('adds calendar years', () => {
    expect(deadlineOf('2011-01-01', 3)).toBe('2014-01-01')
    expect(deadlineOf('2011-06-15', 2)).toBe('2013-06-15')
  })
  it('a start on 29 February plus 3 years ends on 28 February, never past the anniversary', () => {
    expect(deadlineOf('2012-02-29', 3)).toBe('2015-02-28')
    expect(deadlineOf('2012-02-29', 4)).toBe('2016-02-29')
    expect(deadlineOf('2012-02-28', 3)).toBe('2015-02-28')
  })
  it('a duty with no period is due the day it applies from', () => {
    expect(deadlineOf('2011-01-01', null)).toBe('2011-01-01')
  })
  it('refuses what is not a calendar date', () => {
    expect(() => deadlineOf('2011-02-29', 3)).toThrow(/YYYY-MM-DD/u)
    expect(() => deadlineOf('2011-1-1', 3)).toThrow(RangeError)
    expect(isDay('2024-02-29')).toBe(true)
    expect(isDay('2100-02-29')).toBe(false)
  })
})

describe('complianceStatus', () => {
  const duty = { appliesFrom: '2011-01-01', periodYears: 3 } // deadline 2014-01-01

  it('installed on the deadline day itself is compliant; the day after is late by one day', () => {
    expect(complianceStatus({ ...duty, installedOn: '2014-01-01', asOf: '2020-01-01' })).toEqual({ deadline: '2014-01-01', status: 'compliant' })
    expect(complianceStatus({ ...duty, installedOn: '2014-01-02', asOf: '2020-01-01' })).toEqual({ deadline: '2014-01-01', status: 'late', daysOverdue: 1 })
  })
  it('a record dated long after the deadline is late, with the days it came late', () => {
    expect(complianceStatus({ ...duty, installedOn: '2015-01-01', asOf: '2015-06-01' })).toEqual({ deadline: '2014-01-01', status: 'late', daysOverdue: 365 })
  })
  it('not installed on the deadline day is due-soon, the next day overdue', () => {
    expect(complianceStatus({ ...duty, asOf: '2014-01-01' })).toEqual({ deadline: '2014-01-01', status: 'due-soon', daysLeft: 0 })
    expect(complianceStatus({ ...duty, asOf: '2014-01-02' })).toEqual({ deadline: '2014-01-01', status: 'overdue', daysOverdue: 1 })
  })
  it('due-soon from 90 days before the deadline; 91 days before is on-track', () => {
    expect(complianceStatus({ ...duty, asOf: addDays('2014-01-01', -90) })).toMatchObject({ status: 'due-soon', daysLeft: 90 })
    expect(complianceStatus({ ...duty, asOf: addDays('2014-01-01', -91) })).toMatchObject({ status: 'on-track', daysLeft: 91 })
    expect(complianceStatus({ ...duty, asOf: addDays('2014-01-01', -10), dueSoonDays: 7 })).toMatchObject({ status: 'on-track', daysLeft: 10 })
  })
  it('a duty with no period is due at once: due-soon on its first day, overdue the next', () => {
    const none = { appliesFrom: '2011-01-01', periodYears: null }
    expect(complianceStatus({ ...none, asOf: '2011-01-01' })).toEqual({ deadline: '2011-01-01', status: 'due-soon', daysLeft: 0 })
    expect(complianceStatus({ ...none, asOf: '2026-11-29' })).toMatchObject({ status: 'overdue', daysOverdue: daysBetween('2011-01-01', '2026-11-29') })
    expect(complianceStatus({ ...none, installedOn: '2011-01-01', asOf: '2026-11-29' }).status).toBe('compliant')
    expect(complianceStatus({ ...none, installedOn: '2011-01-02', asOf: '2026-11-29' })).toMatchObject({ status: 'late', daysOverdue: 1 })
  })
  it('an installation dated after asOf does not count yet', () => {
    expect(complianceStatus({ ...duty, installedOn: '2013-06-01', asOf: '2013-05-31' })).toMatchObject({ status: 'on-track' })
    expect(complianceStatus({ ...duty, installedOn: '2015-06-01', asOf: '2015-05-31' })).toMatchObject({ status: 'overdue' })
    expect(complianceStatus({ ...duty, installedOn: '2015-06-01', asOf: '2015-06-01' })).toMatchObject({ status: 'late' })
  })
  it('missed the deadline = late or overdue', () => {
    expect(['compliant', 'late', 'overdue', 'due-soon', 'on-track'].filter((s) => missedDeadline(s as never))).toEqual(['late', 'overdue'])
  })
})

const day = fc.integer({ min: Date.UTC(1990, 0, 1) / 86_400_000, max: Date.UTC(2060, 11, 31) / 86_400_000 })
  .map((n) => new Date(n * 86_400_000).toISOString().slice(0, 10))
const period = fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 5 }))

describe('complianceStatus, for any dates', () => {
  it('installed (on or before asOf): compliant iff installedOn ≤ deadline, late otherwise; never overdue, due-soon or on-track', () => {
    fc.assert(fc.property(day, period, day, day, (appliesFrom, periodYears, installedOn, asOf) => {
      fc.pre(installedOn <= asOf)
      const result = complianceStatus({ appliesFrom, periodYears, installedOn, asOf })
      expect(result.deadline).toBe(deadlineOf(appliesFrom, periodYears))
      expect(result.status).toBe(installedOn <= result.deadline ? 'compliant' : 'late')
      if (result.status === 'late') expect(result.daysOverdue).toBe(daysBetween(result.deadline, installedOn))
      expect(result.daysLeft).toBeUndefined()
    }))
  })
  it('not installed: overdue iff asOf > deadline, else due-soon iff within dueSoonDays, with the day counts', () => {
    fc.assert(fc.property(day, period, day, fc.integer({ min: 0, max: 400 }), (appliesFrom, periodYears, asOf, dueSoonDays) => {
      const result = complianceStatus({ appliesFrom, periodYears, asOf, dueSoonDays })
      const left = daysBetween(asOf, result.deadline)
      if (left < 0) expect(result).toEqual({ deadline: result.deadline, status: 'overdue', daysOverdue: -left })
      else expect(result).toEqual({ deadline: result.deadline, status: left <= dueSoonDays ? 'due-soon' : 'on-track', daysLeft: left })
    }))
  })
  it('the deadline is never before the start and at most periodYears × 366 days after it', () => {
    fc.assert(fc.property(day, period, (appliesFrom, periodYears) => {
      const gap = daysBetween(appliesFrom, deadlineOf(appliesFrom, periodYears))
      expect(gap).toBeGreaterThanOrEqual(periodYears === null ? 0 : periodYears * 365)
      expect(gap).toBeLessThanOrEqual((periodYears ?? 0) * 366)
    }))
  })
})

describe('verified', () => {
  it('devices reporting 95 % of the last 7 days verify the system; 94 % does not', () => {
    const week = 7 * 24 * 60
    expect(verified(Math.round(week * 0.94) / week)).toBe(false)
    expect(verified(Math.round(week * 0.95) / week)).toBe(true)
    expect(verified(6.65 / 7)).toBe(true)
    expect(verified(0.9499)).toBe(false)
    expect(verified(1)).toBe(true)
  })
  it("a system's coverage is its worst device's; no devices is no evidence", () => {
    expect(verified(systemCoverage([1, 0.99, 0.94]))).toBe(false)
    expect(verified(systemCoverage([1, 0.96, 0.95]))).toBe(true)
    expect(systemCoverage([])).toBe(0)
  })
})

describe('localDay', () => {
  it('23:30 UTC is already the next day in Shanghai (UTC+8)', () => {
    const ts = Date.UTC(2013, 11, 31, 23, 30)
    expect(localDay(ts, 'UTC')).toBe('2013-12-31')
    expect(localDay(ts)).toBe('2014-01-01')
  })
  it('15:59:59.999 UTC is still the same day in Shanghai, 16:00 UTC the next', () => {
    expect(localDay(Date.UTC(2014, 0, 1, 15, 59, 59, 999))).toBe('2014-01-01')
    expect(localDay(Date.UTC(2014, 0, 1, 16, 0))).toBe('2014-01-02')
  })
  it('a record stamped 23:30 UTC on the deadline eve counts as installed on the deadline day in Shanghai', () => {
    const installedOn = localDay(Date.UTC(2013, 11, 31, 23, 30))
    expect(complianceStatus({ appliesFrom: '2011-01-01', periodYears: 3, installedOn, asOf: '2014-06-01' }).status).toBe('compliant')
    const nextEve = localDay(Date.UTC(2014, 0, 1, 23, 30))
    expect(complianceStatus({ appliesFrom: '2011-01-01', periodYears: 3, installedOn: nextEve, asOf: '2014-06-01' }).status).toBe('late')
  })
})
