import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadLibrary, type Profile } from '../../../hardware-profiles/index.ts'
import { checkConfig } from '../../../edge-agent/src/config/check.ts'
import { armedBudgets, parseConfig, rtuBusLoads, type BusArmedBudget, type GatewayConfig } from '../../../edge-agent/src/config/index.ts'
import { renderSummary } from '../../../edge-agent/src/cli/check.ts'
import { formatProblem } from '../../../protocols/validation/index.ts'

const library = new Map(loadLibrary().map((p) => [p.id, p]))

/**
 * At 9600 8N1 (1.0417 ms a character, two silences of 3.5 characters a transaction) a GJC4 methane head's
 * poll is 50 characters, 52.08 ms; a KDG-4 power-cut controller's 4 reads are 111, 115.63 ms.
 */
const CH4_WIRE = 50 * 10 / 9.6
const KDG4_WIRE = 111 * 10 / 9.6

type Device = GatewayConfig['devices'][number]
type Bus = GatewayConfig['buses'][number]
const LINE1: Bus = { id: 'line1', type: 'rtu', path: '/dev/ttyUSB0', baud: 9600 }

const ch4 = (pollMs: number, extra: Partial<Device> = {}): Device => ({ id: 'ch4-1', bus: 'line1', unit: 1, profile: 'ccri-gjc4-catalytic-methane', pollMs, ...extra })
const kdg4 = (pollMs: number, extra: Partial<Device> = {}): Device => ({ id: 'cut', bus: 'line1', unit: 5, profile: 'generic-kdg4-power-cut-controller', pollMs, ...extra })

function gateway(devices: Device[], buses: Bus[] = [LINE1], above = 1.5): { config: GatewayConfig; profiles: Profile[] } {
  return {
    config: {
      gateway: { id: 'gw1', site: 'site1' }, buses, devices,
      interlocks: [{ id: 'cut-1', when: [{ device: 'ch4-1', channel: 'ch4', above }], action: { device: 'cut', channel: 'cut_1', value: true } }],
    },
    profiles: devices.map((d) => library.get(d.profile)!),
  }
}

const budgetsOf = ({ config, profiles }: { config: GatewayConfig; profiles: Profile[] }) => armedBudgets(config, profiles)

describe('armedBudgets', () => {
  it.each([
    {
      name: 'a light line: the others keep their periods',
      setup: gateway([ch4(1000), kdg4(500)]),
      share: 0.5, load: CH4_WIRE / 1000 + KDG4_WIRE / 500, stretch: 1, queueMs: (CH4_WIRE + KDG4_WIRE) / 0.5,
    },
    {
      name: 'a busy line: more than the half armed reads leave, so the periods stretch by load ÷ (1 − share)',
      setup: gateway([ch4(1000), kdg4(150)]),
      share: 0.5, load: CH4_WIRE / 1000 + KDG4_WIRE / 150, stretch: (CH4_WIRE / 1000 + KDG4_WIRE / 150) / 0.5, queueMs: (CH4_WIRE + KDG4_WIRE) / 0.5,
    },
    {
      name: 'a smaller armedShare leaves the others more',
      setup: gateway([ch4(1000), kdg4(150)], [{ ...LINE1, armedShare: 0.3 }]),
      share: 0.3, load: CH4_WIRE / 1000 + KDG4_WIRE / 150, stretch: (CH4_WIRE / 1000 + KDG4_WIRE / 150) / 0.7, queueMs: (CH4_WIRE + KDG4_WIRE) / 0.7,
    },
    {
      name: 'armed reading off: nothing stretches',
      setup: gateway([ch4(1000), kdg4(150)], [{ ...LINE1, armedShare: 0 }]),
      share: 0, load: CH4_WIRE / 1000 + KDG4_WIRE / 150, stretch: 1, queueMs: CH4_WIRE + KDG4_WIRE,
    },
    {
      name: 'TCP: the wire is not the limit, load 0',
      setup: gateway([ch4(1000, { bus: 'gw' }), kdg4(150, { bus: 'gw' })], [{ id: 'gw', type: 'tcp', host: '10.0.0.5' }]),
      share: 0.5, load: 0, stretch: 1, queueMs: 0,
    },
  ])('$name', ({ setup, share, load, stretch, queueMs }) => {
    const [budget, ...more] = budgetsOf(setup)
    expect(more).toEqual([])
    expect(budget).toMatchObject({ busIndex: 0, bus: setup.config.buses[0]!.id, share })
    expect(budget!.load).toBeCloseTo(load, 9)
    expect(budget!.stretch).toBeCloseTo(stretch, 9)
    expect(budget!.devices.map((d) => [d.device, d.pollMs, d.armable])).toEqual([['ch4-1', 1000, true], ['cut', setup.config.devices[1]!.pollMs, false]])
    // a poll due with every other device's waits for theirs, at the others' share of the line
    expect(budget!.queueMs).toBeCloseTo(queueMs, 9)
    for (const d of budget!.devices) expect(d.budgetMs).toBeCloseTo(d.pollMs * stretch + queueMs, 9)
  })

  it('lists only the buses with a source that can arm', () => {
    const o2: Device = { id: 'o2', bus: 'line2', unit: 1, profile: 'generic-gyh25-oxygen', pollMs: 1000 }
    const setup = gateway([ch4(1000), kdg4(500), o2], [LINE1, { id: 'line2', type: 'rtu', path: '/dev/ttyUSB1', baud: 2400 }])
    expect(budgetsOf(setup).map((b) => b.bus)).toEqual(['line1'])
    // at the alarm level 1.0 with no margin the head never arms
    expect(budgetsOf(gateway([ch4(1000), kdg4(500)], [LINE1], 1.0))).toEqual([])
  })

  it('property: at their budget periods the others need no more than what armed reads leave, and never less than their own period', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 150, max: 10_000 }), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 200, max: 10_000 }),
      fc.double({ min: 0.05, max: 0.9, noNaN: true }),
      (periods, sourcePollMs, share) => {
        const others = periods.map((pollMs, i): Device => ({ id: `co-${i}`, bus: 'line1', unit: 10 + i, profile: 'generic-gth1000-carbon-monoxide', pollMs }))
        const setup = gateway([ch4(sourcePollMs), kdg4(1000), ...others], [{ ...LINE1, armedShare: share }])
        const [load] = rtuBusLoads(setup.config, setup.profiles)
        if (load!.load > 1) return // an overloaded line is an error of its own
        const budget: BusArmedBudget = budgetsOf(setup)[0]!
        const wireOf = new Map(load!.devices.map((d) => [d.deviceIndex, d.wireMs]))
        const demand = budget.devices.reduce((sum, d) => sum + wireOf.get(d.deviceIndex)! / d.budgetMs, 0)
        expect(demand).toBeLessThanOrEqual(1 - share + 1e-9)
        for (const d of budget.devices) expect(d.budgetMs).toBeGreaterThanOrEqual(d.pollMs)
      },
    ))
  })
})

