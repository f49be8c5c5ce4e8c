import { describe, expect, it } from 'vitest'
import { UNITS } from '../../../hardware-profiles/schema.ts'
import { ALARM_PRESETS, levelsSummary, presetById } from '../../../edge-agent/src/alarms/presets.ts'
import { findPreset, renderPresetList, renderPresetShow } from '../../../edge-agent/src/cli/presets.ts'
import { UsageError } from '../../../protocols/cli/index.ts'

const CITES_A_SOURCE = /GB(\/T)? \d|AQ \d|MT\/T \d|煤矿安全规程/u

/** Every preset's levels with each required param at a sample figure. */
const levelsOf = (preset: (typeof ALARM_PRESETS)[number]) =>
  preset.levels(Object.fromEntries(preset.params.filter((p) => p.required).map((p) => [p.name, ({ red: 10, max: 40, pvValvePa: 750 } as Record<string, number>)[p.name] ?? 1])))

/** 煤矿安全规程 2016, the CH4 table: alarm, power-off, restore, in %CH4. */
const COAL_TABLE: Record<string, [alarm: number, powerOff: number, restore: number]> = {
  'coal-ch4-t1-longwall-face': [1.0, 1.5, 1.0],
  'coal-ch4-t0-upper-corner': [1.0, 1.5, 1.0],
  'coal-ch4-t2-face-return': [1.0, 1.0, 1.0],
  'coal-ch4-t3-intake-high-gas': [0.5, 0.5, 0.5],
  'coal-ch4-t4-series-intake': [0.5, 0.5, 0.5],
  'coal-ch4-t7-drainage-roadway': [2.5, 2.5, 2.5],
  'coal-ch4-heading-face': [1.0, 1.5, 1.0],
  'coal-ch4-heading-return': [1.0, 1.0, 1.0],
  'coal-ch4-shearer': [1.0, 1.5, 1.0],
}

