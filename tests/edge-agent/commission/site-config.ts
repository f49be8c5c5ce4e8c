import { parseConfig, type ResolvedConfig } from '../../../edge-agent/src/config/index.ts'
import { formatProblem } from '../../../protocols/validation/index.ts'

export const CONFIG_FILE = '/site/gw.yaml'

/** A coal-mine gateway: a catalytic methane sensor (alarm 1.0, power-off 1.5 %CH4) feeding a KDG-4 power cut. */
export const SITE_YAML = `gateway: { id: gw1, site: site1, siteType: coal-mine }
buses:
  - { id: line1, type: rtu, path: /dev/ttyUSB0, baud: 9600 }
devices:
  - { id: ch4-1, bus: line1, unit: 1, profile: ccri-gjc4-catalytic-methane, calibratedOn: 2026-11-20 }
  - { id: ch4-2, bus: line1, unit: 2, profile: ccri-gjc4-catalytic-methane }
  - { id: cut-1, bus: line1, unit: 9, profile: generic-kdg4-power-cut-controller }
interlocks:
  - id: ch4-power-cut
    when: [{ device: ch4-1, channel: ch4, above: 1.5 }]
    action: { device: cut-1, channel: cut_1, value: true }
`

/** The real config parser and the shipped profiles; fails loudly when the fixture stops parsing. */
export function siteConfig(text = SITE_YAML): ResolvedConfig {
  const { config, problems } = parseConfig(CONFIG_FILE, text)
  if (!config) throw new Error(problems.map(formatProblem).join('\n'))
  return config
}
