import { beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { GasStep, InterlockStep, Step } from '../../../protocols/commissioning/index.ts'
import type { Alarm } from '../../../fleet-server/src/api/index.ts'
import { sampleRun } from '../../support/commissioning-run.ts'
import { WEB_ROOT } from './test-server.ts'

/**
 * The pure parts of the dashboard's test-run evidence (issue 17), in node: the gas chart's geometry,
 * each step's figures and reasons in the UI language, the run route, and which alarms count as
 * unacknowledged (a test alarm never does).
 */

// The dashboard is plain browser JavaScript; load it by URL so TypeScript does not type-check it.
const load = (file: string): Promise<any> => import(pathToFileURL(join(WEB_ROOT, file)).href)
const { gasChartGeometry } = await load('views/run-chart.js')
const { stepFigures, stepReasons, formatSeconds } = await load('views/run-steps.js')
const { routeOf, runHash, isComplianceRoute } = await load('routes.js')
const { isUnacknowledged } = await load('views/header.js')
const i18n = await load('i18n/index.js')

const steps = sampleRun().devices[0]!.steps
const stepOf = <K extends Step['kind']>(kind: K) => structuredClone(steps.find((s) => s.kind === kind)) as Extract<Step, { kind: K }>
const figure = (step: Step, key: string) => (stepFigures(step) as { key: string, value: string | string[] }[]).find((f) => f.key === key)?.value

beforeAll(() => { i18n.setLang('en', { setItem() {} }) })

describe('the gas chart geometry', () => {
  // sampleRun's gas step: applied 10 s into the run, readings from then; T90 19.6 s; removed 70 s after the gas; the alarm (set point 1) raised 7 s after it at 1.04
  const gas = stepOf('gas')

  it('puts the gas applied at the left edge, T90 and the gas removed at their seconds after it, in order', () => {
    const g = gasChartGeometry(gas, 600, 220)
    expect(g.moments.map((m: { kind: string }) => m.kind)).toEqual(['applied', 't90', 'removed'])
    expect(g.moments.map((m: { s: number }) => m.s)).toEqual([0, 19.6, 70])
    const [applied, t90, removed] = g.moments.map((m: { x: number }) => m.x)
    expect(applied).toBe(g.box.left)
    expect(removed).toBe(g.xEnd.x)
    // T90 sits where 19.6 s of the 70 s shown fall
    expect((t90 - applied) / (removed - applied)).toBeCloseTo(19.6 / 70, 2)
  })

  it('draws each set point as a line and each raised level at its reading, higher readings higher up', () => {
    const g = gasChartGeometry(gas, 600, 220)
    expect(g.setPoints).toEqual([{ level: 'alarm', setPoint: 1, y: expect.any(Number) }])
    expect(g.raised).toHaveLength(1)
    expect(g.raised[0].y).toBeLessThan(g.setPoints[0].y) // 1.04 above the set point 1
    expect((g.raised[0].x - g.box.left) / (g.xEnd.x - g.box.left)).toBeCloseTo(7 / 70, 2)
  })

  it('breaks the reading line where a reading was not good', () => {
    const broken: GasStep = { ...gas, readings: { t0: gas.readings.t0, points: [[0, 0.02], [1000, null], [2000, 0.5], [3000, 1.2]] } }
    expect(gasChartGeometry(broken).line.match(/M/g)).toHaveLength(2)
    expect(gasChartGeometry(gas).line.match(/M/g)).toHaveLength(1)
  })

  it('keeps a set point the gas never reached inside the chart, and leaves out T90 and removal when there are none', () => {
    const { t90S: _t90, removedAt: _removed, ...rest } = gas
    const unreached: GasStep = { ...rest, t90S: null, levels: [{ level: 'power-off', direction: 'high', setPoint: 5, result: 'failed', reason: 'not raised' }] }
    const g = gasChartGeometry(unreached, 600, 220)
    expect(g.moments.map((m: { kind: string }) => m.kind)).toEqual(['applied'])
    expect(g.raised).toEqual([])
    expect(g.setPoints[0].y).toBeGreaterThanOrEqual(g.yRange.yHi)
    expect(g.setPoints[0].y).toBeLessThan(g.box.bottom)
  })
})

describe('the figures of each step', () => {
  it('gas: the gas, T90 and recovery against their limits, the plateau error, each level with the time after the gas and the reading', () => {
    const gas = stepOf('gas')
    expect(figure(gas, 'gas')).toBe('CH4 in air 2 %CH4, lot L-2026-118, expires 2027-06-30')
    expect(figure(gas, 't90')).toBe('19.6 s (limit 30 s)')
    expect(figure(gas, 'recovery')).toBe('21.5 s (limit 60 s)')
    expect(figure(gas, 'plateau')).toBe('1.98 %CH4')
    expect(figure(gas, 'error')).toBe('-1 % (tolerance ± 10 %)')
    expect(figure(gas, 'levels')).toEqual(['Alarm (set point 1 %CH4): raised 7 s after the gas, reading 1.04 %CH4'])
    expect(figure({ ...gas, t90S: null, levels: [{ level: 'alarm', direction: 'high', setPoint: 1, result: 'failed' }] }, 't90')).toBe('not reached (limit 30 s)')
    expect(figure({ ...gas, levels: [{ level: 'alarm', direction: 'high', setPoint: 1, result: 'failed' }] }, 'levels')).toEqual(['Alarm (set point 1 %CH4): not raised'])
  })

  it('interlock: trip, output written, feedback confirmed in N ms, restored; or not confirmed; or the declared bypass', () => {
    const interlock = stepOf('interlock')
    expect(figure(interlock, 'sequence')).toEqual(['tripped 2026-12-01 10:00:20', 'output written (+50 ms)', 'feedback confirmed in 550 ms (limit 2000 ms)', 'not restored'])
    expect(figure({ ...interlock, restoredAt: interlock.trippedAt! + 5000 }, 'sequence')).toContain('restored 2026-12-01 10:00:25')
    const { confirmedAt: _c, ...stuck } = interlock
    expect(figure({ ...stuck, result: 'failed', reason: 'feedback never followed' } as InterlockStep, 'sequence'))
      .toEqual(['tripped 2026-12-01 10:00:20', 'output written (+50 ms)', 'feedback not confirmed (limit 2000 ms)', 'not restored'])
    const bypassed: InterlockStep = { kind: 'interlock', result: 'bypassed', interlock: 'fan-cut', output: interlock.output, feedback: interlock.feedback, feedbackMs: 2000, bypass: { reason: 'the main fan must keep running', by: '李工' } }
    expect(figure(bypassed, 'bypass')).toBe('not tripped: bypass declared by 李工: the main fan must keep running')
    expect(figure(bypassed, 'sequence')).toBeUndefined()
  })

  it('zero, identity and calibration', () => {
    expect(figure(stepOf('zero'), 'zero-mean')).toBe('0.02 %CH4, tolerance ± 0.1 %CH4')
    expect(figure(stepOf('identity'), 'read')).toEqual(['signature: 0x4743'])
    expect(figure(stepOf('calibration'), 'calibrated-on')).toBe('2026-12-01 (entered during the run)')
    expect(figure({ ...stepOf('calibration'), entered: false }, 'calibrated-on')).toBe('2026-12-01 (the configured date confirmed)')
  })

  it('gives the reasons of a failure verbatim, none for a step that passed', () => {
    expect(stepReasons({ ...stepOf('gas'), result: 'failed', reasons: ['level alarm not raised: the reading peaked at 0.62 %CH4', 'T90 not reached'] }))
      .toEqual(['level alarm not raised: the reading peaked at 0.62 %CH4', 'T90 not reached'])
    expect(stepReasons({ ...stepOf('interlock'), result: 'failed', reason: 'no feedback within 2000 ms' })).toEqual(['no feedback within 2000 ms'])
    expect(stepReasons(stepOf('zero'))).toEqual([])
  })

  it('speaks Chinese too', () => {
    i18n.setLang('zh', { setItem() {} })
    try {
      expect(figure(stepOf('gas'), 't90')).toBe('19.6 s（限值 30 s）')
      expect(formatSeconds(null)).toBe('未达到')
    } finally {
      i18n.setLang('en', { setItem() {} })
    }
  })
})

describe('the run route', () => {
  it('round-trips a run id with a colon through its hash, and is a compliance route', () => {
    const hash = runHash('site-a1', 'gw-a1', 'gw-a1:1764554400000')
    expect(hash).toBe('#/compliance/site/site-a1/runs/gw-a1/gw-a1%3A1764554400000')
    const route = routeOf(hash)
    expect(route).toEqual({ name: 'run', siteId: 'site-a1', gatewayId: 'gw-a1', runId: 'gw-a1:1764554400000', key: hash.slice(1) })
    expect(isComplianceRoute(route)).toBe(true)
    expect(routeOf('#/compliance/site/site-a1').name).toBe('evidence')
  })
})

describe('unacknowledged alarms', () => {
  const alarm: Alarm = { id: 1, siteId: 's', gatewayId: 'g', device: 'd', channel: 'ch4', kind: 'level', level: 'alarm', state: 'active', acknowledged: false, raisedAt: 0 }
  it('counts an active alarm no one acknowledged, never a test alarm, an acknowledged or a cleared one', () => {
    expect(isUnacknowledged(alarm)).toBe(true)
    expect(isUnacknowledged({ ...alarm, test: true })).toBe(false)
    expect(isUnacknowledged({ ...alarm, acknowledged: true })).toBe(false)
    expect(isUnacknowledged({ ...alarm, state: 'cleared' })).toBe(false)
  })
})
