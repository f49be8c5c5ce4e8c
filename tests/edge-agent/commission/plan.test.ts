import { describe, expect, it } from 'vitest'
import { parsePlan } from '../../../edge-agent/src/commission/plan.ts'
import { formatProblem, InvalidInputError } from '../../../protocols/validation/index.ts'
import { siteConfig } from './site-config.ts'

const FILE = '/site/plan.yaml'
const config = siteConfig()

const GAS = '{ name: CH4 in air, concentration: 2, unit: "%CH4", lot: L-118, expiresOn: 2027-06-30 }'

/** the located problems a plan's text is refused with (sorted: the order found is not the point) */
function problems(text: string): string[] {
  try {
    parsePlan(FILE, text, config)
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError)
    expect((error as InvalidInputError).code).toBe('PLAN_INVALID')
    return (error as InvalidInputError).problems.map(formatProblem).sort()
  }
  throw new Error('the plan was accepted')
}

describe('parsePlan', () => {
  it('a good plan is the plan as written', () => {
    const plan = parsePlan(FILE, `technician: { name: 李工, company: 乐平安装公司 }
purpose: periodic
testModeMinutes: 30
devices:
  - device: ch4-1
    zero: { seconds: 5, tolerance: 0.05 }
    gas: { name: CH4 in air, concentration: 2, unit: "%CH4", lot: L-118, expiresOn: 2027-06-30, channel: ch4, t90LimitS: 25 }
    interlocks: { ch4-power-cut: { bypass: the local fan must not stop } }
    calibratedOn: 2026-12-01
  - device: ch4-2
`, config)
    expect(plan.devices.map((d) => d.device)).toEqual(['ch4-1', 'ch4-2'])
    expect(plan.devices[0]).toMatchObject({ gas: { concentration: 2, channel: 'ch4', t90LimitS: 25 }, interlocks: { 'ch4-power-cut': { bypass: 'the local fan must not stop' } }, calibratedOn: '2026-12-01' })
    expect(plan).toMatchObject({ purpose: 'periodic', testModeMinutes: 30, technician: { name: '李工' } })
  })

  it('schema errors at their line and key: a missing technician, an unknown key, a bad number', () => {
    expect(problems(`devices:
  - device: ch4-1
    gas: { name: CH4, concentration: -1, unit: "%CH4", lot: L, expiresOn: 2027-06-30 }
    colour: red
`)).toEqual([
      '/site/plan.yaml:1:1 missing key "technician"',
      '/site/plan.yaml:3:38 devices[0].gas.concentration: must be > 0',
      expect.stringMatching(/^\/site\/plan\.yaml:4:5 devices\[0\]\.colour: unknown key "colour"$/u),
    ])
  })

  it('YAML that does not parse is located too', () => {
    const found = problems('technician: { name: x\ndevices: [')
    expect(found.length).toBeGreaterThan(0)
    for (const problem of found) expect(problem).toMatch(/^\/site\/plan\.yaml:2:\d+ /u)
  })

  it('a device not in the config, and one planned twice, at their entries', () => {
    expect(problems(`technician: { name: x }
devices:
  - device: ch4-9
  - device: ch4-1
  - device: ch4-1
`)).toEqual([
      '/site/plan.yaml:3:13 devices[0].device: device "ch4-9" is not in the config (ch4-1, ch4-2, cut-1)',
      '/site/plan.yaml:5:13 devices[2].device: device "ch4-1" is planned twice',
    ])
  })

  it('a gas channel the profile does not have, and an interlock not in the config (at its key)', () => {
    expect(problems(`technician: { name: x }
devices:
  - device: ch4-1
    gas: { name: CH4 in air, concentration: 2, unit: "%CH4", lot: L-118, expiresOn: 2027-06-30, channel: co }
    interlocks:
      fan-lock: { bypass: the local fan must not stop }
`)).toEqual([
      expect.stringMatching(/^\/site\/plan\.yaml:4:\d+ devices\[0\]\.gas\.channel: ccri-gjc4-catalytic-methane has no channel "co"$/u),
      '/site/plan.yaml:6:7 devices[0].interlocks.fan-lock: interlock "fan-lock" is not in the config',
    ])
  })

  it('a bypass of an interlock the device does not feed is refused: its bypass would be recorded nowhere', () => {
    expect(problems(`technician: { name: x }
devices:
  - device: ch4-2
    gas: ${GAS}
    interlocks:
      ch4-power-cut: { bypass: the local fan must not stop }
`)).toEqual(['/site/plan.yaml:6:7 devices[0].interlocks.ch4-power-cut: ch4-2 does not feed interlock "ch4-power-cut": only an interlock the device trips can be bypassed for its test'])
  })

  it('dates that match the pattern but are not calendar days', () => {
    expect(problems(`technician: { name: x }
devices:
  - device: ch4-1
    gas: { name: CH4 in air, concentration: 2, unit: "%CH4", lot: L-118, expiresOn: 2027-02-30 }
    calibratedOn: 2026-13-01
`)).toEqual([
      expect.stringMatching(/^\/site\/plan\.yaml:4:\d+ devices\[0\]\.gas\.expiresOn: 2027-02-30 is not a calendar day$/u),
      '/site/plan.yaml:5:19 devices[0].calibratedOn: 2026-13-01 is not a calendar day',
    ])
  })
})
