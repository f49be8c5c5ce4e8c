import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { parseConfig, safetySpecs } from '../../../edge-agent/src/config/index.ts'
import { Outbox } from '../../../edge-agent/src/outbox/index.ts'
import type { TestHistory } from '../../../edge-agent/src/periodic/notices.ts'
import { SafetyService } from '../../../edge-agent/src/safety/service.ts'
import { addDays } from '../../../protocols/calendar/index.ts'
import type { PeriodicTest } from '../../../protocols/commissioning/index.ts'
import { EventSchema, type AgentEvent } from '../../../protocols/mqtt/index.ts'
import { createValidator } from '../../../protocols/validation/ajv.ts'
import { formatProblem } from '../../../protocols/validation/index.ts'

const validEvent = createValidator<AgentEvent>(EventSchema)
const CHECK_MS = 600_000
const TODAY = '2026-03-20'
const daysAgo = (n: number) => addDays(TODAY, -n)

/** A coal mine: a catalytic methane sensor cutting the face power through a KDG-4, calibrated 16 days ago. */
const COAL = `gateway: { id: gw1, site: coal1, siteType: coal-mine }
buses:
  - { id: line1, type: rtu, path: /dev/ttyUSB0, baud: 9600 }
devices:
  - { id: ch4-1, bus: line1, unit: 1, profile: ccri-gjc4-catalytic-methane, calibratedOn: ${daysAgo(16)}, calibrationDays: 15 }
  - { id: cut-1, bus: line1, unit: 2, profile: generic-kdg4-power-cut-controller }
interlocks:
  - id: ch4-power-cut
    when: [{ device: ch4-1, channel: ch4, above: 1.5 }]
    action: { device: cut-1, channel: cut_1, value: true }
`

/** A fake history: the passed runs the test puts in it. */
class FakeHistory implements TestHistory {
  readonly passed = new Map<string, string>()
  pass(device: string, test: PeriodicTest, on: string, interlock?: string): void {
    this.passed.set([device, test, interlock ?? ''].join('/'), on)
  }
  lastPassed(device: string, test: PeriodicTest, interlock?: string): string | undefined {
    return this.passed.get([device, test, interlock ?? ''].join('/'))
  }
}

let dir: string
let now: number
let outbox: Outbox
let history: FakeHistory

function specs(text = COAL) {
  const { config, problems } = parseConfig(join(dir, 'site.yaml'), text)
  expect(problems.map(formatProblem)).toEqual([])
  return safetySpecs(config!)
}

function service(withHistory: TestHistory | undefined = history): SafetyService {
  const outputs = { write: async () => {}, pollSoon: () => {} }
  return new SafetyService(specs(), { store: outbox, outputs, logger: pino({ level: 'silent' }), timeZone: 'Asia/Shanghai', clock: () => now, tickMs: 3_600_000, calibrationCheckMs: CHECK_MS, ...(withHistory && { history: withHistory }) })
}

