import type { AlarmLevel, Unit } from '../../../hardware-profiles/schema.ts'

/**
 * Alarm presets by sensor role: what an installer picks per channel ("T1 longwall face") instead of
 * typing set points. Each level cites the standard and clause it comes from.
 * A level's `restore` is where it clears (high: below it; low: above it); a preset gives one only where
 * the standard states a deadband, otherwise restore = value and the source says so.
 */

interface PresetParam {
  name: string
  description: string
  /** the installer must give it; an optional one has a derived or no value */
  required: boolean
  /** smallest value that makes sense */
  min?: number
}

export interface AlarmPreset {
  /** kebab-case, what the config names */
  id: string
  name: { en: string; zh: string }
  /** the unit the channel must have */
  unit: Unit
  /** the standard the figures come from, in short (each level cites its clause) */
  standard: string
  /** site figures the installer gives */
  params: PresetParam[]
  /** the levels for the given params (every required one present), least severe first within each direction */
  levels(params: Readonly<Record<string, number>>): AlarmLevel[]
  /** the levels in words, for presets whose figures depend on params */
  summary?: string
}

const CH4_TABLE = '煤矿安全规程 2016, CH4 alarm / power-off / restore table'

/** A coal-mine methane role from the 煤矿安全规程 2016 table: alarm and power-off, both clearing below `restore`. */
function methaneRole(id: string, en: string, zh: string, row: string, alarm: number, powerOff: number, restore: number, note = ''): AlarmPreset {
  const cite = (what: string) => `${CH4_TABLE}, ${row}: ${what}${note}`
  return {
    id,
    name: { en, zh },
    unit: '%CH4',
    standard: '煤矿安全规程 2016 CH4 table',
    params: [],
    levels: () => [
      { level: 'alarm', direction: 'high', value: alarm, restore: Math.min(alarm, restore), source: cite(`alarm >=${alarm.toFixed(1)} %, restore <${restore.toFixed(1)} %`) },
      { level: 'power-off', direction: 'high', value: powerOff, restore, source: cite(`power-off >=${powerOff.toFixed(1)} %, restore <${restore.toFixed(1)} %`) },
    ],
  }
}

/** Two GB/T 50493-2019 §5.5.2 levels with no stated deadband. */
function twoLevels(id: string, en: string, zh: string, unit: Unit, level1: number, level2: number, what: string): AlarmPreset {
  const cite = (n: 1 | 2, value: number) => `GB/T 50493-2019 §5.5.2: ${what} level ${n} ${value} ${unit}; no deadband stated, restore = value`
  return {
    id,
    name: { en, zh },
    unit,
    standard: 'GB/T 50493-2019 §5.5.2',
    params: [],
    levels: () => [
      { level: 'level-1', direction: 'high', value: level1, source: cite(1, level1) },
      { level: 'level-2', direction: 'high', value: level2, source: cite(2, level2) },
    ],
  }
}

const toxic = (gas: string, zh: string, level1: number, level2: number) =>
  twoLevels(`gbt50493-toxic-${gas.toLowerCase()}`, `${gas} toxic gas, petrochemical (GB/T 50493)`, `${zh}有毒气体 (GB/T 50493)`, 'mg/m3', level1, level2,
    `toxic level 1 <=100 % OEL, level 2 <=200 % OEL; example ${gas} ${level1}/${level2} mg/m3 [S];`)

const GB51108 = 'GB 51108-2015 warning levels blue → yellow → orange → red'

/** Tailings warning levels: red from the dam design, orange derived from red, yellow and blue from the design when given. */
function tailingsLevels(direction: 'high' | 'low', params: Readonly<Record<string, number>>, orangeFactor: number, orangeRule: string): AlarmLevel[] {
  const red = params.red!
  const orange = params.orange ?? Math.round(red * orangeFactor * 1e9) / 1e9
  const design = (level: string) => `${GB51108}; ${level} from the dam design (site param); no deadband stated, restore = value`
  const levels: AlarmLevel[] = []
  if (params.blue !== undefined) levels.push({ level: 'blue', direction, value: params.blue, source: design('blue') })
  if (params.yellow !== undefined) levels.push({ level: 'yellow', direction, value: params.yellow, source: design('yellow') })
  levels.push({ level: 'orange', direction, value: orange, source: params.orange === undefined ? `GB 51108-2015: ${orangeRule}; no deadband stated, restore = value` : design('orange') })
  levels.push({ level: 'red', direction, value: red, source: design('red') })
  return levels
}

