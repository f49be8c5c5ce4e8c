import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../../edge-agent/src/config/index.ts'
import { PollEngine, type MasterFactory } from '../../../edge-agent/src/poll/engine.ts'

/** never used: inventory() reads the config, not the line */
const noLine: MasterFactory = () => ({ onClose: () => {} }) as unknown as ReturnType<MasterFactory>

const CONFIG = `gateway: { id: gw1, site: coal1, siteType: coal-mine }
buses:
  - { id: line1, type: rtu, path: /dev/ttyUSB0, baud: 9600 }
devices:
  - { id: ch4-1, bus: line1, unit: 1, profile: ccri-gjc4-catalytic-methane, calibratedOn: 2026-05-16 }
  - { id: cut-1, bus: line1, unit: 2, profile: generic-kdg4-power-cut-controller }
`

describe('the inventory a gateway publishes', () => {
  it('names each device\'s profile kind, which the server\'s rules of recurring tests need when it does not know the profile', () => {
    const { config, problems } = parseConfig('site.yaml', CONFIG)
    expect(problems).toEqual([])
    const engine = new PollEngine(config!, { samples: () => {}, event: () => {} }, noLine)
    expect(engine.inventory().map((d) => [d.device, d.kind, d.calibratedOn])).toEqual([
      ['ch4-1', 'catalytic-methane-sensor', '2026-05-16'],
      ['cut-1', 'power-cut-controller', undefined],
    ])
  })
})
