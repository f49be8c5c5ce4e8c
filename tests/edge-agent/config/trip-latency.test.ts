import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadLibrary, type Channel, type Profile } from '../../../hardware-profiles/index.ts'
import { checkConfig } from '../../../edge-agent/src/config/check.ts'
import { AGENT_SHARE_MS, parseConfig, tripLatencies, type GatewayConfig, type SourceLatency } from '../../../edge-agent/src/config/index.ts'
import { writeFrameBytes } from '../../../edge-agent/src/config/wire-load.ts'
import { renderSummary } from '../../../edge-agent/src/cli/check.ts'
import { formatProblem } from '../../../protocols/validation/index.ts'

const library = new Map(loadLibrary().map((p) => [p.id, p]))
const profile = (id: string): Profile => library.get(id)!

/**
 * Wire times in character times: at 9600 8N1 a character is 10 bits, 1.0417 ms, and a transaction is its
 * request and answer bytes plus two silences of 3.5 characters.
 *   GJC4 methane head: holding 100-101 (8 + 9 bytes) and input 0-2 (8 + 11): a poll is 17 + 19 + 14 = 50
 *   KDG-4 power-cut controller: its longest read, holding 0-9 (8 + 25) + 7 = 40; FC 05 write 8 + 8 + 7 = 23
 */
const char9600 = 10 / 9.6
const char2400 = 10 / 2.4
const CH4_POLL = 50
const CH4_LONGEST = 19 + 7
const KDG4_LONGEST = 40
const COIL_WRITE = 23

type Device = GatewayConfig['devices'][number]
type Condition = NonNullable<GatewayConfig['interlocks']>[number]['when'][number]

const ch4 = (pollMs: number, extra: Partial<Device> = {}): Device => ({ id: 'ch4-1', bus: 'line1', unit: 1, profile: 'ccri-gjc4-catalytic-methane', pollMs, ...extra })
const kdg4 = (extra: Partial<Device> = {}): Device => ({ id: 'cut', bus: 'line1', unit: 5, profile: 'generic-kdg4-power-cut-controller', pollMs: 500, ...extra })

function gateway(devices: Device[], options: { when?: Condition[]; buses?: GatewayConfig['buses']; output?: { device: string; channel: string } } = {}): { config: GatewayConfig; profiles: Profile[] } {
  const config: GatewayConfig = {
    gateway: { id: 'gw1', site: 'site1' },
    buses: options.buses ?? [{ id: 'line1', type: 'rtu', path: '/dev/ttyUSB0', baud: 9600 }],
    devices,
    interlocks: [{
      id: 'cut-1',
      when: options.when ?? [{ device: 'ch4-1', channel: 'ch4', above: 1.5 }],
      action: { device: options.output?.device ?? 'cut', channel: options.output?.channel ?? 'cut_1', value: true },
    }],
  }
  return { config, profiles: devices.map((d) => profile(d.profile)) }
}

const only = ({ config, profiles }: { config: GatewayConfig; profiles: Profile[] }): SourceLatency => {
  const [latency] = tripLatencies(config, profiles)
  expect(latency!.sources).toHaveLength(1)
  return latency!.sources[0]!
}

