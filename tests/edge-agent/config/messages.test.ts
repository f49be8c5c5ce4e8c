import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../../edge-agent/src/config/index.ts'
import { formatProblem } from '../../../protocols/validation/index.ts'

/**
 * More mistakes, checked in-process only (the broken/ corpus covers each kind through the CLI):
 * the wording of schema messages and the finer interlock and alarm checks.
 * Each case lists every problem expected, `LINE:COL key.path: message-substring`.
 */

const GATEWAY = 'gateway:\n  id: gw1\n  site: site1\n'
const RTU_BUS = 'buses:\n  - id: line1\n    type: rtu\n    path: /dev/ttyUSB0\n    baud: 9600\n'
const METHANE = 'devices:\n  - id: ch4-1\n    bus: line1\n    unit: 1\n    profile: ccri-gjc4-catalytic-methane\n'
const POWER_CUT = '  - id: cut-1\n    bus: line1\n    unit: 5\n    profile: generic-kdg4-power-cut-controller\n'
const BASE = GATEWAY + RTU_BUS + METHANE
const INTERLOCK = `interlocks:
  - id: t1-cut
    when:
      - { device: ch4-1, channel: ch4, above: 1.5 }
    action:
      device: cut-1
      channel: cut_1
      value: true
      feedback: { device: cut-1, channel: feed_1 }
`
const withInterlock = (edit: (text: string) => string) => GATEWAY + RTU_BUS + METHANE + POWER_CUT + edit(INTERLOCK)
const noFeedback = (text: string) => text.replace('      feedback: { device: cut-1, channel: feed_1 }\n', '')

