import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { DEMO_TEST_GAS, demoCommissioningPlan } from '../../../fleet-server/src/demo/commissioning-plan.ts'
import { defaultSeedFile, loadDemoFleet, parseDemoFleet } from '../../../fleet-server/src/demo/seed.ts'
import type { DemoSite } from '../../../fleet-server/src/demo/fleet-schema.ts'
import { formatProblem } from '../../../protocols/validation/index.ts'

const fleet = loadDemoFleet(defaultSeedFile())
const seedText = readFileSync(defaultSeedFile(), 'utf8')
const site = (id: string) => fleet.sites.find((s) => s.id === id)!

describe('the commissioning run the demo does at start', () => {
  it('is planned for 镇桥煤矿 alone: its gas-test methane sensor with 2 %CH4, above the heading face power-off level and the power cut it feeds', () => {
    const planned = fleet.sites.filter((s) => demoCommissioningPlan(s, '2026-12-07') !== undefined).map((s) => s.id)
    expect(planned).toEqual(['leping-zhenqiao-coal'])
    const plan = demoCommissioningPlan(site('leping-zhenqiao-coal'), '2026-12-07')!
    const [sensor] = plan.devices
    expect(sensor).toMatchObject({ device: 'ch4-heading-201', calibratedOn: '2026-12-07', gas: { ...DEMO_TEST_GAS, channel: 'ch4', expiresOn: '2027-12-07' } })
    expect(site('leping-zhenqiao-coal').gateway.devices.find((d) => d.id === 'ch4-heading-201')!.alarms!.ch4!.preset).toBe('coal-ch4-heading-face') // power-off at 1.5 %CH4
    const cut = site('leping-zhenqiao-coal').gateway.interlocks!.find((i) => i.when.some((c) => c.device === 'ch4-heading-201'))!
    expect(cut.when[0]).toMatchObject({ above: 1.5 })
    expect(cut.action.device).toBe('power-cut-201')
  })

  it('checks every other device of the sensor\'s system by identity only, and no device of another system', () => {
    const zhenqiao = site('leping-zhenqiao-coal')
    const plan = demoCommissioningPlan(zhenqiao, '2026-12-07')!
    expect(plan.devices.slice(1)).toEqual([{ device: 'multigas-intake' }, { device: 'power-cut-201' }])
    const monitoring = zhenqiao.gateway.devices.filter((d) => d.system === 'monitoring').map((d) => d.id)
    expect(plan.devices.map((d) => d.device).sort()).toEqual(monitoring.sort())
  })

  it('tests the sensor alone when it names no system', () => {
    const zhenqiao = site('leping-zhenqiao-coal')
    const withoutSystem: DemoSite = {
      ...zhenqiao,
      gateway: { ...zhenqiao.gateway, devices: zhenqiao.gateway.devices.map(({ system, ...d }) => (d.id === 'ch4-heading-201' ? d : { ...d, system })) },
    }
    expect(demoCommissioningPlan(withoutSystem, '2026-12-07')!.devices.map((d) => d.device)).toEqual(['ch4-heading-201'])
  })

  it('is not planned where no device is a gas-test one', () => {
    expect(demoCommissioningPlan(site('leping-yongshan-coal'), '2026-12-07')).toBeUndefined()
  })
})

describe('the seed check of gas-test devices', () => {
  const problemsOf = (text: string) => parseDemoFleet('demo-fleet.yaml', text).problems.map(formatProblem)

  it('refuses a second gas-test device at a site', () => {
    const from = '        - id: multigas-intake\n          profile: generic-mgd4-multigas\n'
    expect(seedText).toContain(from)
    const problems = problemsOf(seedText.replace(from, `${from}          scenario: gas-test\n          alarms: { ch4: { preset: coal-ch4-heading-face } }\n`))
    expect(problems).toEqual([expect.stringMatching(/sites\[1\]\.gateway\.devices\[1\]\.scenario: one gas-test device per site: the demo commissions it at start$/u)])
  })

  it('refuses a gas-test device without alarms', () => {
    const from = '        - id: ch4-t1-1201\n          profile: ccri-gjc4-catalytic-methane\n'
    expect(seedText).toContain(from)
    const text = seedText.replace(from, `${from}          scenario: gas-test\n`).replace(/(- id: ch4-t1-1201[\s\S]*?)\n {10}alarms:\n {12}ch4: \{ preset: coal-ch4-t1-longwall-face \}/u, '$1')
    expect(problemsOf(text)).toEqual([expect.stringMatching(/sites\[0\]\.gateway\.devices\[1\]\.scenario: a gas-test device needs alarms on the channel the demo tests with methane$/u)])
  })
})