describe('tripLatencies: the worst case on a sudden rise', () => {
  it.each([
    {
      name: 'source and output on one 9600 8N1 line: the longest transaction on it, the source\'s poll, the coil write',
      setup: gateway([ch4(5000), kdg4()]),
      wireMs: (KDG4_LONGEST + CH4_POLL + COIL_WRITE) * char9600, lines: ['9600 8N1'], network: false,
    },
    {
      name: 'the output alone on a 2400 baud line: its longest transaction there blocks the write too',
      setup: gateway([ch4(5000), kdg4({ bus: 'line2' })], { buses: [
        { id: 'line1', type: 'rtu', path: '/dev/ttyUSB0', baud: 9600 },
        { id: 'line2', type: 'rtu', path: '/dev/ttyUSB1', baud: 2400 },
      ] }),
      wireMs: (CH4_LONGEST + CH4_POLL) * char9600 + (KDG4_LONGEST + COIL_WRITE) * char2400, lines: ['9600 8N1', '2400 8N1'], network: false,
    },
    {
      name: 'a turnaround adds its silence after every transaction',
      setup: gateway([ch4(5000), kdg4()], { buses: [{ id: 'line1', type: 'rtu', path: '/dev/ttyUSB0', baud: 9600, turnaroundMs: 10 }] }),
      wireMs: (KDG4_LONGEST + CH4_POLL + COIL_WRITE) * char9600 + 10 + 2 * 10 + 10, lines: ['9600 8N1'], network: false,
    },
    {
      name: 'everything behind a Modbus TCP gateway: network time not counted',
      setup: gateway([ch4(5000, { bus: 'gw' }), kdg4({ bus: 'gw' })], { buses: [{ id: 'gw', type: 'tcp', host: '10.0.0.5' }] }),
      wireMs: 0, lines: [], network: true,
    },
    {
      name: 'an RTU source, a TCP output: the source\'s line counted, the network not',
      setup: gateway([ch4(5000), kdg4({ bus: 'gw' })], { buses: [{ id: 'line1', type: 'rtu', path: '/dev/ttyUSB0', baud: 9600 }, { id: 'gw', type: 'tcp', host: '10.0.0.5' }] }),
      wireMs: (CH4_LONGEST + CH4_POLL) * char9600, lines: ['9600 8N1'], network: true,
    },
  ])('$name', ({ setup, wireMs, lines, network }) => {
    const source = only(setup)
    expect(source).toMatchObject({ condition: 0, device: 'ch4-1', channel: 'ch4', pollMs: 5000, lines, network })
    expect(source.wireMs).toBeCloseTo(wireMs, 6)
    expect(source.suddenMs).toBeCloseTo(5000 + wireMs + AGENT_SHARE_MS, 6)
  })

  it('counts the default poll period when pollMs is not set, and every value condition but no health one', () => {
    const setup = gateway([{ ...ch4(0), pollMs: undefined }, kdg4()], { when: [
      { device: 'ch4-1', channel: 'ch4', above: 1.5 },
      { device: 'ch4-1', health: ['offline'] },
      { device: 'ch4-1', channel: 'element_fault', equals: true },
    ] })
    const [latency] = tripLatencies(setup.config, setup.profiles)
    expect(latency!.sources.map((s) => [s.condition, s.channel, s.pollMs])).toEqual([[0, 'ch4', 1000], [2, 'element_fault', 1000]])
  })

  it('leaves out a source whose device is unknown', () => {
    const setup = gateway([ch4(5000), kdg4()], { when: [{ device: 'ch4-9', channel: 'ch4', above: 1.5 }] })
    expect(tripLatencies(setup.config, setup.profiles)[0]!.sources).toEqual([])
  })
})

describe('tripLatencies: armed, on a gradual rise', () => {
  const wire = (KDG4_LONGEST + CH4_POLL + COIL_WRITE) * char9600
  it.each([
    { name: 'armed past the alarm level 1.0 on its way to the power-off at 1.5', condition: { above: 1.5 }, want: { armAt: 1, by: 'alarm level alarm', unit: '%CH4', armedPollMs: 50 } },
    { name: 'a margin further out than the alarm level arms first', condition: { above: 1.2, armMargin: 0.5 }, want: { armAt: 0.7, by: 'armMargin 0.5', unit: '%CH4', armedPollMs: 50 } },
    { name: 'a margin nearer than the alarm level: the alarm level arms', condition: { above: 1.5, armMargin: 0.2 }, want: { armAt: 1, by: 'alarm level alarm', unit: '%CH4', armedPollMs: 50 } },
    { name: 'trip at the alarm level, no margin: never armed', condition: { above: 1.0 }, want: undefined },
    { name: 'equals: never armed', condition: { equals: 2 }, want: undefined },
  ])('$name', ({ condition, want }) => {
    const source = only(gateway([ch4(5000), kdg4()], { when: [{ device: 'ch4-1', channel: 'ch4', ...condition }] }))
    if (!want) return expect(source.armed).toBeUndefined()
    expect(source.armed).toMatchObject(want)
    expect(source.armed!.worstMs).toBeCloseTo(want.armedPollMs + wire + AGENT_SHARE_MS, 6)
  })

  it('takes the levels the config gives the channel, and the bus\'s armedPollMs', () => {
    const source = only(gateway([ch4(5000, { alarms: { ch4: { levels: [{ level: 'level-1', direction: 'high', value: 0.8, source: 'site rule' }] } } }), kdg4()],
      { buses: [{ id: 'line1', type: 'rtu', path: '/dev/ttyUSB0', baud: 9600, armedPollMs: 20 }] }))
    expect(source.armed).toMatchObject({ armAt: 0.8, by: 'alarm level level-1', armedPollMs: 20 })
    expect(source.armed!.worstMs).toBeCloseTo(20 + wire + AGENT_SHARE_MS, 6)
  })

  it('is not armed on a bus whose armedShare is 0', () => {
    const source = only(gateway([ch4(5000), kdg4()], { buses: [{ id: 'line1', type: 'rtu', path: '/dev/ttyUSB0', baud: 9600, armedShare: 0 }] }))
    expect(source.armed).toBeUndefined()
  })
})

