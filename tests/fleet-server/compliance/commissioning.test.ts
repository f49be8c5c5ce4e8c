import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  commissionedOnProblem, corroborated, earliestPlausibleDay, endOfDayMs, installationRecords, recordStandings, siteSystemKey,
  type RecordFacts, type RejectionFacts,
} from '../../../fleet-server/src/compliance/commissioning.ts'
import { addDays, daysBetween } from '../../../protocols/calendar/index.ts'

const day = fc.integer({ min: Date.UTC(1890, 0, 1) / 86_400_000, max: Date.UTC(2060, 11, 31) / 86_400_000 })
  .map((n) => new Date(n * 86_400_000).toISOString().slice(0, 10))

describe('commissionedOnProblem (date plausibility)', () => {
  const rule = { dutyStart: '2011-01-01', today: '2026-06-01' }
  it('the attack: 1900-01-01 is refused, naming the duty and the earliest plausible date', () => {
    expect(commissionedOnProblem('1900-01-01', rule)).toBe('1900-01-01 is more than 10 years before the duty starts 2011-01-01 (the earliest plausible date is 2001-01-01)')
  })
  it('exactly 10 years before the duty is plausible, the day before is not; today is, tomorrow is not', () => {
    expect(commissionedOnProblem('2001-01-01', rule)).toBeUndefined()
    expect(commissionedOnProblem('2000-12-31', rule)).toMatch(/more than 10 years/u)
    expect(commissionedOnProblem('2026-06-01', rule)).toBeUndefined()
    expect(commissionedOnProblem('2026-06-02', rule)).toBe('2026-06-02 is in the future (today is 2026-06-01, Asia/Shanghai)')
  })
  it('a date not on the calendar is refused as such', () => {
    expect(commissionedOnProblem('2019-02-29', rule)).toMatch(/not a day of the calendar/u)
  })
  it('a duty starting on 29 February: 10 years earlier is 28 February of a common year', () => {
    expect(earliestPlausibleDay('2012-02-29')).toBe('2002-02-28')
    expect(earliestPlausibleDay('2016-02-29')).toBe('2006-02-28')
    expect(earliestPlausibleDay('2010-02-28')).toBe('2000-02-28')
  })
  it('for any dates: accepted iff earliestPlausibleDay(start) ≤ day ≤ today', () => {
    fc.assert(fc.property(day, day, day, (commissionedOn, dutyStart, today) => {
      const accepted = commissionedOnProblem(commissionedOn, { dutyStart, today }) === undefined
      expect(accepted).toBe(commissionedOn >= earliestPlausibleDay(dutyStart) && commissionedOn <= today)
      // earliest plausible is 10 calendar years back: between 3650 and 3653 days
      const gap = daysBetween(earliestPlausibleDay(dutyStart), dutyStart)
      expect(gap).toBeGreaterThanOrEqual(3650)
      expect(gap).toBeLessThanOrEqual(3653)
    }))
  })
})

