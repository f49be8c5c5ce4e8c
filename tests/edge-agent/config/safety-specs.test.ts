import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULTS, loadConfigFile, parseConfig, safetySpecs, type ResolvedConfig } from '../../../edge-agent/src/config/index.ts'
import { formatProblem } from '../../../protocols/validation/index.ts'

const ROOT = join(import.meta.dirname, '../../..')
const example = (name: string) => safetySpecs(loadConfigFile(join(ROOT, 'examples', `${name}.yaml`)))

function valid(text: string): ResolvedConfig {
  const { config, problems } = parseConfig('site.yaml', text)
  expect(problems.map(formatProblem)).toEqual([])
  return config!
}

const HEAD = `gateway: { id: gw1, site: site1 }
buses:
  - { id: line1, type: rtu, path: /dev/ttyUSB0, baud: 9600, timeoutMs: 200, retries: 2 }
  - { id: plc, type: tcp, host: 10.0.0.5 }
devices:
  - { id: cut-1, bus: line1, unit: 2, profile: generic-kdg4-power-cut-controller }
  - { id: sis, bus: plc, unit: 1, profile: generic-sis-plc16-reactor-interlock, pollMs: 500 }
`
const withMethane = (extra = '') => `${HEAD}  - id: ch4-1
    bus: line1
    unit: 1
    profile: ccri-gjc4-catalytic-methane
    pollMs: 2000
${extra}`

const levels = (spec: { levels: { level: string; value: number; restore: number }[] } | undefined) => spec?.levels.map((l) => [l.level, l.value, l.restore])