const dueEvents = () => outbox.nextEvents(0, 1000).filter((e) => e.type === 'calibration' || e.type === 'test-due')
const brief = (list: AgentEvent[]) => list.map((e) => e.type === 'calibration' ? `calibration ${e.device} ${e.state} ${e.dueOn}`
  : e.type === 'test-due' ? `${e.test}${e.interlock ? ` ${e.interlock}` : ''} ${e.device} ${e.state} ${e.dueOn ?? 'never done'}` : e.type)

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
  dir = mkdtempSync(join(tmpdir(), 'periodic-'))
  now = Date.parse(`${TODAY}T02:00:00Z`)
  outbox = new Outbox({ path: join(dir, 'outbox.sqlite'), clock: () => now })
  history = new FakeHistory()
})
afterEach(() => {
  vi.useRealTimers()
  outbox.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('periodic tests at the gateway', () => {
  it('a catalytic methane sensor in a coal mine calibrated 16 days ago is overdue; its bump and interlock tests never done are overdue too', () => {
    const safety = service(undefined)
    safety.start()
    safety.stop()
    const list = dueEvents()
    expect(brief(list)).toEqual([
      `calibration ch4-1 overdue ${daysAgo(1)}`,
      'bump ch4-1 overdue never done',
      'interlock ch4-power-cut ch4-1 overdue never done',
    ])
    for (const e of list) expect(validEvent(e), JSON.stringify(validEvent.errors)).toBe(true)
    expect(list[0]).toMatchObject({ calibratedOn: daysAgo(16), source: 'gateway config' })
    expect(list[1]).toMatchObject({ periodDays: 30, source: expect.stringContaining('at least monthly') })
    expect(list[2]).toMatchObject({ periodDays: 15, source: expect.stringContaining('甲烷电闭锁') })
    expect(list[2]).not.toHaveProperty('lastOn')
  })

  it('with no period configured, the profile\'s and the rule\'s decide: calibrated 16 days ago is overdue (the GJC4\'s 10 days, shorter than the coal mine\'s 15)', () => {
    const outputs = { write: async () => {}, pollSoon: () => {} }
    const safety = new SafetyService(specs(COAL.replace(', calibrationDays: 15', '')), { store: outbox, outputs, logger: pino({ level: 'silent' }), timeZone: 'Asia/Shanghai', clock: () => now, tickMs: 3_600_000, calibrationCheckMs: CHECK_MS })
    safety.start()
    safety.stop()
    const [calibration] = dueEvents()
    expect(calibration).toMatchObject({ type: 'calibration', device: 'ch4-1', state: 'overdue', calibratedOn: daysAgo(16), dueOn: daysAgo(6) })
    expect(validEvent(calibration!)).toBe(true)
    expect(safety.status().tests?.find((t) => t.test === 'calibration')).toMatchObject({ state: 'overdue', periodDays: 10 })
  })

  it('a later run in the history wins over the config\'s date; an earlier one does not', () => {
    history.pass('ch4-1', 'calibration', daysAgo(2))
    history.pass('ch4-1', 'bump', daysAgo(28))
    history.pass('ch4-1', 'interlock', daysAgo(5), 'ch4-power-cut')
    history.pass('ch4-1', 'interlock', daysAgo(1), 'another-interlock')
    const safety = service()
    safety.start()
    safety.stop()
    // calibration and the interlock test are ok from the start: nothing to say; the bump test is due in 2 days
    expect(brief(dueEvents())).toEqual([`bump ch4-1 due-soon ${addDays(TODAY, 2)}`])
    expect(dueEvents()[0]).toMatchObject({ lastOn: daysAgo(28) })

    expect(safety.status().tests?.find((t) => t.test === 'calibration')).toMatchObject({ lastOn: daysAgo(2), state: 'ok', dueOn: addDays(TODAY, 13) })
    history.pass('ch4-1', 'calibration', daysAgo(40))
    expect(safety.status().tests?.find((t) => t.test === 'calibration')).toMatchObject({ lastOn: daysAgo(16), state: 'overdue', dueOn: daysAgo(1) })
  })

  it('each notice once, across the periodic check and a restart; ok again after a passed test', () => {
    history.pass('ch4-1', 'calibration', daysAgo(10))
    history.pass('ch4-1', 'bump', daysAgo(10))
    history.pass('ch4-1', 'interlock', daysAgo(10), 'ch4-power-cut')
    const safety = service()
    safety.start()
    expect(brief(dueEvents())).toEqual([])

    // both due in 5 days: the interlock test (due-soon 3 days ahead) says so first, the calibration (2, configured) a day later
    now += 2 * 86_400_000
    vi.advanceTimersByTime(CHECK_MS)
    now += 86_400_000
    vi.advanceTimersByTime(CHECK_MS)
    vi.advanceTimersByTime(CHECK_MS)
    expect(brief(dueEvents())).toEqual([
      `interlock ch4-power-cut ch4-1 due-soon ${addDays(TODAY, 5)}`,
      `calibration ch4-1 due-soon ${addDays(TODAY, 5)}`,
    ])
    safety.stop()

    const again = service()
    again.start()
    again.stop()
    expect(dueEvents()).toHaveLength(2)

    now += 10 * 86_400_000
    history.pass('ch4-1', 'interlock', addDays(TODAY, 12), 'ch4-power-cut')
    const third = service()
    third.start()
    third.stop()
    expect(brief(dueEvents()).slice(2)).toEqual([
      `calibration ch4-1 overdue ${addDays(TODAY, 5)}`,
      `bump ch4-1 due-soon ${addDays(TODAY, 20)}`,
      `interlock ch4-power-cut ch4-1 ok ${addDays(TODAY, 27)}`,
    ])
  })

  it('the status lists every test with where it stands', () => {
    const safety = service(undefined)
    safety.start()
    expect(safety.status().tests).toEqual([
      { device: 'ch4-1', test: 'calibration', state: 'overdue', lastOn: daysAgo(16), dueOn: daysAgo(1), daysLeft: -1, periodDays: 15, source: 'gateway config' },
      { device: 'ch4-1', test: 'bump', state: 'overdue', periodDays: 30, source: expect.stringContaining('[S]') },
      { device: 'ch4-1', test: 'interlock', interlock: 'ch4-power-cut', state: 'overdue', periodDays: 15, source: expect.stringContaining('[S]') },
    ])
    safety.stop()
  })
})
