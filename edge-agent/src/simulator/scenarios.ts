import type { AlarmLevel, Channel } from '../../../hardware-profiles/index.ts'

export const SCENARIOS = ['static', 'steady', 'leak', 'fault', 'flatline', 'offline', 'warm-up', 'stuck', 'gas-test'] as const
export type ScenarioName = (typeof SCENARIOS)[number]

export const SCENARIO_HELP: Record<ScenarioName, string> = {
  static: 'serves the profile\'s first test vector exactly (what interop tests compare against)',
  steady: 'normal readings around the first test vector, fluctuating by each channel\'s simulate.noise',
  leak: 'gas channels ramp through every alarm level to a peak, hold, and ramp back, once per --period-s',
  fault: 'the device reports a fault: its fault flag or "no sensor" sentinel, else exception 04 to every read',
  flatline: 'readings frozen at one steady value, as a covered or stuck sensor would report',
  offline: 'the unit never answers',
  'warm-up': 'reports warming-up for --warmup-s seconds (default the profile\'s warmUpSeconds), then steady',
  stuck: 'acknowledges every write normally, but its outputs and feedback inputs never change (a relay that ignores the write)',
  'gas-test': 'clean air (0 for a gas alarmed high, the test vector for oxygen) until test gas is applied through --control; the reading follows it with T90 --gas-t90-s and returns when removed',
}

export const isScenario = (name: string): name is ScenarioName => (SCENARIOS as readonly string[]).includes(name)

/** A small seeded generator, so a simulation is repeatable. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Fluctuation around `base` at time `tMs`: smooth, bounded by ±noise, different per phase seed. */
export function steadyValue(base: number, noise: number, tMs: number, phase: number): number {
  if (noise === 0) return base
  const slow = Math.sin((2 * Math.PI * tMs) / 17_000 + phase)
  const fast = Math.sin((2 * Math.PI * tMs) / 2_300 + phase * 3.7)
  return base + noise * (0.7 * slow + 0.3 * fast)
}

/** Where a leak ramps a channel to: past every level in its direction, inside the measuring range. */
export function leakPeak(channel: Channel, base: number): number | undefined {
  const levels = channel.alarms ?? []
  const low = levels.filter((l: AlarmLevel) => l.direction === 'low').map((l) => l.value)
  const high = levels.filter((l: AlarmLevel) => l.direction === 'high').map((l) => l.value)
  if (low.length > 0) {
    const lowest = Math.min(...low)
    const target = lowest - Math.max(Math.abs(base - lowest) * 0.2, Math.abs(lowest) * 0.05)
    return channel.range ? Math.max(channel.range.min, target) : target
  }
  if (high.length > 0) {
    const highest = Math.max(...high)
    const target = highest + Math.max(Math.abs(highest - base) * 0.2, Math.abs(highest) * 0.1)
    return channel.range ? Math.min(channel.range.max, target) : target
  }
  return undefined
}

/** The leak profile over one period: ramp up for 40 %, hold 20 %, ramp down for 40 %. */
export function leakValue(base: number, peak: number, tMs: number, periodMs: number): number {
  const p = (tMs % periodMs) / periodMs
  if (p < 0.4) return base + ((peak - base) * p) / 0.4
  if (p < 0.6) return peak
  return peak + ((base - peak) * (p - 0.6)) / 0.4
}