describe('safetySpecs: alarms', () => {
  it('takes the profile defaults, with a sensor-fault alarm and no delays', () => {
    const specs = safetySpecs(valid(withMethane()))
    const ch4 = specs.alarms.find((a) => a.device === 'ch4-1' && a.channel === 'ch4')!
    expect(ch4).toMatchObject({ unit: '%CH4', sensorFault: { onDelayMs: DEFAULTS.sensorFaultOnDelayMs, latch: false } })
    expect(ch4.preset).toBeUndefined()
    expect(levels(ch4)).toEqual([['alarm', 1, 1], ['power-off', 1.5, 1]])
    expect(ch4.levels.every((l) => l.onDelayMs === 0 && l.offDelayMs === 0 && !l.latch)).toBe(true)
    expect(ch4.rateOfRise).toBeUndefined()
    expect(ch4.flatline).toBeUndefined()
    // channels without levels and not named in the config get no spec
    expect(specs.alarms.some((a) => a.device === 'cut-1')).toBe(false)
  })

  it('applies a preset, delays, latching, rate of rise, flatline and sensor fault from the config', () => {
    const specs = safetySpecs(valid(withMethane(`    alarms:
      ch4:
        preset: coal-ch4-t2-face-return
        onDelayMs: 2000
        latch: [power-off]
        rateOfRise: { perMinute: 0.4 }
        flatline: {}
        sensorFault: { onDelayMs: 5000, latch: true }
`)))
    const ch4 = specs.alarms.find((a) => a.channel === 'ch4')!
    expect(ch4.preset).toBe('coal-ch4-t2-face-return')
    expect(ch4.levels.map((l) => [l.level, l.value, l.restore, l.onDelayMs, l.offDelayMs, l.latch])).toEqual([
      ['alarm', 1, 1, 2000, 0, false],
      ['power-off', 1, 1, 2000, 0, true],
    ])
    expect(ch4.levels[0]!.source).toContain('face return airway (T2)')
    expect(ch4.rateOfRise).toEqual({ perMinute: 0.4, windowMs: 60_000, restorePerMinute: 0.2, latch: false, source: 'gateway config devices.ch4-1.alarms.ch4.rateOfRise' })
    expect(ch4.flatline).toEqual({ windowMs: 30 * 60_000, tolerance: 0 })
    expect(ch4.sensorFault).toEqual({ onDelayMs: 5000, latch: true })
  })

  it('lets explicit levels replace the profile\'s, sorted by severity within each direction', () => {
    const specs = safetySpecs(valid(withMethane(`    alarms:
      ch4:
        latch: true
        levels:
          - { level: power-off, direction: high, value: 1.2, restore: 0.8, source: site rule 2025-03 }
          - { level: low, direction: low, value: 0.01, source: site rule 2025-03 (stuck at zero) }
          - { level: alarm, direction: high, value: 0.8, offDelayMs: 10000, source: site rule 2025-03 }
          - { level: low-low, direction: low, value: 0, restore: 0.02, source: site rule 2025-03 }
`)))
    const ch4 = specs.alarms.find((a) => a.channel === 'ch4')!
    expect(ch4.levels.map((l) => [l.level, l.direction, l.value, l.restore, l.offDelayMs, l.latch])).toEqual([
      ['alarm', 'high', 0.8, 0.8, 10000, true],
      ['power-off', 'high', 1.2, 0.8, 0, true],
      ['low', 'low', 0.01, 0.01, 0, true],
      ['low-low', 'low', 0, 0.02, 0, true],
    ])
  })

  it('turns the sensor-fault alarm off with sensorFault: false, and gives one to a channel named only for it', () => {
    const specs = safetySpecs(valid(withMethane(`    alarms:
      ch4: { sensorFault: false }
      status: { flatline: { windowMinutes: 60, tolerance: 1 } }
`)))
    expect(specs.alarms.find((a) => a.channel === 'ch4')!.sensorFault).toBeUndefined()
    const status = specs.alarms.find((a) => a.channel === 'status')!
    expect(status).toMatchObject({ levels: [], sensorFault: { onDelayMs: 0, latch: false }, flatline: { windowMs: 3_600_000, tolerance: 1 } })
  })

  it('allows levels on a status bit, which compares as 1 / 0', () => {
    const specs = safetySpecs(valid(withMethane(`    alarms:
      element_fault:
        levels: [{ level: alarm, direction: high, value: 1, source: site rule 2025-03 }]
`)))
    expect(levels(specs.alarms.find((a) => a.channel === 'element_fault'))).toEqual([['alarm', 1, 1]])
  })

  it('resolves the example presets: coal T0 and T2, CO with a flatline, tailings orange from red, vapour pressure for 5 min', () => {
    const coal = example('coal-mine')
    const t0 = coal.alarms.find((a) => a.device === 'ch4-t1-1201' && a.channel === 'ch4')!
    expect(t0.preset).toBe('coal-ch4-t0-upper-corner')
    expect(t0.levels.map((l) => [l.level, l.value, l.restore, l.latch])).toEqual([['alarm', 1, 1, false], ['power-off', 1.5, 1, true]])
    expect(t0.rateOfRise?.perMinute).toBe(0.3)
    expect(coal.alarms.find((a) => a.device === 'ch4-t2-1201')!.preset).toBe('coal-ch4-t2-face-return')
    const co = coal.alarms.find((a) => a.device === 'co-1201' && a.channel === 'co')!
    expect(co).toMatchObject({ preset: 'coal-co-underground', flatline: { windowMs: 30 * 60_000, tolerance: 0 } })
    expect(levels(coal.alarms.find((a) => a.device === 'o2-main-intake' && a.channel === 'o2'))).toEqual([['low', 19.5, 19.8]])
    expect(levels(coal.alarms.find((a) => a.device === 'positioning-station-1' && a.channel === 'headcount_zone1'))).toEqual([['alarm', 40, 40]])

    const tailings = example('tailings-pond')
    const phreatic = tailings.alarms.find((a) => a.device === 'dam-crest-section-1' && a.channel === 'phreatic_depth')!
    expect(phreatic.levels.map((l) => [l.level, l.direction, l.value])).toEqual([['blue', 'low', 8], ['yellow', 'low', 6], ['orange', 'low', 4.4], ['red', 'low', 4]])
    expect(levels(tailings.alarms.find((a) => a.device === 'dam-crest-section-2' && a.channel === 'dam_displacement'))!.map(([l, v]) => [l, v]))
      .toEqual([['blue', 30], ['yellow', 50], ['orange', 64], ['red', 80]])

    const vapour = example('petrol-station').alarms.find((a) => a.channel === 'tank_pressure')!
    expect(vapour.levels).toMatchObject([{ level: 'alarm', value: 950, onDelayMs: 300_000 }])

    const chem = example('chemical-plant')
    expect(levels(chem.alarms.find((a) => a.device === 'cl2-chlorination' && a.channel === 'cl2'))).toEqual([['level-1', 1, 1], ['level-2', 2, 2]])
    expect(chem.alarms.find((a) => a.device === 'cl2-chlorination' && a.channel === 'cl2')!.levels.every((l) => l.latch)).toBe(true)
  })
})