describe('tripLatencies: properties', () => {
  const bauds = [2400, 4800, 9600, 19200, 38400, 115200]
  const arbitraryGateway = fc.record({
    pollMs: fc.integer({ min: 50, max: 60_000 }),
    baud: fc.constantFrom(...bauds),
    others: fc.array(fc.record({ profile: fc.constantFrom('ccri-gjc4-catalytic-methane', 'generic-gth1000-carbon-monoxide', 'generic-gyh25-oxygen'), pollMs: fc.integer({ min: 200, max: 10_000 }) }), { maxLength: 8 }),
    outputBus: fc.constantFrom('line1', 'line2', 'gw'),
  })
  const build = ({ pollMs, baud, others, outputBus }: { pollMs: number; baud: number; others: { profile: string; pollMs: number }[]; outputBus: string }) =>
    gateway([ch4(pollMs), kdg4({ bus: outputBus }), ...others.map((o, i): Device => ({ id: `d${i}`, bus: 'line1', unit: 10 + i, profile: o.profile, pollMs: o.pollMs }))], { buses: [
      { id: 'line1', type: 'rtu', path: '/dev/ttyUSB0', baud },
      { id: 'line2', type: 'rtu', path: '/dev/ttyUSB1', baud: 9600 },
      { id: 'gw', type: 'tcp', host: '10.0.0.5' },
    ] })

  it('the worst case is at least the poll period and the agent\'s share, and grows with the poll period one for one', () => {
    fc.assert(fc.property(arbitraryGateway, fc.integer({ min: 1, max: 10_000 }), (g, longer) => {
      const source = only(build(g))
      expect(source.suddenMs).toBeGreaterThanOrEqual(g.pollMs + AGENT_SHARE_MS)
      expect(only(build({ ...g, pollMs: g.pollMs + longer })).suddenMs).toBeCloseTo(source.suddenMs + longer, 6)
      // armed, the period gives way to armedPollMs and the rest stays the same
      expect(source.armed!.worstMs).toBeCloseTo(source.suddenMs - g.pollMs + 50, 6)
    }))
  })
})

describe('writeFrameBytes', () => {
  const channel = (table: Channel['table'], type: Channel['type']): Channel => ({ id: 'out', name: { en: 'out' }, table, address: 0, type, writable: true } as Channel)
  it.each([
    { what: 'a coil, FC 05', channel: channel('coil', 'bool'), want: { request: 8, response: 8 } },
    { what: 'a 16-bit register, FC 06', channel: channel('holding', 'uint16'), want: { request: 8, response: 8 } },
    { what: 'a float32, FC 16 with 2 registers', channel: channel('holding', 'float32'), want: { request: 13, response: 8 } },
    { what: 'a float64, FC 16 with 4 registers', channel: channel('holding', 'float64'), want: { request: 17, response: 8 } },
  ])('$what', ({ channel, want }) => expect(writeFrameBytes(channel)).toEqual(want))
})

