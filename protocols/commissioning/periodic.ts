import { addDays, daysBetween } from '../calendar/index.ts'
import type { SiteType } from '../site-types.ts'

/**
 * The recurring tests of a device and when each falls due, for the gateway and the fleet server alike
 * (pure: days are YYYY-MM-DD of the site's calendar, counted by protocols/calendar). The periods come
 * from ../shared/research/domain-facts.md, "Commissioning, acceptance and periodic tests"; every one is
 * configurable and cites its source with the facts file's marks ([S] secondary, [U] unverified).
 */

export const PERIODIC_TESTS = ['calibration', 'bump', 'interlock'] as const
export type PeriodicTest = (typeof PERIODIC_TESTS)[number]
export type TestState = 'ok' | 'due-soon' | 'overdue'

const COAL_RULES = '煤矿安全规程 2016 and AQ 1029-2019 as summarised by their drafters, article numbers not verified'
const METHANE_SENSORS = ['catalytic-methane-sensor', 'laser-methane-sensor']
/** the profile kinds that sense gas (hardware-profiles/library: `kind:`) */
const GAS_SENSORS = [...METHANE_SENSORS, 'electrochemical-co-sensor', 'electrochemical-oxygen-sensor', 'multi-gas-detector', 'combustible-gas-detector', 'toxic-gas-detector']

/** A rule: the devices it binds and the longest time between two passed tests. */
export interface PeriodRule {
  id: string
  test: PeriodicTest
  siteTypes: readonly SiteType[]
  /** profile kinds of the device (for an interlock test: of a source of the interlock); absent: any kind */
  kinds?: readonly string[]
  /** interlock rules only: binds interlocks whose function test would (true) or would not (false) stop the local fan */
  stopsLocalFan?: boolean
  periodDays: number
  source: string
}

export const PERIOD_RULES: readonly PeriodRule[] = [
  {
    id: 'coal-catalytic-methane-calibration', test: 'calibration', siteTypes: ['coal-mine'], kinds: ['catalytic-methane-sensor'], periodDays: 15,
    source: `${COAL_RULES}: catalytic methane sensors calibrated with standard gas at their installed place at most every 15 days [S]`,
  },
  {
    id: 'coal-laser-methane-calibration', test: 'calibration', siteTypes: ['coal-mine'], kinds: ['laser-methane-sensor'], periodDays: 180,
    source: `${COAL_RULES}: laser methane sensors at longer intervals, >= 6 months (180 days here) [S/U]`,
  },
  {
    id: 'coal-monitoring-calibration', test: 'calibration', siteTypes: ['coal-mine'], kinds: GAS_SENSORS.filter((k) => !METHANE_SENSORS.includes(k)), periodDays: 30,
    source: `${COAL_RULES}: monitoring equipment calibrated and tested at least monthly (30 days here) [S]`,
  },
  {
    id: 'coal-monitoring-bump', test: 'bump', siteTypes: ['coal-mine'], kinds: GAS_SENSORS, periodDays: 30,
    source: `${COAL_RULES}: monitoring equipment calibrated and tested at least monthly (30 days here) [S]`,
  },
  {
    id: 'coal-methane-interlock', test: 'interlock', siteTypes: ['coal-mine'], kinds: METHANE_SENSORS, stopsLocalFan: false, periodDays: 15,
    source: `${COAL_RULES}: methane power-off (甲烷电闭锁) and fan-power lockout (风电闭锁) functions tested at least every 15 days [S]`,
  },
  {
    id: 'coal-local-fan-interlock', test: 'interlock', siteTypes: ['coal-mine'], stopsLocalFan: true, periodDays: 180,
    source: `${COAL_RULES}: methane power-off and fan-power lockout functions tested every 6 months (180 days here) where the test would stop the local fan [S]`,
  },
]

/** Due-soon this many days before the due date unless configured: 3 for periods up to 15 days, 14 for longer ones. */
export const defaultDueSoonDays = (periodDays: number): number => (periodDays <= 15 ? 3 : 14)

/** A configured period of one test; `source` names where it was configured. */
export interface TestSetting {
  days?: number
  dueSoonDays?: number
  source?: string
}
export type TestSettings = Partial<Record<PeriodicTest, TestSetting>>

export interface InterlockFacts {
  id: string
  /** its function test would stop the local (auxiliary) fan */
  stopsLocalFan?: boolean
}

/** What decides a device's recurring tests. */
export interface DeviceTestFacts {
  /** its profile's kind, e.g. catalytic-methane-sensor */
  kind: string
  /** undefined when the site's kind is not known: every rule binds, as at the strictest site */
  siteType?: SiteType
  /** the interlocks this device is a source of */
  interlocks?: readonly InterlockFacts[]
  /** the maker's calibration interval (the profile's calibration), used when shorter than the rule's */
  makerCalibration?: { days: number; source: string }
  /** the device's own settings: a period here replaces the rule's, or asks for a test no rule asks for */
  settings?: TestSettings
  /** settings for every device (the gateway-wide ones): replace the period of tests a rule or the maker asks for */
  defaults?: TestSettings
}