describe('safetySpecs: interlocks', () => {
  const INTERLOCK = `interlocks:
  - id: t1
    when:
      - { device: ch4-1, channel: ch4, above: 1.5 }
      - { device: ch4-1, health: [offline, fault] }
    action: { device: cut-1, channel: cut_1, value: true }
`
  it('maps value and health conditions, and finds the profile\'s inverted feedback of the output', () => {
    const [spec] = safetySpecs(valid(withMethane() + INTERLOCK)).interlocks
    expect(spec!.conditions).toEqual([
      { kind: 'value', device: 'ch4-1', channel: 'ch4', op: 'above', value: 1.5 },
      { kind: 'health', device: 'ch4-1', states: ['offline', 'fault'] },
    ])
    // feed_1 follows cut_1 inverted: feed present while the breaker is closed
    expect(spec!.action).toEqual({
      device: 'cut-1', channel: 'cut_1', value: true, restoreValue: false, feedbackMs: DEFAULTS.feedbackMs,
      feedback: { device: 'cut-1', channel: 'feed_1', whenTripped: false, whenRestored: true },
    })
    expect(spec).toMatchObject({ mode: 'any', failSafe: true, restoreAfterMs: 0, manualReset: false, maxBypassMs: DEFAULTS.maxBypassMinutes * 60_000 })
    // ch4-1: 3 × 2000 ms + (2 retries + 1) × 200 ms
    expect(spec!.silentAfterMs).toBe(3 * 2000 + 3 * 200)
  })

  it('keeps a silentAfterMs, maxBypassMinutes and restoreValue the config gives, and reads back an output without feedback', () => {
    const text = `${withMethane()}interlocks:
  - id: cool
    when: [{ device: sis, channel: reactor_temperature, above: 90 }]
    action: { device: sis, channel: interlock_reset, value: 1, restoreValue: 0 }
    silentAfterMs: 4000
    maxBypassMinutes: 60
  - id: slow
    when: [{ device: sis, channel: reactor_pressure, above: 2 }, { device: ch4-1, channel: ch4, above: 1 }]
    action: { device: cut-1, channel: cut_2, value: true, feedback: { device: sis, channel: xv101_closed } }
`
    const [cool, slow] = safetySpecs(valid(text)).interlocks
    expect(cool).toMatchObject({ silentAfterMs: 4000, maxBypassMs: 3_600_000 })
    expect(cool!.action.feedback).toEqual({ device: 'sis', channel: 'interlock_reset', whenTripped: true, whenRestored: false })
    expect(cool!.action.restoreValue).toBe(0)
    // the slowest source: ch4-1 (3 × 2000 + 3 × 200) beats sis (3 × 500 + 2 × 1000)
    expect(slow!.silentAfterMs).toBe(6600)
    expect(slow!.action.feedback).toEqual({ device: 'sis', channel: 'xv101_closed', whenTripped: true, whenRestored: false })
  })

  it('resolves the coal-mine example interlocks with the KDG-4 feedback inverted', () => {
    const coal = example('coal-mine')
    const t1 = coal.interlocks.find((l) => l.id === 'ch4-t1-power-cut')!
    expect(t1.action.feedback).toEqual({ device: 'power-cut-1201', channel: 'feed_1', whenTripped: false, whenRestored: true })
    expect(t1).toMatchObject({ manualReset: true, failSafe: true, silentAfterMs: 3 * 1000 + 2 * 300 })
    const chem = example('chemical-plant').interlocks.find((l) => l.id === 'r101-gas-leak-feed-trip')!
    expect(chem.action.feedback).toEqual({ device: 'sis-r101', channel: 'xv101_closed', whenTripped: true, whenRestored: false })
  })
})

describe('safetySpecs: calibrations', () => {
  it('takes the profile interval and source, or the device\'s calibrationDays from the gateway config', () => {
    const coal = example('coal-mine')
    const co = coal.calibrations.find((c) => c.device === 'co-1201')!
    expect(co).toEqual({ device: 'co-1201', calibratedOn: '2025-11-20', intervalDays: 15, dueSoonDays: DEFAULTS.calibrationDueSoonDays, source: expect.stringContaining('煤矿安全规程 2016') })
    expect(coal.calibrations.find((c) => c.device === 'ch4-laser-return')).toMatchObject({ intervalDays: 90, source: 'gateway config' })
    // no calibratedOn: no duty tracked
    expect(coal.calibrations.some((c) => c.device === 'power-cut-1201')).toBe(false)
  })

  it('uses a per-device dueSoonDays, and the gateway time zone defaults to Asia/Shanghai', () => {
    const config = valid(withMethane('    calibratedOn: 2025-11-20\n    calibrationDays: 7\n    calibrationDueSoonDays: 1\n'))
    expect(config.gateway.timezone).toBe('Asia/Shanghai')
    expect(safetySpecs(config).calibrations).toEqual([{ device: 'ch4-1', calibratedOn: '2025-11-20', intervalDays: 7, dueSoonDays: 1, source: 'gateway config' }])
    expect(valid(withMethane().replace('site: site1 }', 'site: site1, timezone: Asia/Urumqi }')).gateway.timezone).toBe('Asia/Urumqi')
  })

  it('is pure: the same config gives equal specs', () => {
    const text = readFileSync(join(ROOT, 'examples/coal-mine.yaml'), 'utf8')
    const config = parseConfig(join(ROOT, 'examples/coal-mine.yaml'), text).config!
    expect(safetySpecs(config)).toEqual(safetySpecs(config))
  })
})
