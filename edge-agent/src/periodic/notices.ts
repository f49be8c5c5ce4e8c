import { laterDay, testStatus, type PeriodicTest, type TestDue, type TestDuty, type TestState } from '../../../protocols/commissioning/index.ts'
import type { AgentEvent, TestDueEvent } from '../../../protocols/mqtt/index.ts'
import { calibrationStatus } from '../alarms/calibration.ts'
import type { CalibrationSpec } from '../alarms/spec.ts'

/** One recurring test a device owes, with the date of its last pass the config gives (calibratedOn, for calibration). */
export interface PeriodicTestSpec extends TestDuty {
  device: string
  lastOn?: string
}

/** The gateway's record of passed test runs (the local store of runs): the day of the last one passed. */
export interface TestHistory {
  lastPassed(device: string, test: PeriodicTest, interlock?: string): string | undefined
}

/** The last notice given for a bump or interlock test (each is given once, remembered across restarts). */
export interface TestNotice {
  state: TestState
  dueOn?: string
}

/** Where one recurring test of a device stands now: `edge-agent alarms` lists those not ok. */
export interface PeriodicTestStatus {
  device: string
  test: PeriodicTest
  interlock?: string
  state: TestState
  lastOn?: string
  dueOn?: string
  daysLeft?: number
  periodDays: number
  source: string
}

export const testNoticeId = (spec: Pick<PeriodicTestSpec, 'device' | 'test' | 'interlock'>): string =>
  spec.test === 'interlock' ? `${spec.device}/interlock/${spec.interlock}` : `${spec.device}/${spec.test}`

interface Specs {
  calibrations: readonly CalibrationSpec[]
  tests?: readonly PeriodicTestSpec[]
}

/** The later of the config's date and the history's: a run passed since the config was written counts. */
const calibratedOn = (spec: CalibrationSpec, history?: TestHistory) => laterDay(spec.calibratedOn, history?.lastPassed(spec.device, 'calibration'))
const lastOnOf = (spec: PeriodicTestSpec, history?: TestHistory) => laterDay(spec.lastOn, history?.lastPassed(spec.device, spec.test, spec.interlock))

function testDue(spec: PeriodicTestSpec, history: TestHistory | undefined, today: string): TestDue {
  return testStatus(spec, lastOnOf(spec, history), today)
}

/** Every recurring test of every device on `today`: calibrations first, then bump and interlock tests. */
export function periodicStatus(specs: Specs, history: TestHistory | undefined, today: string): PeriodicTestStatus[] {
  const calibrations = specs.calibrations.map((spec): PeriodicTestStatus => {
    const lastOn = calibratedOn(spec, history)
    return { device: spec.device, test: 'calibration', ...calibrationStatus(spec, today, lastOn), ...(lastOn !== undefined && { lastOn }), periodDays: spec.intervalDays, source: spec.source }
  })
  const tests = (specs.tests ?? []).map((spec): PeriodicTestStatus => {
    const { test, interlock, state, lastOn, dueOn, daysLeft, periodDays, source } = testDue(spec, history, today)
    return { device: spec.device, test, ...(interlock !== undefined && { interlock }), state, ...(lastOn !== undefined && { lastOn }), ...(dueOn !== undefined && { dueOn, daysLeft: daysLeft! }), periodDays, source }
  })
  return [...calibrations, ...tests]
}

export interface NoticeChanges {
  events: (Omit<Extract<AgentEvent, { type: 'calibration' }>, 'seq'> | Omit<TestDueEvent, 'seq'>)[]
  changed: { section: 'calibrationNotices' | 'testNotices'; id: string }[]
  /** the operator's lines for the tests not ok */
  warnings: { status: PeriodicTestStatus; text: string }[]
}

const days = (n: number): string => `${n} ${n === 1 ? 'day' : 'days'}`

/** `bump test of ch4 due tomorrow (2026-12-08)`, `interlock test ch4-power-cut of ch4 overdue: never done`. */
function testDueText(status: PeriodicTestStatus): string {
  const what = status.test === 'interlock' ? `interlock test ${status.interlock}` : status.test === 'bump' ? 'bump test' : 'calibration'
  const { state, dueOn, daysLeft } = status
  const when = dueOn === undefined || daysLeft === undefined ? 'overdue: never done'
    : state === 'overdue' ? `overdue: was due on ${dueOn}, ${days(-daysLeft)} ago`
    : daysLeft === 0 ? `due today (${dueOn})`
    : daysLeft === 1 ? `due tomorrow (${dueOn})`
    : `due on ${dueOn}, in ${days(daysLeft)}`
  return `${what} of ${status.device} ${when}`
}

/**
 * The events of tests whose state changed since the notice last given: due-soon, overdue, and ok again
 * after one of those (a test ok from the start says nothing). Updates the notices it is given. A
 * calibration never done has no event (the `calibration` event names its date) but is in the status.
 */
export function noticeChanges(specs: Specs, history: TestHistory | undefined, today: string, ts: number,
  notices: { calibration: Map<string, TestNotice>; tests: Map<string, TestNotice> }): NoticeChanges {
  const result: NoticeChanges = { events: [], changed: [], warnings: [] }
  const changedFrom = (previous: TestNotice | undefined, status: PeriodicTestStatus) =>
    !((previous?.state === status.state && previous.dueOn === status.dueOn) || (previous === undefined && status.state === 'ok'))
  for (const status of periodicStatus(specs, history, today)) {
    const calibration = status.test === 'calibration'
    if (calibration && (status.lastOn === undefined || status.dueOn === undefined)) continue
    const [section, map, id] = calibration ? ['calibrationNotices', notices.calibration, status.device] as const : ['testNotices', notices.tests, testNoticeId(status)] as const
    if (!changedFrom(map.get(id), status)) continue
    map.set(id, { state: status.state, ...(status.dueOn !== undefined && { dueOn: status.dueOn }) })
    result.changed.push({ section, id })
    const source = status.source.slice(0, 500)
    if (status.test === 'calibration') {
      result.events.push({ type: 'calibration', ts, device: status.device, state: status.state, dueOn: status.dueOn!, calibratedOn: status.lastOn!, source })
    } else {
      result.events.push({
        type: 'test-due', ts, device: status.device, test: status.test, ...(status.interlock !== undefined && { interlock: status.interlock }),
        state: status.state, ...(status.dueOn !== undefined && { dueOn: status.dueOn }), ...(status.lastOn !== undefined && { lastOn: status.lastOn }), periodDays: status.periodDays, source,
      })
    }
    if (status.state === 'ok') continue
    result.warnings.push({ status, text: testDueText(status) })
  }
  return result
}
