import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { addDays } from '../../../protocols/calendar/index.ts'
import { defaultDueSoonDays, dueDates, laterDay, longerThanRule, PERIOD_RULES, testDuties, testStatus, type DeviceTestFacts, type TestDuty } from '../../../protocols/commissioning/index.ts'
import { SITE_TYPES } from '../../../protocols/site-types.ts'

const brief = (facts: DeviceTestFacts) => testDuties(facts).map((d) => [d.test, d.interlock ?? null, d.periodDays, d.rule?.id ?? null])
const methaneLock = { id: 'ch4-power-cut' }
const fanLock = { id: 'fan-lockout', stopsLocalFan: true }

describe('periodic test rules', () => {
  it.each<[string, DeviceTestFacts, ReturnType<typeof brief>]>([
    ['a catalytic methane sensor feeding a power-off in a coal mine', { kind: 'catalytic-methane-sensor', siteType: 'coal-mine', interlocks: [methaneLock] },
      [['calibration', null, 15, 'coal-catalytic-methane-calibration'], ['bump', null, 30, 'coal-monitoring-bump'], ['interlock', 'ch4-power-cut', 15, 'coal-methane-interlock']]],
    ['a laser methane sensor in a coal mine', { kind: 'laser-methane-sensor', siteType: 'coal-mine' },
      [['calibration', null, 180, 'coal-laser-methane-calibration'], ['bump', null, 30, 'coal-monitoring-bump']]],
    ['a CO sensor in a coal mine', { kind: 'electrochemical-co-sensor', siteType: 'coal-mine' },
      [['calibration', null, 30, 'coal-monitoring-calibration'], ['bump', null, 30, 'coal-monitoring-bump']]],
    ['a methane sensor whose interlock test would stop the local fan', { kind: 'catalytic-methane-sensor', siteType: 'coal-mine', interlocks: [fanLock] },
      [['calibration', null, 15, 'coal-catalytic-methane-calibration'], ['bump', null, 30, 'coal-monitoring-bump'], ['interlock', 'fan-lockout', 180, 'coal-local-fan-interlock']]],
    ['a fan-power lockout fed by the fan\'s power-cut controller', { kind: 'power-cut-controller', siteType: 'coal-mine', interlocks: [fanLock, methaneLock] },
      [['interlock', 'fan-lockout', 180, 'coal-local-fan-interlock']]],
    ['a power-cut controller (an output, not a source)', { kind: 'power-cut-controller', siteType: 'coal-mine' }, []],
    ['a catalytic methane sensor at a chemical plant', { kind: 'catalytic-methane-sensor', siteType: 'chemical-plant', interlocks: [methaneLock] }, []],
    ['a combustible gas detector at a petrol station, with the maker\'s interval', { kind: 'combustible-gas-detector', siteType: 'petrol-station', makerCalibration: { days: 180, source: 'maker' } },
      [['calibration', null, 180, null]]],
    ['a catalytic methane sensor at a site of unknown kind: the strictest rules', { kind: 'catalytic-methane-sensor', interlocks: [methaneLock] },
      [['calibration', null, 15, 'coal-catalytic-methane-calibration'], ['bump', null, 30, 'coal-monitoring-bump'], ['interlock', 'ch4-power-cut', 15, 'coal-methane-interlock']]],
  ])('%s', (_name, facts, expected) => {
    expect(brief(facts)).toEqual(expected)
  })

  it('every rule cites its source with a mark, binds at least one site type and is bound by some device', () => {
    for (const rule of PERIOD_RULES) {
      expect(rule.source).toMatch(/\[(S|U|S\/U|V)\]$/u)
      expect(rule.source.length).toBeLessThanOrEqual(500)
      expect(rule.siteTypes.every((t) => (SITE_TYPES as readonly string[]).includes(t))).toBe(true)
      const kind = rule.kinds?.[0] ?? 'any-kind'
      const duties = testDuties({ kind, siteType: rule.siteTypes[0]!, interlocks: [{ id: 'i', stopsLocalFan: rule.stopsLocalFan ?? false }] })
      expect(duties.some((d) => d.rule === rule)).toBe(true)
    }
  })

  it('the maker\'s calibration interval counts when shorter than the rule\'s, the rule when shorter than the maker\'s', () => {
    const coalMethane = { kind: 'catalytic-methane-sensor', siteType: 'coal-mine' } as const
    expect(testDuties({ ...coalMethane, makerCalibration: { days: 10, source: 'maker: 7-15 days' } })[0]).toMatchObject({ periodDays: 10, source: 'maker: 7-15 days' })
    expect(testDuties({ ...coalMethane, makerCalibration: { days: 30, source: 'maker' } })[0]).toMatchObject({ periodDays: 15, source: expect.stringContaining('15 days [S]') })
  })

  it('a device setting replaces the rule\'s period or adds a test; a gateway-wide one only changes tests a rule asks for', () => {
    const settings = { bump: { days: 7, source: 'devices.x.tests.bump' }, interlock: { days: 20, dueSoonDays: 5 } }
    expect(testDuties({ kind: 'catalytic-methane-sensor', siteType: 'coal-mine', interlocks: [methaneLock], settings }).slice(1))
      .toMatchObject([{ test: 'bump', periodDays: 7, source: 'devices.x.tests.bump', dueSoonDays: 3 }, { test: 'interlock', periodDays: 20, dueSoonDays: 5, source: 'configured' }])
    expect(brief({ kind: 'tank-gauge', siteType: 'petrol-station', settings: { bump: { days: 90 } } })).toEqual([['bump', null, 90, null]])
    expect(brief({ kind: 'tank-gauge', siteType: 'petrol-station', defaults: { bump: { days: 90 } } })).toEqual([])
    expect(brief({ kind: 'electrochemical-co-sensor', siteType: 'coal-mine', defaults: { bump: { days: 14 } }, settings: { bump: { days: 10 } } })[1]).toEqual(['bump', null, 10, 'coal-monitoring-bump'])
    expect(brief({ kind: 'electrochemical-co-sensor', siteType: 'coal-mine', defaults: { bump: { days: 14 } } })[1]).toEqual(['bump', null, 14, 'coal-monitoring-bump'])
  })

  it('names the configured periods longer than their rule', () => {
    const duties = testDuties({ kind: 'catalytic-methane-sensor', siteType: 'coal-mine', interlocks: [methaneLock], settings: { bump: { days: 7 }, interlock: { days: 16 } } })
    expect(longerThanRule(duties).map((d) => [d.test, d.periodDays, d.rule.periodDays])).toEqual([['interlock', 16, 15]])
  })

  it('due-soon by default 3 days ahead for periods up to 15 days, 14 for longer ones', () => {
    expect([1, 15, 16, 180].map(defaultDueSoonDays)).toEqual([3, 3, 14, 14])
  })
})