const cases: { name: string; yaml: string; expect: string[] }[] = [
  { name: 'no gateway', yaml: RTU_BUS + METHANE, expect: ['1:1 missing key "gateway"'] },
  { name: 'an uplink that is not MQTT', yaml: GATEWAY + 'uplink:\n  url: http://fleet.example:8080\n' + RTU_BUS + METHANE, expect: ['5:8 uplink.url: "http://fleet.example:8080" does not match ^mqtts?://'] },
  { name: 'a list where the gateway map goes', yaml: 'gateway:\n  - gw1\n  - site1\n' + RTU_BUS + METHANE, expect: ['2:3 gateway: must be a map, got a list'] },
  { name: 'parity outside the enum', yaml: GATEWAY + RTU_BUS + '    parity: mark\n' + METHANE, expect: ['9:13 buses[0].parity: must be one of "none", "even", "odd"'] },
  { name: 'no buses', yaml: GATEWAY + 'buses: []\n' + METHANE, expect: ['4:8 buses: must list at least one item'] },
  { name: 'poll period under the schema minimum', yaml: BASE + '    pollMs: 10\n', expect: ['14:13 devices[0].pollMs: must be from 50 to 86400000, got 10'] },
  {
    name: 'two buses on one serial port',
    yaml: GATEWAY + RTU_BUS + '  - id: line2\n    type: rtu\n    path: /dev/ttyUSB0\n    baud: 19200\n' + METHANE,
    expect: ['11:11 buses[1].path: /dev/ttyUSB0 is already bus "line1"'],
  },
  { name: 'a tcp bus with serial keys', yaml: GATEWAY + 'buses:\n  - id: plc\n    type: tcp\n    host: 10.0.0.5\n    baud: 9600\n' + METHANE.replace('line1', 'plc').replace('ccri-gjc4-catalytic-methane', 'generic-rcm6-refuge-chamber-monitor'), expect: ['8:5 buses[0].baud: unknown key "baud"'] },
  { name: 'feedback of another output', yaml: withInterlock((t) => t.replace('feed_1', 'feed_2')), expect: ['26:43 interlocks[0].action.feedback.channel: "feed_2" is the feedback of "cut_2", not of "cut_1"'] },
  { name: 'a condition without a test', yaml: withInterlock((t) => t.replace(', above: 1.5', '')), expect: ['21:9 interlocks[0].when[0]: needs one of above, below or equals'] },
  {
    name: 'two tests in one condition',
    yaml: withInterlock((t) => t.replace('above: 1.5', 'above: 1.5, below: 3')),
    expect: ['21:52 interlocks[0].when[0].below: give one of above, below or equals, not above and below'],
  },
  {
    name: 'above on a status bit',
    yaml: withInterlock((t) => t.replace('channel: ch4, above: 1.5', 'channel: element_fault, above: 1')),
    expect: ['21:50 interlocks[0].when[0].above: channel "element_fault" is bit; use equals: true or false'],
  },
  {
    name: 'a boolean compared with a measurement',
    yaml: withInterlock((t) => t.replace('above: 1.5', 'equals: true')),
    expect: ['21:48 interlocks[0].when[0].equals: channel "ch4" is uint16; compare it with a number'],
  },
  {
    name: 'an output value outside the channel range',
    yaml: withInterlock((t) => noFeedback(t).replace('channel: cut_1', 'channel: comms_timeout').replace('value: true', 'value: 120')),
    expect: ['25:14 interlocks[0].action.value: 120 is outside the range of "comms_timeout" (2..60)'],
  },
  { name: 'a number written to a coil', yaml: withInterlock((t) => t.replace('value: true', 'value: 2')), expect: ['25:14 interlocks[0].action.value: channel "cut_1" is a bool: write true or false'] },
  { name: 'a text output value', yaml: withInterlock((t) => t.replace('value: true', 'value: "on"')), expect: ['25:14 interlocks[0].action.value: must be a number or true or false, got "on"'] },
  { name: 'an interlock without conditions', yaml: withInterlock((t) => t.replace(/ {4}when:\n.*\n/u, '')), expect: ['19:5 interlocks[0]: missing key "when"'] },
  { name: 'failSafe as text', yaml: withInterlock((t) => t + '    failSafe: "yes"\n'), expect: ['27:15 interlocks[0].failSafe: must be true or false, got "yes"'] },
  {
    name: 'an alarm restore on the alarm side',
    yaml: BASE + '    alarms:\n      ch4:\n        - { level: alarm, direction: high, value: 1.0, restore: 1.2, source: site rule 2025-03 }\n',
    expect: ['16:65 devices[0].alarms.ch4[0].restore: restore 1.2 is on the alarm side of 1 (high-going)'],
  },
  {
    name: 'alarm levels on a status bit',
    yaml: BASE + '    alarms:\n      element_fault:\n        - { level: alarm, direction: high, value: 1, source: site rule 2025-03 }\n',
    expect: ['15:7 devices[0].alarms.element_fault: channel "element_fault" is bit; alarm levels need a numeric channel'],
  },
  { name: 'an unknown regulatory system', yaml: BASE + '    system: gas\n', expect: ['14:13 devices[0].system: must be one of "monitoring", "personnel-positioning"'] },
  { name: 'an impossible calibration date', yaml: BASE + '    calibratedOn: 2025-02-30\n', expect: ['14:19 devices[0].calibratedOn: 2025-02-30 is not a calendar date'] },
  { name: 'an unknown priority', yaml: BASE + '    priority: urgent\n', expect: ['14:15 devices[0].priority: must be one of "safety", "normal", "inventory"'] },
  { name: 'a bus that is not a map', yaml: GATEWAY + 'buses:\n  - line1\n' + METHANE, expect: ['5:5 buses[0]: must be a map, got "line1"'] },
  { name: 'an empty value', yaml: GATEWAY + RTU_BUS + 'devices:\n  - id: ch4-1\n    bus:\n    unit: 1\n    profile: ccri-gjc4-catalytic-methane\n', expect: ['11:9 devices[0].bus: must be text, got nothing'] },
]

describe('parseConfig messages', () => {
  it.each(cases)('$name', ({ yaml, expect: expected }) => {
    const { config, problems } = parseConfig('site.yaml', yaml)
    expect(config).toBeUndefined()
    const lines = problems.map(formatProblem)
    for (const e of expected) {
      const [where, ...rest] = e.split(' ')
      const message = rest.join(' ')
      expect(lines.some((line) => line.startsWith(`site.yaml:${where} `) && line.includes(message)), `"${e}" in:\n${lines.join('\n')}`).toBe(true)
    }
    expect(lines).toHaveLength(expected.length)
  })
})
