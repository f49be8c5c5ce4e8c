import { describe, expect, it } from 'vitest'
import { parseConfig, safetySpecs } from '../../../edge-agent/src/config/index.ts'
import { formatProblem } from '../../../protocols/validation/index.ts'

const FILE = '/site/gw.yaml'

const config = (gateway: string, devices: string, rest = '') => `gateway: { id: gw1, site: site1${gateway} }
buses:
  - { id: line1, type: rtu, path: /dev/ttyUSB0, baud: 9600 }
devices:
${devices}  - { id: cut-1, bus: line1, unit: 9, profile: generic-kdg4-power-cut-controller }
interlocks:
  - id: ch4-power-cut
    when: [{ device: ch4-1, channel: ch4, above: 1.5 }]
    action: { device: cut-1, channel: cut_1, value: true }
${rest}`
const METHANE = '  - { id: ch4-1, bus: line1, unit: 1, profile: ccri-gjc4-catalytic-methane }\n'

function parsed(text: string) {
  const { config: resolved, problems, warnings = [] } = parseConfig(FILE, text)
  return { resolved, problems: problems.map(formatProblem), warnings: warnings.map(formatProblem) }
}

describe('periodic tests in the gateway config', () => {
  it('a device period longer than its rule is a warning at its key naming the rule and its source, not an error', () => {
    const text = config(', siteType: coal-mine', `  - id: ch4-1
    bus: line1
    unit: 1
    profile: ccri-gjc4-catalytic-methane
    tests: { bump: { days: 7 }, interlock: { days: 20 } }
`)
    const { resolved, problems, warnings } = parsed(text)
    expect(problems).toEqual([])
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^\/site\/gw\.yaml:9:52 devices\[0\]\.tests\.interlock\.days: warning: 20 days between interlock ch4-power-cut's function tests of catalytic-methane-sensor "ch4-1" is longer than rule coal-methane-interlock: every 15 days \(.*甲烷电闭锁.*\[S\]\)$/u)
    const tests = safetySpecs(resolved!).tests!
    expect(tests.map((t) => [t.device, t.test, t.interlock ?? null, t.periodDays, t.source])).toEqual([
      ['ch4-1', 'bump', null, 7, 'gateway config devices.ch4-1.tests.bump.days'],
      ['ch4-1', 'interlock', 'ch4-power-cut', 20, 'gateway config devices.ch4-1.tests.interlock.days'],
    ])
  })

  it('a gateway-wide period is named once; a longer calibrationDays at its key', () => {
    const text = config(', siteType: coal-mine', `  - { id: ch4-1, bus: line1, unit: 1, profile: ccri-gjc4-catalytic-methane, calibrationDays: 20 }
  - { id: ch4-2, bus: line1, unit: 2, profile: ccri-gjc4-catalytic-methane }
`, 'tests: { bump: { days: 60, dueSoonDays: 10 } }\n')
    const { resolved, warnings } = parsed(text)
    expect(warnings.map((w) => w.split(': warning: ')[0])).toEqual(['/site/gw.yaml:5:94 devices[0].calibrationDays', '/site/gw.yaml:12:24 tests.bump.days'])
    expect(warnings[0]).toContain('longer than rule coal-catalytic-methane-calibration: every 15 days')
    expect(safetySpecs(resolved!).tests!.filter((t) => t.test === 'bump').map((t) => [t.device, t.periodDays, t.dueSoonDays])).toEqual([['ch4-1', 60, 10], ['ch4-2', 60, 10]])
  })

  it('without a site type every rule applies, and the warning says why', () => {
    const { resolved, warnings } = parsed(config('', '  - { id: ch4-1, bus: line1, unit: 1, profile: ccri-gjc4-catalytic-methane, tests: { bump: { days: 45 } } }\n'))
    expect(warnings).toEqual([expect.stringContaining('gateway.siteType is not set, so every site type\'s rules apply')])
    expect(safetySpecs(resolved!).tests!.map((t) => [t.test, t.periodDays])).toEqual([['bump', 45], ['interlock', 15]])
  })

  it('at a site the rules do not bind: the maker\'s calibration interval only, and no warning', () => {
    const { resolved, warnings } = parsed(config(', siteType: chemical-plant', `${METHANE}  - { id: lel-1, bus: line1, unit: 3, profile: generic-gtq-lel100-combustible, calibratedOn: 2026-01-01, calibrationDays: 90 }\n`))
    expect(warnings).toEqual([])
    const specs = safetySpecs(resolved!)
    expect(specs.tests).toEqual([])
    expect(specs.calibrations.map((c) => [c.device, c.intervalDays, c.calibratedOn ?? null])).toEqual([['ch4-1', 10, null], ['lel-1', 90, '2026-01-01']])
  })

  it('in a coal mine the rule shortens a longer maker interval; an interlock whose test stops the local fan is due every 180 days', () => {
    const { resolved } = parsed(config(', siteType: coal-mine', `${METHANE}  - { id: lel-1, bus: line1, unit: 3, profile: generic-gtq-lel100-combustible }\n`, '    stopsLocalFan: true\n'))
    const specs = safetySpecs(resolved!)
    expect(specs.calibrations.find((c) => c.device === 'lel-1')).toMatchObject({ intervalDays: 30, source: expect.stringContaining('at least monthly') })
    expect(specs.tests!.find((t) => t.test === 'interlock')).toMatchObject({ device: 'ch4-1', interlock: 'ch4-power-cut', periodDays: 180, rule: { id: 'coal-local-fan-interlock' } })
  })

  it('an unknown site type or test is an error located at its key', () => {
    expect(parsed(config(', siteType: coal', METHANE)).problems).toEqual([expect.stringMatching(/^\/site\/gw\.yaml:1:44 gateway\.siteType: .*coal-mine/u)])
    expect(parsed(config(', siteType: coal-mine', METHANE, 'tests: { calibration: { days: 10 } }\n')).problems).toEqual(['/site/gw.yaml:11:10 tests.calibration: unknown key "calibration"'])
    expect(parsed(config(', siteType: coal-mine', METHANE, 'tests: { bump: { days: 0 } }\n')).problems).toEqual([expect.stringMatching(/^\/site\/gw\.yaml:11:24 tests\.bump\.days: /u)])
  })
})