describe('testStatus', () => {
  const duty: TestDuty = { test: 'calibration', periodDays: 15, dueSoonDays: 3, source: 's' }
  it.each<[string, string | undefined, string, string | undefined, object]>([
    ['16 days after the last calibration: overdue', '2026-01-01', '2026-01-17', undefined, { state: 'overdue', dueOn: '2026-01-16', daysLeft: -1, lastOn: '2026-01-01' }],
    ['on the due day: still due-soon', '2026-01-01', '2026-01-16', undefined, { state: 'due-soon', dueOn: '2026-01-16', daysLeft: 0 }],
    ['dueSoonDays before: due-soon', '2026-01-01', '2026-01-13', undefined, { state: 'due-soon', daysLeft: 3 }],
    ['the day before that: ok', '2026-01-01', '2026-01-12', undefined, { state: 'ok', daysLeft: 4 }],
    ['across a leap day', '2028-02-20', '2028-03-06', undefined, { state: 'due-soon', dueOn: '2028-03-06', daysLeft: 0 }],
    ['across a year end', '2025-12-25', '2026-01-10', undefined, { state: 'overdue', dueOn: '2026-01-09', daysLeft: -1 }],
    ['never done, no commissioning date: overdue from the start', undefined, '2026-01-01', undefined, { state: 'overdue' }],
    ['never done: due a period after commissioning', undefined, '2026-01-10', '2026-01-01', { state: 'ok', dueOn: '2026-01-16', daysLeft: 6 }],
    ['a passed test counts over the commissioning date', '2026-01-05', '2026-01-17', '2026-01-01', { state: 'due-soon', dueOn: '2026-01-20', lastOn: '2026-01-05' }],
  ])('%s', (_name, lastOn, today, commissionedOn, expected) => {
    expect(testStatus(duty, lastOn, today, commissionedOn)).toMatchObject({ ...duty, ...expected })
  })

  it('never done without a date: no dueOn, no daysLeft, no lastOn', () => {
    const status = testStatus(duty, undefined, '2026-01-01')
    expect(status).toEqual({ ...duty, state: 'overdue' })
  })

  it('the state follows daysLeft for any dates and periods', () => {
    const day = fc.integer({ min: 0, max: 20_000 }).map((n) => addDays('1990-01-01', n))
    fc.assert(fc.property(day, fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 400 }), fc.integer({ min: 0, max: 30 }), (lastOn, after, periodDays, dueSoonDays) => {
      const today = addDays(lastOn, after)
      const status = testStatus({ ...duty, periodDays, dueSoonDays }, lastOn, today)
      expect(status.daysLeft).toBe(periodDays - after)
      expect(status.state).toBe(after > periodDays ? 'overdue' : periodDays - after <= dueSoonDays ? 'due-soon' : 'ok')
    }))
  })
})

describe('dueDates', () => {
  it('takes each test\'s own last date, interlocks by id', () => {
    const facts: DeviceTestFacts = { kind: 'catalytic-methane-sensor', siteType: 'coal-mine', interlocks: [methaneLock, { id: 'other' }] }
    const due = dueDates(facts, { calibration: '2026-01-01', bump: '2026-01-10', interlocks: { 'ch4-power-cut': '2026-01-15' } }, '2026-01-17')
    expect(due.map((d) => [d.test, d.interlock ?? null, d.state, d.dueOn ?? null])).toEqual([
      ['calibration', null, 'overdue', '2026-01-16'],
      ['bump', null, 'ok', '2026-02-09'],
      ['interlock', 'ch4-power-cut', 'ok', '2026-01-30'],
      ['interlock', 'other', 'overdue', null],
    ])
  })

  it('laterDay: the later of a config date and a history date', () => {
    expect([laterDay('2026-01-02', '2026-01-01'), laterDay('2026-01-01', '2026-01-02'), laterDay(undefined, '2026-01-01'), laterDay('2026-01-01', undefined), laterDay(undefined, undefined)])
      .toEqual(['2026-01-02', '2026-01-02', '2026-01-01', '2026-01-01', undefined])
  })
})