describe('checkConfig: armed budget warnings', () => {
  const armedWarnings = (setup: { config: GatewayConfig; profiles: Profile[] }) =>
    checkConfig(setup.config, setup.profiles).filter((i) => i.message.includes('are armed'))

  it.each([
    {
      name: 'on the bus when armedShare is the default',
      setup: gateway([ch4(1000), kdg4(150)]),
      want: [{ path: ['buses', 0], warning: true, message: 'while interlock sources are armed, the other devices\' periods stretch ×1.65 (load 0.82 s/s leaves less than the 50 % armed reads may take); lower armedShare or lengthen pollMs' }],
    },
    {
      name: 'on armedShare when it is set',
      setup: gateway([ch4(1000), kdg4(150)], [{ ...LINE1, armedShare: 0.3 }]),
      want: [{ path: ['buses', 0, 'armedShare'], warning: true, message: 'while interlock sources are armed, the other devices\' periods stretch ×1.18 (load 0.82 s/s leaves less than the 30 % armed reads may take); lower armedShare or lengthen pollMs' }],
    },
    { name: 'none when the others keep their periods', setup: gateway([ch4(1000), kdg4(500)]), want: [] },
    { name: 'none with armed reading off', setup: gateway([ch4(1000), kdg4(150)], [{ ...LINE1, armedShare: 0 }]), want: [] },
    { name: 'none on an overloaded line (an error already)', setup: gateway([ch4(1000), kdg4(100)]), want: [] },
  ])('$name', ({ setup, want }) => expect(armedWarnings(setup)).toEqual(want))
})

describe('renderSummary: what armed reads leave on each bus', () => {
  const busLines = (text: string) => {
    const { config, problems } = parseConfig('site.yaml', text)
    expect(problems.map(formatProblem)).toEqual([])
    return renderSummary(config!).split('\n').filter((l) => l.startsWith('  bus'))
  }

  it('says it on the line of every bus with a source that can arm', () => {
    expect(busLines(`gateway: { id: gw1, site: site1 }
buses:
  - { id: line1, type: rtu, path: /dev/ttyUSB0, baud: 9600 }
  - { id: line2, type: rtu, path: /dev/ttyUSB1, baud: 9600 }
  - { id: line3, type: rtu, path: /dev/ttyUSB2, baud: 9600, armedShare: 0 }
  - { id: gw, type: tcp, host: 10.0.0.5 }
  - { id: plc, type: tcp, host: 10.0.0.6 }
devices:
  - { id: cut, bus: line1, unit: 5, profile: generic-kdg4-power-cut-controller, pollMs: 150 }
  - { id: ch4-1, bus: line1, unit: 1, profile: ccri-gjc4-catalytic-methane }
  - { id: ch4-2, bus: line2, unit: 1, profile: ccri-gjc4-catalytic-methane }
  - { id: ch4-3, bus: line3, unit: 1, profile: ccri-gjc4-catalytic-methane }
  - { id: ch4-4, bus: gw, unit: 1, profile: ccri-gjc4-catalytic-methane }
  - { id: sis, bus: plc, unit: 1, profile: generic-sis-plc16-reactor-interlock }
interlocks:
  - id: cut-1
    when:
      - { device: ch4-1, channel: ch4, above: 1.5 }
      - { device: ch4-2, channel: ch4, above: 1.5 }
      - { device: ch4-3, channel: ch4, above: 1.5 }
      - { device: ch4-4, channel: ch4, above: 1.5 }
    action: { device: cut, channel: cut_1, value: true }
`)).toEqual([
      '  bus line1  rtu /dev/ttyUSB0 9600 8N1  2 devices  wire load 0.82 s/s, cycle at least 168 ms; armed reads ≤ 50 %, others stretch ×1.65',
      '  bus line2  rtu /dev/ttyUSB1 9600 8N1  1 device   wire load 0.05 s/s, cycle at least 53 ms; armed reads ≤ 50 %, others keep their periods',
      '  bus line3  rtu /dev/ttyUSB2 9600 8N1  1 device   wire load 0.05 s/s, cycle at least 53 ms; armed reading off',
      '  bus gw     tcp 10.0.0.5:502           1 device   armed reads ≤ 50 %, others keep their periods',
      '  bus plc    tcp 10.0.0.6:502           1 device',
    ])
  })
})
