import type { Plan } from '../../../edge-agent/src/index.ts'
import { addDays } from '../../../protocols/calendar/index.ts'
import type { DemoSite } from './fleet-schema.ts'

/**
 * The commissioning run the demo does at start, pure: at a site whose gateway has a `gas-test`
 * device, that sensor is tested with methane test gas (zero, the gas on and off, every alarm level and
 * the power cuts it feeds, calibration) and every other device of its regulatory system is checked by
 * identity, so the run can stand behind the system's installation.
 */

/** 2 %CH4: above the coal-mine power-off levels (1.0 to 1.5 %CH4), as a cylinder an installer carries */
export const DEMO_TEST_GAS = { name: 'CH4 in air', concentration: 2.0, unit: '%CH4' } as const

const DEMO_TECHNICIAN = { name: '演示安装员 (demo technician)', company: '乐平市安全监测安装有限公司', certificate: 'DEMO-0001' } as const

/** the site's gas-test device, if it has one (the seed check allows one per site, with an alarmed channel) */
const gasTestDeviceOf = (site: DemoSite) => site.gateway.devices.find((d) => d.scenario === 'gas-test')

/** The plan for `site` on `today` (YYYY-MM-DD), or undefined when it has no gas-test device. */
export function demoCommissioningPlan(site: DemoSite, today: string): Plan | undefined {
  const sensor = gasTestDeviceOf(site)
  if (!sensor) return undefined
  const channel = Object.keys(sensor.alarms ?? {})[0]
  const others = sensor.system === undefined ? [] : site.gateway.devices.filter((d) => d !== sensor && d.system === sensor.system)
  return {
    purpose: 'commissioning',
    technician: { ...DEMO_TECHNICIAN },
    testModeMinutes: 15,
    devices: [
      {
        device: sensor.id,
        zero: { seconds: 5 },
        gas: {
          ...DEMO_TEST_GAS, lot: `DEMO-${today.replaceAll('-', '')}`, expiresOn: addDays(today, 365),
          ...(channel !== undefined && { channel }), t90LimitS: 30, recoveryLimitS: 60,
        },
        calibratedOn: today,
      },
      ...others.map((d) => ({ device: d.id })),
    ],
  }
}