describe('recordStandings and installationRecords (effective-record selection)', () => {
  const record = (id: number, commissionedOn: string, createdAt: number, extra: Partial<RecordFacts> = {}): RecordFacts =>
    ({ id, siteId: 's', system: 'monitoring', commissionedOn, accepted: true, createdAt, ...extra })
  const rejection = (id: number, recordId: number, createdAt: number): RejectionFacts => ({ id, recordId, by: 'reg', reason: 'why', createdAt })

  it('a rejection cancels its record from the time it was recorded on; before that the record counts', () => {
    const records = [record(1, '2015-01-01', 10), record(2, '2016-01-01', 20)]
    const rejections = [rejection(1, 1, 30)]
    const before = installationRecords(recordStandings(records, rejections, 30), '2020-01-01')
    expect(before.get(siteSystemKey('s', 'monitoring'))?.id).toBe(1)
    const after = recordStandings(records, rejections, 31)
    expect(after.get(1)).toMatchObject({ state: 'rejected', rejection: rejections[0] })
    expect(installationRecords(after, '2020-01-01').get(siteSystemKey('s', 'monitoring'))?.id).toBe(2)
  })

  it('a correction replaces the record it names: the correction counts, the replaced one does not', () => {
    const records = [record(1, '2015-01-01', 10), record(2, '2017-03-01', 20, { replaces: 1 })]
    const standings = recordStandings(records, [], 100)
    expect(standings.get(1)).toMatchObject({ state: 'replaced', replacedBy: 2 })
    expect(standings.get(2)).toMatchObject({ state: 'effective' })
    expect(installationRecords(standings, '2020-01-01').get(siteSystemKey('s', 'monitoring'))?.commissionedOn).toBe('2017-03-01')
    // before the correction was recorded, the first record stood
    expect(installationRecords(recordStandings(records, [], 20), '2020-01-01').get(siteSystemKey('s', 'monitoring'))?.id).toBe(1)
  })

  it('a record recorded after the cut-off, or dated after asOf, does not count; a legacy not-accepted record is rejected', () => {
    const records = [record(1, '2015-01-01', 50), record(2, '2021-01-01', 10), record(3, '2014-01-01', 10, { accepted: false })]
    const standings = recordStandings(records, [], 50)
    expect([...standings.keys()]).toEqual([2, 3])
    expect(standings.get(3)?.state).toBe('rejected')
    expect(installationRecords(standings, '2020-12-31').size).toBe(0)
    expect(installationRecords(standings, '2021-01-01').get(siteSystemKey('s', 'monitoring'))?.id).toBe(2)
  })

  it('for any log: the installation is the earliest-dated effective record, and nothing recorded later changes an earlier answer', () => {
    const entry = fc.record({ commissionedOn: day, createdAt: fc.integer({ min: 0, max: 100 }), replaces: fc.option(fc.nat(20), { nil: undefined }), rejectedAt: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }) })
    fc.assert(fc.property(fc.array(entry, { maxLength: 20 }), fc.integer({ min: 0, max: 101 }), day, (entries, cutoff, asOf) => {
      const records = entries.map((e, i) => record(i + 1, e.commissionedOn, e.createdAt, e.replaces !== undefined && e.replaces < i + 1 ? { replaces: e.replaces } : {}))
      const rejections = entries.flatMap((e, i) => (e.rejectedAt === undefined ? [] : [rejection(i + 1, i + 1, e.rejectedAt)]))
      const standings = recordStandings(records, rejections, cutoff)
      const chosen = installationRecords(standings, asOf).get(siteSystemKey('s', 'monitoring'))
      const effective = records.filter((r) => r.createdAt < cutoff && r.commissionedOn <= asOf
        && !rejections.some((j) => j.recordId === r.id && j.createdAt < cutoff)
        && !records.some((c) => c.replaces === r.id && c.createdAt < cutoff))
      const earliest = [...effective].sort((a, b) => a.commissionedOn.localeCompare(b.commissionedOn) || a.id - b.id)[0]
      expect(chosen?.id).toBe(earliest?.id)
      // appending more records and rejections recorded at or after the cut-off does not change the answer
      const later = [...records, record(records.length + 1, '2000-01-01', cutoff + 1)]
      const laterRejections = [...rejections, ...records.map((r, i) => rejection(100 + i, r.id, cutoff))]
      expect(installationRecords(recordStandings(later, laterRejections, cutoff), asOf).get(siteSystemKey('s', 'monitoring'))?.id).toBe(chosen?.id)
    }))
  })

  it('endOfDayMs: the next Shanghai midnight', () => {
    expect(endOfDayMs('2026-06-01')).toBe(Date.parse('2026-06-02T00:00:00+08:00'))
  })
})

describe('corroborated', () => {
  it('data on or before the record\'s date + 7 days corroborates it; the 8th day after does not; no data never does', () => {
    expect(corroborated('2026-05-01', '2026-05-08', '2026-06-01')).toBe(true)
    expect(corroborated('2026-05-01', '2026-05-09', '2026-06-01')).toBe(false)
    expect(corroborated('2026-05-01', '2020-01-01', '2026-06-01')).toBe(true)
    expect(corroborated('2026-05-01', undefined, '2026-06-01')).toBe(false)
  })
  it('seen on asOf, data after asOf does not count yet', () => {
    expect(corroborated('2026-05-01', '2026-05-05', '2026-05-04')).toBe(false)
    expect(corroborated('2026-05-01', '2026-05-04', '2026-05-04')).toBe(true)
  })
  it('for any dates: corroborated iff firstDataDay ≤ min(date + 7, asOf)', () => {
    fc.assert(fc.property(day, day, day, (commissionedOn, first, asOf) => {
      const limit = [addDays(commissionedOn, 7), asOf].sort()[0]!
      expect(corroborated(commissionedOn, first, asOf)).toBe(first <= limit)
    }))
  })
})