const designParam = (name: string, description: string, required = false): PresetParam => ({ name, description, required, min: 0 })

export const ALARM_PRESETS: readonly AlarmPreset[] = [
  methaneRole('coal-ch4-t0-upper-corner', 'Coal mine CH4, upper corner (T0)', '煤矿甲烷 上隅角 T0', 'upper corner (T0)', 1.0, 1.5, 1.0,
    '; [U: one copy prints restore <1.5 %; the stricter <1.0 % is used]'),
  methaneRole('coal-ch4-t1-longwall-face', 'Coal mine CH4, longwall face (T1)', '煤矿甲烷 回采工作面 T1', 'longwall face (T1)', 1.0, 1.5, 1.0),
  methaneRole('coal-ch4-t2-face-return', 'Coal mine CH4, face return airway (T2)', '煤矿甲烷 回采工作面回风巷 T2', 'face return airway (T2)', 1.0, 1.0, 1.0),
  methaneRole('coal-ch4-t3-intake-high-gas', 'Coal mine CH4, intake of a high-gas / outburst mine (T3)', '煤矿甲烷 高瓦斯及突出矿井进风巷 T3', 'intake airway, high-gas / outburst mine (T3)', 0.5, 0.5, 0.5),
  methaneRole('coal-ch4-t4-series-intake', 'Coal mine CH4, intake of a series-ventilated face (T4)', '煤矿甲烷 串联通风工作面进风巷 T4', 'intake of a series-ventilated face (T4)', 0.5, 0.5, 0.5),
  methaneRole('coal-ch4-t7-drainage-roadway', 'Coal mine CH4, gas-drainage roadway (T7)', '煤矿甲烷 瓦斯抽放巷 T7', 'gas-drainage roadway (T7)', 2.5, 2.5, 2.5),
  methaneRole('coal-ch4-heading-face', 'Coal mine CH4, heading face (T1)', '煤矿甲烷 掘进工作面 T1', 'heading face (T1)', 1.0, 1.5, 1.0),
  methaneRole('coal-ch4-heading-return', 'Coal mine CH4, heading return (T2)', '煤矿甲烷 掘进工作面回风流 T2', 'heading return (T2)', 1.0, 1.0, 1.0),
  methaneRole('coal-ch4-shearer', 'Coal mine CH4, shearer-mounted', '煤矿甲烷 采煤机', 'shearer-mounted', 1.0, 1.5, 1.0),
  {
    id: 'coal-co-underground',
    name: { en: 'Coal mine CO, underground air', zh: '煤矿井下一氧化碳' },
    unit: 'ppm',
    standard: '煤矿安全规程 [S]',
    params: [],
    levels: () => [
      { level: 'alarm', direction: 'high', value: 24, source: `煤矿安全规程: CO underground must not exceed 24 ppm (0.0024 %) [S]; no deadband stated, restore = value` },
    ],
  },
  twoLevels('gbt50493-combustible', 'Combustible gas, petrochemical (GB/T 50493)', '可燃气体 (GB/T 50493)', '%LEL', 25, 50, 'combustible'),
  toxic('H2S', '硫化氢', 10, 20),
  toxic('CO', '一氧化碳', 20, 40),
  toxic('NH3', '氨', 20, 40),
  toxic('Cl2', '氯气', 1, 2),
  {
    id: 'gbt50493-oxygen',
    name: { en: 'Oxygen deficiency and enrichment (GB/T 50493)', zh: '缺氧及富氧 (GB/T 50493)' },
    unit: '%VOL',
    standard: 'GB/T 50493-2019 §5.5.2',
    params: [],
    levels: () => [
      { level: 'low', direction: 'low', value: 19.5, source: `GB/T 50493-2019 §5.5.2: O2 deficiency 19.5 %VOL; no deadband stated, restore = value` },
      { level: 'high', direction: 'high', value: 23.5, source: `GB/T 50493-2019 §5.5.2: O2 enrichment 23.5 %VOL; no deadband stated, restore = value` },
    ],
  },
  {
    id: 'tailings-phreatic-depth',
    name: { en: 'Tailings dam phreatic line depth', zh: '尾矿坝浸润线埋深' },
    unit: 'm',
    standard: 'GB 51108-2015',
    params: [
      designParam('red', 'control depth of the phreatic line from the dam design (red when the depth falls to it)', true),
      designParam('orange', 'orange depth; default 1.1 × red (GB 51108-2015)'),
      designParam('yellow', 'yellow depth from the dam design; deeper than orange; no yellow level without it'),
      designParam('blue', 'blue depth from the dam design; deeper than yellow; no blue level without it'),
    ],
    levels: (p) => tailingsLevels('low', p, 1.1, 'orange phreatic threshold = 1.1 × red'),
    summary: 'red ≤{red}, orange ≤1.1×red, yellow, blue by design',
  },
  {
    id: 'tailings-dam-displacement',
    name: { en: 'Tailings dam displacement', zh: '尾矿坝位移' },
    unit: 'mm',
    standard: 'GB 51108-2015',
    params: [
      designParam('red', 'displacement limit of the dam from its design', true),
      designParam('orange', 'orange displacement; default 0.8 × red (GB 51108-2015)'),
      designParam('yellow', 'yellow displacement from the dam design; below orange; no yellow level without it'),
      designParam('blue', 'blue displacement from the dam design; below yellow; no blue level without it'),
    ],
    levels: (p) => tailingsLevels('high', p, 0.8, 'orange displacement = 80 % of red'),
    summary: 'red ≥{red}, orange ≥0.8×red, yellow, blue by design',
  },
  {
    id: 'personnel-zone-overcapacity',
    name: { en: 'Personnel positioning: zone over capacity', zh: '人员定位 区域超员' },
    unit: 'count',
    standard: 'AQ 1119-2023 [S]',
    params: [{ name: 'max', description: 'the zone capacity set for the mine and shift; alarm at or above it', required: true, min: 1 }],
    levels: (p) => [
      { level: 'alarm', direction: 'high', value: p.max!, source: `AQ 1119-2023: area overcrowding (区域超员) alarm, capacity set per mine and shift [S]; restore = value` },
    ],
    summary: 'alarm ≥{max} persons',
  },
  {
    id: 'personnel-overtime',
    name: { en: 'Personnel positioning: overtime underground', zh: '人员定位 滞留超时' },
    unit: 'count',
    standard: 'AQ 1119-2023 [S]',
    params: [],
    levels: () => [
      { level: 'alarm', direction: 'high', value: 1, source: `AQ 1119-2023: overtime underground (滞留超时) alarm [S]; one overtime card is enough; restore = value` },
    ],
  },
  {
    id: 'vapor-tank-overpressure',
    name: { en: 'Vapour recovery: tank pressure above the P/V valve', zh: '油气回收 油罐压力超压' },
    unit: 'Pa',
    standard: 'GB 20952-2020 appendix E [S]',
    params: [{ name: 'pvValvePa', description: 'positive opening pressure of the tank\'s P/V valve, Pa (nameplate)', required: true, min: 0 }],
    levels: (p) => [
      {
        level: 'alarm', direction: 'high', value: p.pvValvePa! + 200, onDelayMs: 300_000,
        source: `GB 20952-2020 appendix E: tank pressure above the P/V valve pressure +200 Pa for 5 min → alarm [S, vendor firmware]; restore = value`,
      },
    ],
    summary: 'alarm ≥{pvValvePa}+200 Pa for 5 min',
  },
]

export const presetById = (id: string): AlarmPreset | undefined => ALARM_PRESETS.find((p) => p.id === id)

/** `alarm ≥1, power-off ≥1.5 (restore <1)` */
export function levelsSummary(levels: readonly AlarmLevel[]): string {
  return levels.map((l) => {
    const sign = l.direction === 'high' ? '≥' : '≤'
    const restore = l.restore !== undefined && l.restore !== l.value ? ` (restore ${l.direction === 'high' ? '<' : '>'}${l.restore})` : ''
    const delay = l.onDelayMs ? ` for ${l.onDelayMs / 60_000} min` : ''
    return `${l.level} ${sign}${l.value}${restore}${delay}`
  }).join(', ')
}
