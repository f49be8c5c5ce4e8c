import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../../edge-agent/src/config/index.ts'
import { typeWithArticle } from '../../../edge-agent/src/config/check.ts'
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
const VAPOUR = '  - id: vr-1\n    bus: line1\n    unit: 7\n    profile: generic-vrm4-vapor-recovery-monitor\n'
const TAILINGS = GATEWAY + 'buses:\n  - { id: dam, type: tcp, host: 10.0.0.9 }\ndevices:\n  - id: dam-1\n    bus: dam\n    unit: 1\n    profile: generic-tsm8-tailings-monitor\n'
const alarmsOf = (channel: string, body: string) => `    alarms:\n      ${channel}: ${body}\n`
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
  { name: 'a condition without a test', yaml: withInterlock((t) => t.replace(', above: 1.5', '')), expect: ['21:9 interlocks[0].when[0]: needs one of above, below, equals (with a channel) or health'] },
  {
    name: 'two tests in one condition',
    yaml: withInterlock((t) => t.replace('above: 1.5', 'above: 1.5, below: 3')),
    expect: ['21:52 interlocks[0].when[0].below: give one of above, below, equals or health, not above and below'],
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
    yaml: withInterlock((t) => noFeedback(t).replace('channel: cut_1', 'channel: comms_timeout').replace('value: true', 'value: 120\n      restoreValue: 30')),
    expect: ['25:14 interlocks[0].action.value: 120 is outside the range of "comms_timeout" (2..60)'],
  },
  { name: 'a number written to a coil', yaml: withInterlock((t) => t.replace('value: true', 'value: 2')), expect: ['25:14 interlocks[0].action.value: channel "cut_1" is a bool: write true or false'] },
  { name: 'a text output value', yaml: withInterlock((t) => t.replace('value: true', 'value: "on"')), expect: ['25:14 interlocks[0].action.value: must be a number or true or false, got "on"'] },
  { name: 'an interlock without conditions', yaml: withInterlock((t) => t.replace(/ {4}when:\n.*\n/u, '')), expect: ['19:5 interlocks[0]: missing key "when"'] },
  { name: 'failSafe as text', yaml: withInterlock((t) => t + '    failSafe: "yes"\n'), expect: ['27:15 interlocks[0].failSafe: must be true or false, got "yes"'] },
  {
    name: 'an alarm restore on the alarm side',
    yaml: BASE + '    alarms:\n      ch4:\n        levels:\n          - { level: alarm, direction: high, value: 1.0, restore: 1.2, source: site rule 2025-03 }\n',
    expect: ['17:67 devices[0].alarms.ch4.levels[0].restore: restore 1.2 is on the alarm side of 1: a high level clears when the value falls below restore, so restore must be at most 1'],
  },
  {
    name: 'a low alarm restore on the alarm side',
    yaml: BASE + '    alarms:\n      ch4:\n        levels:\n          - { level: low, direction: low, value: 0.1, restore: 0.05, source: site rule 2025-03 }\n',
    expect: ['17:64 devices[0].alarms.ch4.levels[0].restore: restore 0.05 is on the alarm side of 0.1: a low level clears when the value rises above restore, so restore must be at least 0.1'],
  },
  { name: 'an unknown preset', yaml: BASE + alarmsOf('ch4', '{ preset: coal-ch4-t9 }'), expect: ['15:22 devices[0].alarms.ch4.preset: no preset "coal-ch4-t9"; presets: coal-ch4-t0-upper-corner, coal-ch4-t1-longwall-face'] },
  {
    name: 'a preset for another unit',
    yaml: BASE + alarmsOf('ch4', '{ preset: gbt50493-combustible }'),
    expect: ['15:22 devices[0].alarms.ch4.preset: preset "gbt50493-combustible" is for a channel in %LEL, but "ch4" is in %CH4'],
  },
  {
    name: 'a preset missing its required param',
    yaml: BASE + VAPOUR + alarmsOf('tank_pressure', '{ preset: vapor-tank-overpressure }'),
    expect: ['19:32 devices[1].alarms.tank_pressure.preset: preset "vapor-tank-overpressure" needs param pvValvePa (positive opening pressure'],
  },
  {
    name: 'a preset param it does not take',
    yaml: BASE + VAPOUR + alarmsOf('tank_pressure', '{ preset: vapor-tank-overpressure, params: { pvValvePa: 750, pvValve: 750 } }'),
    expect: ['19:83 devices[1].alarms.tank_pressure.params.pvValve: preset "vapor-tank-overpressure" has no param "pvValve"; params: pvValvePa'],
  },
  {
    name: 'params without a preset',
    yaml: BASE + alarmsOf('ch4', '{ params: { red: 1 } }'),
    expect: ['15:14 devices[0].alarms.ch4.params: params are for a preset'],
  },
  {
    name: 'a preset and levels at once',
    yaml: BASE + alarmsOf('ch4', '{ preset: coal-ch4-t2-face-return, levels: [{ level: alarm, direction: high, value: 0.8, source: site rule 2025-03 }] }'),
    expect: ['15:47 devices[0].alarms.ch4.levels: give a preset or levels, not both'],
  },
  {
    name: 'tailings figures that swap two levels',
    yaml: TAILINGS + alarmsOf('phreatic_depth', '{ preset: tailings-phreatic-depth, params: { red: 4, yellow: 4.2 } }'),
    expect: ['12:58 devices[0].alarms.phreatic_depth.params: yellow 4.2 must be above orange 4.4 (low-going levels get more severe as the value falls)'],
  },
  {
    name: 'latching a level the channel does not have',
    yaml: BASE + alarmsOf('ch4', '{ preset: coal-ch4-t1-longwall-face, latch: [red] }'),
    expect: ['15:57 devices[0].alarms.ch4.latch[0]: channel "ch4" has no level "red"; levels: alarm, power-off'],
  },
  {
    name: 'a rate of rise that never clears',
    yaml: BASE + alarmsOf('ch4', '{ rateOfRise: { perMinute: 0.2, restorePerMinute: 0.3 } }'),
    expect: ['15:62 devices[0].alarms.ch4.rateOfRise.restorePerMinute: restorePerMinute 0.3 must be below perMinute 0.2'],
  },
  { name: 'an unknown time zone', yaml: GATEWAY + '  timezone: Asia/Beijing\n' + RTU_BUS + METHANE, expect: ['4:13 gateway.timezone: "Asia/Beijing" is not an IANA time zone'] },
  {
    name: 'a health condition naming a channel',
    yaml: withInterlock((t) => t.replace('channel: ch4, above: 1.5', 'channel: ch4, health: [offline]')),
    expect: ['21:26 interlocks[0].when[0].channel: a health condition is on the whole device: drop channel'],
  },
  {
    name: 'a health condition with a value test',
    yaml: withInterlock((t) => t.replace('channel: ch4, above: 1.5', 'health: [offline], above: 1.5')),
    expect: ['21:26 interlocks[0].when[0].health: give one of above, below, equals or health, not above and health'],
  },
  {
    name: 'a value condition without a channel',
    yaml: withInterlock((t) => t.replace('channel: ch4, above: 1.5', 'above: 1.5')),
    expect: ['21:9 interlocks[0].when[0]: above needs a channel'],
  },
  {
    name: 'a register output without a restore value',
    yaml: withInterlock((t) => noFeedback(t).replace('channel: cut_1', 'channel: comms_timeout').replace('value: true', 'value: 10')),
    expect: ['23:7 interlocks[0].action: channel "comms_timeout" is a uint16 register: give restoreValue'],
  },
  {
    name: 'a restore value of the wrong type',
    yaml: withInterlock((t) => t.replace('value: true', 'value: true\n      restoreValue: 5')),
    expect: ['26:21 interlocks[0].action.restoreValue: channel "cut_1" is a bool: write true or false'],
  },
  {
    name: 'a bypass longer than a bypass command may ask',
    yaml: withInterlock((t) => t + '    maxBypassMinutes: 20000\n'),
    expect: ['27:23 interlocks[0].maxBypassMinutes: must be from 1 to 10080, got 20000'],
  },
  { name: 'an unknown regulatory system', yaml: BASE + '    system: gas\n', expect: ['14:13 devices[0].system: must be one of "monitoring", "personnel-positioning"'] },
  { name: 'an impossible calibration date', yaml: BASE + '    calibratedOn: 2025-02-30\n', expect: ['14:19 devices[0].calibratedOn: 2025-02-30 is not a day of the calendar (February 2025 has 28 days)'] },
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

describe('a channel type in a message', () => {
  it('takes the article it is said with', () => {
    expect(['int16', 'int32', 'uint16', 'float32', 'bool', 'bit'].map(typeWithArticle)).toEqual(['an int16', 'an int32', 'a uint16', 'a float32', 'a bool', 'a bit'])
  })
})
