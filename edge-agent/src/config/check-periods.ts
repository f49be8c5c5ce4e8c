import type { Profile } from '../../../hardware-profiles/schema.ts'
import { longerThanRule, testDuties } from '../../../protocols/commissioning/index.ts'
import type { PathSegment } from '../../../protocols/validation/index.ts'
import { deviceTestFacts } from './periodic-specs.ts'
import type { GatewayConfig } from './schema.ts'

/**
 * A configured test period longer than the rule binding it: allowed (every period is configurable),
 * but `check` names the rule and its source. A gateway-wide period is named once per rule.
 */
export function checkTestPeriods(config: GatewayConfig, profiles: ReadonlyArray<Profile | undefined>, warn: (path: PathSegment[], message: string) => void): void {
  const named = new Set<string>()
  const unknownSite = config.gateway.siteType === undefined ? '; gateway.siteType is not set, so every site type\'s rules apply' : ''
  config.devices.forEach((device, i) => {
    const profile = profiles[i]
    if (!profile) return
    for (const duty of longerThanRule(testDuties(deviceTestFacts(config, device, profile)))) {
      const { test, rule } = duty
      const path: PathSegment[] = test === 'calibration' ? ['devices', i, 'calibrationDays']
        : device.tests?.[test]?.days !== undefined ? ['devices', i, 'tests', test, 'days']
        : ['tests', test, 'days']
      if (path[0] === 'tests') {
        if (named.has(`${test} ${rule.id}`)) continue
        named.add(`${test} ${rule.id}`)
      }
      const what = test === 'interlock' ? `interlock ${duty.interlock}'s function test` : test === 'bump' ? 'bump test' : 'calibration'
      warn(path, `${duty.periodDays} days between ${what}s of ${profile.kind} "${device.id}" is longer than rule ${rule.id}: every ${rule.periodDays} days (${rule.source})${unknownSite}`)
    }
  })
}