describe('checkConfig: trip latency warnings', () => {
  const STANDARD = 'exceeds the 2 s of GB 50581-2010 §3.1.4 (CH4 power-off and 风电闭锁 execution ≤2 s)'
  const latencyWarnings = (setup: { config: GatewayConfig; profiles: Profile[] }) =>
    checkConfig(setup.config, setup.profiles).filter((i) => i.message.includes('trip latency'))

  it('warns on the condition of a source polled too slowly, with the figure, its parts, the standard and the fix', () => {
    expect(latencyWarnings(gateway([ch4(5000), kdg4()]))).toEqual([{
      path: ['interlocks', 0, 'when', 0],
      warning: true,
      message: `worst-case trip latency on a sudden rise 5.17 s (ch4-1 polled every 5000 ms + 118 ms on the wire at 9600 8N1 + 50 ms agent) ${STANDARD}; `
        + 'set pollMs of ch4-1 to 1800 or less; armed from 1 %CH4 (alarm level alarm) it is read every ~50 ms, worst case 0.22 s on a gradual rise',
    }])
  })

  it('says when the network time is not counted, and leaves out the armed part when the source never arms', () => {
    const [warning] = latencyWarnings(gateway([ch4(3000, { bus: 'gw' }), kdg4({ bus: 'gw' })], { when: [{ device: 'ch4-1', channel: 'ch4', above: 1.0 }], buses: [{ id: 'gw', type: 'tcp', host: '10.0.0.5' }] }))
    expect(warning!.message).toBe(`worst-case trip latency on a sudden rise 3.05 s (ch4-1 polled every 3000 ms + 50 ms agent; network time not counted) ${STANDARD}; set pollMs of ch4-1 to 1900 or less`)
  })

  it('is quiet at 1 s and up to the limit', () => {
    expect(latencyWarnings(gateway([ch4(1000), kdg4()]))).toEqual([])
    expect(latencyWarnings(gateway([ch4(1800), kdg4()]))).toEqual([])
    expect(latencyWarnings(gateway([ch4(1900), kdg4()]))).toHaveLength(1)
  })
})

describe('checkConfig: armMargin', () => {
  it.each([
    { name: 'with above', condition: { above: 1.5, armMargin: 0.3 }, want: [] },
    { name: 'with below', condition: { below: 0.2, armMargin: 0.3 }, want: [] },
    { name: 'with equals', condition: { equals: 2, armMargin: 0.3 }, want: [{ path: ['interlocks', 0, 'when', 0, 'armMargin'], message: 'armMargin goes with above or below: a source is armed on its way to a trip level', onKey: true }] },
  ])('$name', ({ condition, want }) => {
    const setup = gateway([ch4(1000), kdg4()], { when: [{ device: 'ch4-1', channel: 'ch4', ...condition }] })
    expect(checkConfig(setup.config, setup.profiles).filter((i) => !i.warning)).toEqual(want)
  })
})

describe('renderSummary: each interlock\'s worst case', () => {
  const summary = (text: string) => {
    const { config, problems } = parseConfig('site.yaml', text)
    expect(problems.map(formatProblem)).toEqual([])
    return renderSummary(config!).split('\n').filter((l) => l.startsWith('  interlock'))
  }
  const HEAD = `gateway: { id: gw1, site: site1 }
buses:
  - { id: line1, type: rtu, path: /dev/ttyUSB0, baud: 9600 }
  - { id: plc, type: tcp, host: 10.0.0.5 }
devices:
  - { id: cut, bus: line1, unit: 5, profile: generic-kdg4-power-cut-controller, pollMs: 500 }
  - { id: ch4-1, bus: line1, unit: 1, profile: ccri-gjc4-catalytic-methane, pollMs: 5000 }
  - { id: ch4-2, bus: line1, unit: 2, profile: ccri-gjc4-catalytic-methane, pollMs: 1000 }
  - { id: sis, bus: plc, unit: 1, profile: generic-sis-plc16-reactor-interlock, pollMs: 500 }
interlocks:
`

  it('prints one line per interlock with a value condition: its worst source, and the armed worst case when that source arms', () => {
    expect(summary(`${HEAD}  - id: cut-1
    when:
      - { device: ch4-2, channel: ch4, above: 1.5 }
      - { device: ch4-1, channel: ch4, above: 1.5 }
    action: { device: cut, channel: cut_1, value: true }
  - id: cut-2
    when: [{ device: ch4-2, channel: ch4, above: 1.0 }]
    action: { device: cut, channel: cut_2, value: true }
  - id: plc-trip
    when: [{ device: sis, channel: reactor_temperature, above: 180 }]
    action: { device: sis, channel: trip_feed, value: true }
  - id: offline
    when: [{ device: ch4-2, health: [offline] }]
    action: { device: cut, channel: cut_3, value: true }
`)).toEqual([
      '  interlock cut-1: worst-case trip 5.17 s on a sudden rise (source ch4-1), 0.22 s armed from 1 %CH4',
      '  interlock cut-2: worst-case trip 1.17 s on a sudden rise (source ch4-2)',
      '  interlock plc-trip: worst-case trip 0.55 s on a sudden rise (source sis, network time not counted)',
    ])
  })
})
