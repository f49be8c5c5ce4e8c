/**
 * The values a unit can take on a real device: the full physical range where the unit has one (a gas
 * fraction cannot exceed 100 %), else a generous bound of what the field meets. A word-order candidate
 * reading outside it is no measurement. `undefined`: the unit alone bounds nothing (a ratio, a bare
 * number); only the generic magnitude check applies.
 */
import type { Unit } from '../../../hardware-profiles/index.ts'

export interface UsualRange {
  min: number
  max: number
  /** where the bounds come from, for the README and for a reviewer */
  basis: string
}

/** A unit the installer names for a channel (`--unit-hint`): one of the profile units. */
export type UnitHint = Unit

const YEAR_H = 24 * 365.25
const GAUGE_VACUUM_PA = -101_325

export const USUAL_RANGES: Record<Unit, UsualRange | undefined> = {
  '%CH4': { min: 0, max: 100, basis: 'a volume fraction' },
  '%VOL': { min: 0, max: 100, basis: 'a volume fraction' },
  '%LEL': { min: 0, max: 100, basis: 'detectors saturate at 100 %LEL' },
  ppm: { min: 0, max: 1_000_000, basis: 'a volume fraction: 1 000 000 ppm is the pure gas' },
  'mg/m3': { min: 0, max: 10_000_000, basis: 'a pure heavy gas at 1 atm is about 6 kg/m3' },
  degC: { min: -273.15, max: 3000, basis: 'absolute zero to beyond a thermocouple\'s reach' },
  '%RH': { min: 0, max: 100, basis: 'a relative humidity' },
  Pa: { min: GAUGE_VACUUM_PA, max: 1e9, basis: 'full vacuum (gauge) to 1 GPa, beyond any hydraulic line' },
  kPa: { min: GAUGE_VACUUM_PA / 1e3, max: 1e6, basis: 'full vacuum (gauge) to 1 GPa' },
  MPa: { min: GAUGE_VACUUM_PA / 1e6, max: 1000, basis: 'full vacuum (gauge) to 1 GPa' },
  m: { min: -10_000, max: 100_000, basis: 'below the deepest mine to a long-range distance' },
  mm: { min: -10_000_000, max: 100_000_000, basis: 'the metre range in mm' },
  'm3/h': { min: -10_000_000, max: 10_000_000, basis: 'either direction, beyond a mine\'s main fan' },
  'L/min': { min: -100_000_000, max: 100_000_000, basis: 'the m3/h range in L/min, rounded up' },
  m3: { min: 0, max: 1e12, basis: 'a totaliser' },
  'mm/h': { min: 0, max: 2000, basis: 'beyond the heaviest rain recorded' },
  'mm/d': { min: -10_000, max: 10_000, basis: 'daily rain or a displacement rate, either direction' },
  'm/s': { min: -200, max: 200, basis: 'air or water speed either way, beyond any storm' },
  V: { min: -1_000_000, max: 1_000_000, basis: 'up to transmission voltages' },
  mA: { min: -1_000_000, max: 1_000_000, basis: 'up to 1 kA' },
  A: { min: -100_000, max: 100_000, basis: 'up to 100 kA' },
  kW: { min: -1_000_000, max: 1_000_000, basis: 'up to 1 GW, either direction' },
  h: { min: 0, max: 100 * YEAR_H, basis: 'a duration up to 100 years' },
  min: { min: 0, max: 100 * YEAR_H * 60, basis: 'a duration up to 100 years' },
  s: { min: 0, max: 100 * YEAR_H * 3600, basis: 'a duration up to 100 years' },
  d: { min: 0, max: 100 * 365.25, basis: 'a duration up to 100 years' },
  count: { min: 0, max: 0xffffffff, basis: 'a uint32 counter' },
  ratio: undefined,
  '%': { min: 0, max: 100, basis: 'a share of a whole: battery, cell life, pass rate' },
  '': undefined,
}
