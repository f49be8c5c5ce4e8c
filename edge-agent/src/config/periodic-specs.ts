import type { Profile } from '../../../hardware-profiles/schema.ts'
import { testDuties, type DeviceTestFacts, type TestSettings } from '../../../protocols/commissioning/index.ts'
import type { PeriodicTestSpec } from '../periodic/notices.ts'
import type { DeviceConfig, GatewayConfig, TestPeriodsConfig } from './schema.ts'

type TestConfig = Pick<GatewayConfig, 'gateway' | 'tests' | 'interlocks'>

/** The source of a configured period, named where it is set. */
function settingsOf(periods: TestPeriodsConfig | undefined, at: string): TestSettings {
  const settings: TestSettings = {}
  for (const test of ['bump', 'interlock'] as const) {
    const period = periods?.[test]
    if (period) settings[test] = { ...period, source: `gateway config ${at}.${test}.days` }
  }
  return settings
}

/** What decides a device's recurring tests, from the config and its profile. */
export function deviceTestFacts(config: TestConfig, device: DeviceConfig, profile: Profile): DeviceTestFacts {
  const settings = settingsOf(device.tests, `devices.${device.id}.tests`)
  // calibration keeps its own keys: calibrationDays (labelled 'gateway config' as before) and calibrationDueSoonDays
  const calibration = { ...(device.calibrationDays !== undefined && { days: device.calibrationDays, source: 'gateway config' }), ...(device.calibrationDueSoonDays !== undefined && { dueSoonDays: device.calibrationDueSoonDays }) }
  if (Object.keys(calibration).length > 0) settings.calibration = calibration
  return {
    kind: profile.kind,
    ...(config.gateway.siteType !== undefined && { siteType: config.gateway.siteType }),
    interlocks: (config.interlocks ?? [])
      .filter((interlock) => interlock.when.some((condition) => condition.device === device.id))
      .map((interlock) => ({ id: interlock.id, ...(interlock.stopsLocalFan !== undefined && { stopsLocalFan: interlock.stopsLocalFan }) })),
    ...(profile.calibration && { makerCalibration: { days: profile.calibration.intervalDays, source: profile.calibration.source } }),
    settings,
    defaults: settingsOf(config.tests, 'tests'),
  }
}

/** Every recurring test of every device whose profile is known. */
export function periodicTestSpecs(config: TestConfig, devices: readonly { device: DeviceConfig; profile: Profile }[]): PeriodicTestSpec[] {
  return devices.flatMap(({ device, profile }) => testDuties(deviceTestFacts(config, device, profile)).map((duty) => ({
    ...duty,
    device: device.id,
    ...(duty.test === 'calibration' && device.calibratedOn !== undefined && { lastOn: device.calibratedOn }),
  })))
}
