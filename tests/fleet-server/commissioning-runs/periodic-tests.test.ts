import { describe, expect, it } from 'vitest'
import type { Run, Step } from '../../../protocols/commissioning/index.ts'
import { deviceKey, deviceTests, passesOf, runPasses } from '../../../fleet-server/src/periodic-tests/index.ts'
import { sampleRun } from '../../support/commissioning-run.ts'

// sampleRun() ends 2026-12-01 10:05 in Shanghai, on gateway gw-1, device ch4-t1
const RUN_DAY = '2026-12-01'
const METHANE = { kind: 'catalytic-methane-sensor', siteType: 'coal-mine' } as const

/** sampleRun() with only the given steps of its device kept, each with the given result */
function runWith(kinds: Step['kind'][], result: 'passed' | 'failed' = 'passed', overrides: Partial<Run> = {}): Run {
  const base = sampleRun(overrides)
  const device = base.devices[0]!
  const steps = device.steps.filter((s) => kinds.includes(s.kind)).map((s) => ({ ...s, result }) as Step)
  return { ...base, devices: [{ ...device, steps: steps as [Step, ...Step[]] }] }
}
const passes = (runs: Run[], today: string) => passesOf(runs, today).get(deviceKey('gw-1', 'ch4-t1'))

describe('server-side recurring tests (shared dueDates)', () => {
  it('a catalytic methane sensor of a coal mine calibrated 16 days ago is overdue (15-day rule), 15 days ago due that very day', () => {
    const [overdue] = deviceTests({ ...METHANE, calibratedOn: '2026-11-15' }, undefined, RUN_DAY)
    expect(overdue).toMatchObject({ test: 'calibration', state: 'overdue', dueOn: '2026-11-30', daysLeft: -1, lastOn: '2026-11-15', lastFrom: 'inventory', periodDays: 15 })
    expect(overdue!.source).toContain('15 days')
    expect(overdue).not.toHaveProperty('runId')
    const [dueToday] = deviceTests({ ...METHANE, calibratedOn: '2026-11-16' }, undefined, RUN_DAY)
    expect(dueToday).toMatchObject({ state: 'due-soon', dueOn: RUN_DAY, daysLeft: 0 })
  })

  it('the maker\'s shorter interval wins over the rule, as at the gateway', () => {
    const [calibration] = deviceTests({ ...METHANE, calibratedOn: '2026-11-20', makerCalibration: { days: 10, source: 'maker' } }, undefined, RUN_DAY)
    expect(calibration).toMatchObject({ state: 'overdue', dueOn: '2026-11-30', periodDays: 10, source: 'maker' })
  })

  it('a passed calibration step in a run, later than the inventory\'s date, makes it ok and names the run; a passed gas step is a bump test', () => {
    const run = runWith(['calibration', 'gas'])
    const tests = deviceTests({ ...METHANE, calibratedOn: '2026-11-15' }, passes([run], RUN_DAY), RUN_DAY)
    expect(tests).toEqual([
      expect.objectContaining({ test: 'calibration', state: 'ok', lastOn: RUN_DAY, lastFrom: 'run', runId: run.id, dueOn: '2026-12-16' }),
      expect.objectContaining({ test: 'bump', state: 'ok', lastOn: RUN_DAY, lastFrom: 'run', runId: run.id, dueOn: '2026-12-31' }),
    ])
  })

  it('the inventory\'s date wins when it is the later one', () => {
    const [calibration] = deviceTests({ ...METHANE, calibratedOn: '2026-12-05' }, passes([runWith(['calibration'])], '2026-12-06'), '2026-12-06')
    expect(calibration).toMatchObject({ lastOn: '2026-12-05', lastFrom: 'inventory', state: 'ok' })
  })

  it('failed steps, runs ending after the day asked for and a calibratedOn after its run do not count as passes that day', () => {
    expect(passes([runWith(['calibration', 'gas'], 'failed')], RUN_DAY)).toEqual({})
    expect(passes([runWith(['calibration', 'gas'])], '2026-11-30')).toBeUndefined()
    const early = runWith(['calibration'])
    const claimed = { ...early, devices: [{ ...early.devices[0]!, steps: [{ kind: 'calibration', result: 'passed', calibratedOn: '2027-01-01', entered: true }] as [Step] }] }
    expect(passes([claimed], '2027-02-01')?.calibration?.on).toBe(RUN_DAY)
  })

  it('the latest of several runs counts; a calibration step without a date counts on the run\'s day', () => {
    const older = runWith(['calibration'], 'passed', { id: 'gw-1:a', endedAt: Date.UTC(2026, 10, 1, 2) })
    const newer = runWith(['gas'], 'passed', { id: 'gw-1:b' })
    const undated = { ...newer, devices: [{ ...newer.devices[0]!, steps: [...newer.devices[0]!.steps, { kind: 'calibration', result: 'passed', entered: false } as Step] as Step[] as [Step, ...Step[]] }] }
    expect(passes([undated, older], RUN_DAY)).toEqual({ calibration: { on: RUN_DAY, runId: 'gw-1:b' }, bump: { on: RUN_DAY, runId: 'gw-1:b' } })
  })

  it('the slim form the store keeps of a run gives the same passes as the run, without its readings', () => {
    const runs = [runWith(['calibration', 'gas']), runWith(['gas', 'zero'], 'passed', { id: 'gw-1:c', endedAt: Date.UTC(2026, 11, 3) }), runWith(['calibration'], 'failed', { id: 'gw-1:d' })]
    for (const today of ['2026-11-30', RUN_DAY, '2026-12-03']) expect(passesOf(runs.map(runPasses), today)).toEqual(passesOf(runs, today))
    expect(JSON.stringify(runPasses(sampleRun()))).not.toContain('readings')
  })

  it('never tested: a coal mine\'s methane sensor owes both, overdue without a due date; a petrol station binds no rule and owes only the maker\'s calibration', () => {
    expect(deviceTests(METHANE, undefined, RUN_DAY).map((t) => [t.test, t.state, t.dueOn])).toEqual([['calibration', 'overdue', undefined], ['bump', 'overdue', undefined]])
    expect(deviceTests({ kind: 'catalytic-methane-sensor', siteType: 'petrol-station' }, undefined, RUN_DAY)).toEqual([])
    expect(deviceTests({ kind: 'catalytic-methane-sensor', siteType: 'petrol-station', calibratedOn: '2026-11-01', makerCalibration: { days: 90, source: 'maker' } }, undefined, RUN_DAY)
      .map((t) => [t.test, t.state])).toEqual([['calibration', 'ok']])
  })
})