/** One recurring test a device owes. */
export interface TestDuty {
  test: PeriodicTest
  /** interlock tests: the interlock */
  interlock?: string
  periodDays: number
  dueSoonDays: number
  source: string
  /** the rule binding it, when one does (a configured period may differ from it) */
  rule?: PeriodRule
}

const binds = (rule: PeriodRule, facts: DeviceTestFacts, interlock?: InterlockFacts): boolean =>
  (facts.siteType === undefined || rule.siteTypes.includes(facts.siteType))
  && (rule.kinds === undefined || rule.kinds.includes(facts.kind))
  && (rule.stopsLocalFan === undefined || rule.stopsLocalFan === (interlock?.stopsLocalFan ?? false))

/** The binding rule with the shortest period. */
function strictestRule(test: PeriodicTest, facts: DeviceTestFacts, interlock?: InterlockFacts): PeriodRule | undefined {
  let strictest: PeriodRule | undefined
  for (const rule of PERIOD_RULES) {
    if (rule.test === test && binds(rule, facts, interlock) && (!strictest || rule.periodDays < strictest.periodDays)) strictest = rule
  }
  return strictest
}

function duty(test: PeriodicTest, facts: DeviceTestFacts, interlock?: InterlockFacts): TestDuty | undefined {
  const rule = strictestRule(test, facts, interlock)
  const maker = test === 'calibration' ? facts.makerCalibration : undefined
  const own = facts.settings?.[test]
  const shared = rule || maker ? facts.defaults?.[test] : undefined
  const configured = own?.days !== undefined ? own : shared?.days !== undefined ? shared : undefined
  let period: { days: number; source: string } | undefined
  if (configured) period = { days: configured.days!, source: configured.source ?? 'configured' }
  else if (rule && (!maker || rule.periodDays <= maker.days)) period = { days: rule.periodDays, source: rule.source }
  else if (maker) period = maker
  if (!period) return undefined
  const dueSoonDays = own?.dueSoonDays ?? facts.defaults?.[test]?.dueSoonDays ?? defaultDueSoonDays(period.days)
  return { test, ...(interlock && { interlock: interlock.id }), periodDays: period.days, dueSoonDays, source: period.source, ...(rule && { rule }) }
}

/** Every recurring test the device owes: calibration, bump, then one interlock test per interlock it feeds. */
export function testDuties(facts: DeviceTestFacts): TestDuty[] {
  const duties = [duty('calibration', facts), duty('bump', facts)]
  for (const interlock of facts.interlocks ?? []) duties.push(duty('interlock', facts, interlock))
  return duties.filter((d): d is TestDuty => d !== undefined)
}

/** Configured periods longer than the rule binding them: allowed, worth a warning naming the rule. */
export const longerThanRule = (duties: readonly TestDuty[]): (TestDuty & { rule: PeriodRule })[] =>
  duties.filter((d): d is TestDuty & { rule: PeriodRule } => d.rule !== undefined && d.periodDays > d.rule.periodDays)

/** Where a test stands on `today`. */
export interface TestDue extends TestDuty {
  /** the last passed test */
  lastOn?: string
  /** the last day it may be done; absent when never done and no commissioning date is known */
  dueOn?: string
  state: TestState
  /** from today to dueOn (negative when overdue); absent with dueOn */
  daysLeft?: number
}

/**
 * Due on lastOn + period (still fine that day), due-soon from dueSoonDays before, overdue from the
 * day after. A test never done falls due a period after the commissioning date when one is known, and
 * is overdue from the start otherwise: nothing shows it was ever done.
 */
export function testStatus(duty: TestDuty, lastOn: string | undefined, today: string, commissionedOn?: string): TestDue {
  const since = lastOn ?? commissionedOn
  if (since === undefined) return { ...duty, state: 'overdue' }
  const dueOn = addDays(since, duty.periodDays)
  const daysLeft = daysBetween(today, dueOn)
  const state = daysLeft < 0 ? 'overdue' : daysLeft <= duty.dueSoonDays ? 'due-soon' : 'ok'
  return { ...duty, ...(lastOn !== undefined && { lastOn }), dueOn, state, daysLeft }
}

/** The last passed date of each test of a device. */
export interface LastPassed {
  calibration?: string
  bump?: string
  /** by interlock id */
  interlocks?: Readonly<Record<string, string>>
}

export const lastPassedOf = (last: LastPassed, duty: Pick<TestDuty, 'test' | 'interlock'>): string | undefined =>
  duty.test === 'interlock' ? last.interlocks?.[duty.interlock!] : last[duty.test]

/** Every recurring test of a device and where it stands on `today`. */
export function dueDates(facts: DeviceTestFacts, last: LastPassed, today: string, commissionedOn?: string): TestDue[] {
  return testDuties(facts).map((d) => testStatus(d, lastPassedOf(last, d), today, commissionedOn))
}

/** The later of two days, either possibly unknown: a date in the config and one in the test history. */
export function laterDay(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return daysBetween(a, b) > 0 ? b : a
}