describe('the alarm preset catalog', () => {
  it('has unique kebab-case ids, names in both languages and a unit from the allow-list', () => {
    const ids = ALARM_PRESETS.map((p) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const preset of ALARM_PRESETS) {
      expect(preset.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/u)
      expect(preset.name.en.length, preset.id).toBeGreaterThan(3)
      expect(preset.name.zh, preset.id).toMatch(/[\u4e00-\u9fff]/u)
      expect(UNITS, preset.id).toContain(preset.unit)
      expect(preset.standard, preset.id).toMatch(CITES_A_SOURCE)
    }
  })

  it('cites a standard for every level, and no file the user does not have', () => {
    for (const preset of ALARM_PRESETS) {
      const levels = levelsOf(preset)
      expect(levels.length, preset.id).toBeGreaterThan(0)
      for (const level of levels) {
        expect(level.source, `${preset.id} ${level.level}`).toMatch(CITES_A_SOURCE)
        expect(level.source, `${preset.id} ${level.level}`).not.toMatch(/\b[\w-]+\.md\b/u)
      }
    }
  })

  it('lists levels least severe first, with restore on the safe side', () => {
    for (const preset of ALARM_PRESETS) {
      const levels = levelsOf(preset)
      for (const direction of ['high', 'low'] as const) {
        const values = levels.filter((l) => l.direction === direction).map((l) => l.value)
        expect(values, `${preset.id} ${direction}`).toEqual([...values].sort((a, b) => (direction === 'high' ? a - b : b - a)))
      }
      for (const level of levels) {
        if (level.restore === undefined) continue
        if (level.direction === 'high') expect(level.restore, `${preset.id} ${level.level}`).toBeLessThanOrEqual(level.value)
        else expect(level.restore, `${preset.id} ${level.level}`).toBeGreaterThanOrEqual(level.value)
      }
    }
  })

  it('describes every param, and summarises the presets that need one', () => {
    for (const preset of ALARM_PRESETS) {
      for (const param of preset.params) expect(param.description.length, `${preset.id} ${param.name}`).toBeGreaterThan(10)
      if (preset.params.some((p) => p.required)) expect(preset.summary, preset.id).toBeDefined()
    }
  })

  it.each(Object.entries(COAL_TABLE))('%s matches the 煤矿安全规程 2016 CH4 table', (id, [alarm, powerOff, restore]) => {
    const preset = presetById(id)!
    expect(preset.unit).toBe('%CH4')
    expect(preset.levels({}).map((l) => [l.level, l.direction, l.value, l.restore ?? l.value])).toEqual([
      ['alarm', 'high', alarm, restore],
      ['power-off', 'high', powerOff, restore],
    ])
  })

  it('has the GB/T 50493-2019 §5.5.2 figures, the CO limit and the O2 band', () => {
    const figures = (id: string) => presetById(id)!.levels({}).map((l) => [l.level, l.direction, l.value])
    expect(figures('coal-co-underground')).toEqual([['alarm', 'high', 24]])
    expect(presetById('coal-co-underground')!.unit).toBe('ppm')
    expect(figures('gbt50493-combustible')).toEqual([['level-1', 'high', 25], ['level-2', 'high', 50]])
    expect(presetById('gbt50493-combustible')!.unit).toBe('%LEL')
    const toxic: Record<string, [number, number]> = { h2s: [10, 20], co: [20, 40], nh3: [20, 40], cl2: [1, 2] }
    for (const [gas, [l1, l2]] of Object.entries(toxic)) {
      expect(presetById(`gbt50493-toxic-${gas}`)!.unit).toBe('mg/m3')
      expect(figures(`gbt50493-toxic-${gas}`)).toEqual([['level-1', 'high', l1], ['level-2', 'high', l2]])
    }
    expect(figures('gbt50493-oxygen')).toEqual([['low', 'low', 19.5], ['high', 'high', 23.5]])
    expect(presetById('gbt50493-oxygen')!.unit).toBe('%VOL')
  })

  it('derives the tailings orange level from red (GB 51108-2015), and takes yellow and blue from the design', () => {
    const phreatic = presetById('tailings-phreatic-depth')!
    expect(phreatic.params.find((p) => p.name === 'red')!.required).toBe(true)
    expect(phreatic.levels({ red: 4 }).map((l) => [l.level, l.direction, l.value])).toEqual([['orange', 'low', 4.4], ['red', 'low', 4]])
    expect(phreatic.levels({ red: 4, yellow: 6, blue: 8 }).map((l) => [l.level, l.value])).toEqual([['blue', 8], ['yellow', 6], ['orange', 4.4], ['red', 4]])
    expect(phreatic.levels({ red: 4, orange: 5 }).find((l) => l.level === 'orange')!.value).toBe(5)
    expect(phreatic.levels({ red: 4 })[0]!.source).toContain('1.1 × red')

    const displacement = presetById('tailings-dam-displacement')!
    expect(displacement.levels({ red: 100, yellow: 60, blue: 40 }).map((l) => [l.level, l.direction, l.value])).toEqual([
      ['blue', 'high', 40], ['yellow', 'high', 60], ['orange', 'high', 80], ['red', 'high', 100],
    ])
    expect(displacement.levels({ red: 85 }).find((l) => l.level === 'orange')!.value).toBe(68)
  })

  it('sets personnel and vapour-recovery levels from their params', () => {
    expect(presetById('personnel-zone-overcapacity')!.levels({ max: 40 }).map((l) => [l.level, l.value])).toEqual([['alarm', 40]])
    expect(presetById('personnel-overtime')!.levels({}).map((l) => [l.level, l.value])).toEqual([['alarm', 1]])
    const [vapour] = presetById('vapor-tank-overpressure')!.levels({ pvValvePa: 750 })
    expect(vapour).toMatchObject({ level: 'alarm', direction: 'high', value: 950, onDelayMs: 300_000 })
  })
})

describe('edge-agent presets (formatting)', () => {
  it('lists every preset with its unit, levels and standard', () => {
    const text = renderPresetList()
    expect(text).toMatch(/^id +unit +levels +source$/mu)
    expect(text).toMatch(/^coal-ch4-t1-longwall-face +%CH4 +alarm ≥1, power-off ≥1\.5 \(restore <1\) +煤矿安全规程 2016 CH4 table$/mu)
    expect(text).toMatch(/^tailings-phreatic-depth +m +red ≤\{red\}, orange ≤1\.1×red/mu)
    expect(text).toContain(`${ALARM_PRESETS.length} presets`)
    for (const preset of ALARM_PRESETS) expect(text).toContain(preset.id)
  })

  it('shows one preset with each level\'s source and the params', () => {
    const t0 = renderPresetShow(findPreset('coal-ch4-t0-upper-corner'))
    expect(t0).toContain('unit: %CH4')
    expect(t0).toMatch(/power-off +high-going ≥1\.5, restore <1/u)
    expect(t0).toContain('source: 煤矿安全规程 2016')
    const tailings = renderPresetShow(findPreset('tailings-phreatic-depth'))
    expect(tailings).toMatch(/^ {2}red +required +control depth/mu)
    expect(tailings).toMatch(/^ {2}yellow +optional/mu)
    expect(tailings).toContain('params: { red: … }')
  })

  it('says which presets are near an unknown id', () => {
    expect(() => findPreset('t0-upper-corner')).toThrow(UsageError)
    expect(() => findPreset('t0-upper-corner')).toThrow('did you mean coal-ch4-t0-upper-corner?')
  })

  it('summarises levels with restore and delay', () => {
    expect(levelsSummary(presetById('vapor-tank-overpressure')!.levels({ pvValvePa: 0 }))).toBe('alarm ≥200 for 5 min')
  })
})
