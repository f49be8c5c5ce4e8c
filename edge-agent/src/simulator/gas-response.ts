import type { Channel } from '../../../hardware-profiles/index.ts'

/** The T90 a gas-test device answers with unless told otherwise (`--gas-t90-s`). */
export const DEFAULT_GAS_T90_MS = 20_000

/**
 * A sensor's first-order response: after each change of the gas at its head, the reading moves from
 * where it stood toward the new target as target + (start - target)·e^(-(t - tChange)/τ), with
 * τ = T90 / ln 10, so it covers 90 % of any step in T90. Retargeting mid-rise starts the next step from
 * the value reached, so the reading never jumps. Time is passed in: the caller owns the clock.
 */
export class GasResponse {
  private readonly tauMs: number
  private start: number
  private changedAtMs: number
  private goal: number

  constructor(initial: number, t90Ms: number, nowMs: number) {
    if (!(t90Ms > 0)) throw new RangeError(`T90 must be positive, got ${t90Ms} ms`)
    this.tauMs = t90Ms / Math.LN10
    this.start = initial
    this.goal = initial
    this.changedAtMs = nowMs
  }

  /** Where the reading is heading. */
  get target(): number {
    return this.goal
  }

  valueAt(nowMs: number): number {
    const elapsedMs = Math.max(0, nowMs - this.changedAtMs)
    return this.goal + (this.start - this.goal) * Math.exp(-elapsedMs / this.tauMs)
  }

  retarget(target: number, nowMs: number): void {
    this.start = this.valueAt(nowMs)
    this.changedAtMs = nowMs
    this.goal = target
  }
}

/**
 * What the channel reads in clean air: zero for a gas alarmed on the way up (methane, CO, H2S,
 * combustibles); the profile's first test vector for anything else (oxygen, alarmed on the way down,
 * reads 20.9), always inside the measuring range.
 */
export function cleanAirValue(channel: Channel, vectorValue: number): number {
  const directions = new Set((channel.alarms ?? []).map((level) => level.direction))
  const clean = directions.has('high') && !directions.has('low') ? 0 : vectorValue
  return clampToRange(channel, clean)
}

export function clampToRange(channel: Channel, value: number): number {
  return channel.range ? Math.min(channel.range.max, Math.max(channel.range.min, value)) : value
}

/** `value` with uniform noise of ±`amplitude` drawn from `random` (a seeded generator in [0, 1)). */
export function withNoise(value: number, amplitude: number, random: () => number): number {
  return amplitude === 0 ? value : value + amplitude * (2 * random() - 1)
}
