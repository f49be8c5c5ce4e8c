/**
 * Which word order a float32 register pair is in, judged from repeated reads of it: the right order
 * reads a plausible measurement that changes smoothly; a wrong one puts mantissa bytes into the
 * exponent, so it reads denormals, absurd magnitudes or NaN, and jumps by orders of magnitude as
 * the low bytes change. Pure: the reads come in, a judgement with one sentence for the installer goes out.
 */
import { ModbusCodecError, WORD_ORDERS, type WordOrder } from '../../../protocols/modbus/index.ts'
import { float32In } from './decode-pair.ts'
import { float32Digits, formatNumber } from './format-number.ts'
import { USUAL_RANGES, type UnitHint, type UsualRange } from './usual-ranges.ts'

/** Why a decoded value is no measurement. */
export type FloatProblem = 'not-finite' | 'denormal' | 'too-small' | 'too-large' | 'outside-unit-range'

/** Magnitudes a float measurement has; `max` applies only without a unit hint (the unit's range replaces it). */
export const PLAUSIBLE_MAGNITUDE = { min: 1e-6, max: 1e9 } as const
/** Between two reads, a value that changes by more than this share of itself (×10, or a sign flip) jumped. */
export const JUMP_SHARE = 0.9
/** With a unit hint, changes below this share of the unit's range are noise, never a jump (a reading around 0). */
export const NOISE_SHARE_OF_RANGE = 0.01
/**
 * Of several plausible, steady orders, one is clearly steadiest when every other changes this many times
 * more between reads. In the right order the changing bytes are the least significant; a byte swap moves
 * them one byte up (×256 in relative change), a word swap into the exponent.
 */
export const STEADIER_BY = 16
/**
 * Of several plausible, steady orders, one is clearly the device's when it alone reads a short decimal
 * (0.73) in every read: devices often compute their float from a count and a resolution, while a wrong
 * order of such a value needs 7–9 digits (a random float32 has ≤ 4 digits about 3 times in 10 000).
 */
export const SHORT_DECIMAL_DIGITS = 4

/**
 * When the two lowest bytes both change between reads, a byte swap moves only one of them up and can be
 * steadier than 1/16 of the right order's change. Then the right order still changes smoothly (a drifting
 * measurement: its steps between reads barely differ, Σ|second differences| ÷ Σ|steps| at most
 * SMOOTH_AT_MOST) while the swapped one zigzags (its higher byte now carries the fast-changing one: at least
 * ZIGZAG_AT_LEAST). Believed only from three reads on, and only when the smooth order is also the steadiest
 * by SMOOTH_STEADIER_BY: a noisy right order never loses to a wrong one that happened to look smooth.
 */
export const SMOOTH_AT_MOST = 0.25
export const ZIGZAG_AT_LEAST = 0.5
export const SMOOTH_STEADIER_BY = 2

const SMALLEST_NORMAL_FLOAT32 = 2 ** -126

export interface FloatOrderReading {
  order: WordOrder
  /** the float32 of each read, oldest first */
  values: number[]
  plausible: boolean
  /** why not plausible, each problem once (empty when plausible) */
  problems: FloatProblem[]
  /** no jump between consecutive reads (true with a single read: nothing to compare) */
  stable: boolean
  /** the largest relative change between consecutive non-zero reads (0: constant) */
  variation: number
}

/** How the believed order was told apart from the other plausible and steady ones. */
export type BeliefBasis = 'only-candidate' | 'steadiest' | 'smooth' | 'short-decimal'

export interface FloatOrderJudgement {
  orders: Record<WordOrder, FloatOrderReading>
  believed?: WordOrder
  basis?: BeliefBasis
  /** one sentence for the installer */
  why: string
}

export function floatProblem(value: number, range: UsualRange | undefined): FloatProblem | undefined {
  if (!Number.isFinite(value)) return 'not-finite'
  if (value === 0) return undefined
  const magnitude = Math.abs(value)
  if (magnitude < SMALLEST_NORMAL_FLOAT32) return 'denormal'
  if (magnitude < PLAUSIBLE_MAGNITUDE.min) return 'too-small'
  if (range) return value < range.min || value > range.max ? 'outside-unit-range' : undefined
  return magnitude > PLAUSIBLE_MAGNITUDE.max ? 'too-large' : undefined
}

const relativeChange = (a: number, b: number) => Math.abs(b - a) / Math.max(Math.abs(a), Math.abs(b))

function readingOf(order: WordOrder, samples: readonly (readonly number[])[], range: UsualRange | undefined): FloatOrderReading {
  const values = samples.map((words) => float32In(words, order))
  const problems = [...new Set(values.map((v) => floatProblem(v, range)).filter((p) => p !== undefined))]
  // zero reads the same in every order: it says nothing about this one, and 0 → 0.4 is no jump
  const nonZero = values.filter((v) => v !== 0)
  const noise = range ? (range.max - range.min) * NOISE_SHARE_OF_RANGE : 0
  let variation = 0
  let stable = true
  for (let i = 1; i < nonZero.length; i++) {
    const [a, b] = [nonZero[i - 1]!, nonZero[i]!]
    const change = Number.isFinite(a) && Number.isFinite(b) ? relativeChange(a, b) : Infinity
    variation = Math.max(variation, change)
    if (change > JUMP_SHARE && !(Math.abs(b - a) <= noise)) stable = false
  }
  return { order, values, plausible: problems.length === 0, problems, stable, variation }
}

function checkSamples(samples: readonly (readonly number[])[]): void {
  if (samples.length === 0) throw new ModbusCodecError('no reads to judge a word order from')
  for (const words of samples) {
    if (words.length !== 2 || !words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff)) {
      throw new ModbusCodecError(`a float32 read is two registers 0..65535, got [${words.join(', ')}]`)
    }
  }
}

const mostDigits = (reading: FloatOrderReading) => Math.max(...reading.values.map((v) => (v === 0 ? 1 : float32Digits(v))))
const hasShortDecimals = (reading: FloatOrderReading) => mostDigits(reading) <= SHORT_DECIMAL_DIGITS

/** How unevenly the reads step: Σ|second differences| ÷ Σ|steps| (0: even steps); undefined below three reads or without change. */
export function zigzag(reading: FloatOrderReading): number | undefined {
  const { values } = reading
  if (values.length < 3) return undefined
  const steps = values.slice(1).map((v, i) => v - values[i]!)
  const travel = steps.reduce((sum, d) => sum + Math.abs(d), 0)
  if (travel === 0 || !Number.isFinite(travel)) return undefined
  return steps.slice(1).reduce((sum, d, i) => sum + Math.abs(d - steps[i]!), 0) / travel
}

function choose(candidates: FloatOrderReading[]): { believed: FloatOrderReading; basis: BeliefBasis } | undefined {
  if (candidates.length === 1) return { believed: candidates[0]!, basis: 'only-candidate' }
  if (candidates.length === 0) return undefined
  const [steadiest, next] = [...candidates].sort((a, b) => a.variation - b.variation)
  if (next!.variation > 0 && steadiest!.variation * STEADIER_BY <= next!.variation) return { believed: steadiest!, basis: 'steadiest' }
  const others = candidates.filter((c) => c !== steadiest)
  const smooth = zigzag(steadiest!)
  if (smooth !== undefined && smooth <= SMOOTH_AT_MOST && steadiest!.variation * SMOOTH_STEADIER_BY <= next!.variation
    && others.every((c) => (zigzag(c) ?? 0) >= ZIGZAG_AT_LEAST)) return { believed: steadiest!, basis: 'smooth' }
  const short = candidates.filter(hasShortDecimals)
  if (short.length === 1) return { believed: short[0]!, basis: 'short-decimal' }
  return undefined
}

/**
 * Judge the word order of a float32 from repeated reads of the same two registers (oldest first),
 * optionally knowing the channel's unit. Throws ModbusCodecError when a read is not two registers.
 */
export function judgeFloatOrders(samples: readonly (readonly number[])[], hint?: UnitHint): FloatOrderJudgement {
  checkSamples(samples)
  const range = hint === undefined ? undefined : USUAL_RANGES[hint]
  const readings = WORD_ORDERS.map((order) => readingOf(order, samples, range))
  const orders = Object.fromEntries(readings.map((r) => [r.order, r])) as Record<WordOrder, FloatOrderReading>
  if (samples.every((words) => words[0] === 0 && words[1] === 0)) {
    return { orders, why: `the registers read 0 in every read, and 0 reads 0 in every order: they cannot tell the order; read them while the value is not 0` }
  }
  const candidates = readings.filter((r) => r.plausible && r.stable)
  const choice = choose(candidates)
  const why = explain(readings, candidates, choice, { hint, range, reads: samples.length })
  return choice ? { orders, believed: choice.believed.order, basis: choice.basis, why } : { orders, why }
}

interface Context {
  hint: UnitHint | undefined
  range: UsualRange | undefined
  reads: number
}

const rangeText = ({ range, hint }: Context) => (range ? `${formatNumber(range.min)}–${formatNumber(range.max)} ${hint}` : '')

/** The values of a plausible (so finite) reading: one, or the least and the greatest. */
function valuesText(reading: FloatOrderReading, reads: number): string {
  const { values } = reading
  if (values.every((v) => Object.is(v, values[0]))) return reads === 1 ? formatNumber(values[0]!) : `${formatNumber(values[0]!)} in every read`
  const [low, high] = [Math.min(...values), Math.max(...values)]
  // a change in the seventh digit is still a change: show the digits that carry it
  const digits = formatNumber(low) === formatNumber(high) ? 9 : undefined
  return `${formatNumber(low, digits)} to ${formatNumber(high, digits)} over ${reads} reads`
}

const PROBLEM_TEXT: Record<FloatProblem, (context: Context) => string> = {
  'not-finite': () => 'not a number',
  denormal: () => 'denormal',
  'too-small': () => 'too small',
  'too-large': () => 'too large',
  'outside-unit-range': (context) => `outside ${rangeText(context)}`,
}

/** `-2.3e+20 (too large)`: the first read that shows what is wrong with a rejected or outdone order. */
function rejection(reading: FloatOrderReading, context: Context, choice: ReturnType<typeof choose>): string {
  const { values } = reading
  if (!reading.plausible) {
    const shown = values.find((v) => floatProblem(v, context.range) !== undefined)!
    return `${formatNumber(shown, 2)} (${PROBLEM_TEXT[floatProblem(shown, context.range)!](context)})`
  }
  if (!reading.stable) return `${valuesText(reading, context.reads)} (jumps between reads)`
  if (choice?.basis === 'steadiest') {
    const times = reading.variation / Math.max(choice.believed.variation, Number.MIN_VALUE)
    return `${valuesText(reading, context.reads)} (plausible too, but changes ${formatNumber(Number(times.toPrecision(2)))}× more between reads)`
  }
  if (choice?.basis === 'smooth') {
    return `${valuesText(reading, context.reads)} (plausible too, but zigzags between reads where ${choice.believed.order} changes smoothly)`
  }
  if (choice?.basis === 'short-decimal') {
    return `${valuesText(reading, context.reads)} (plausible too, but ${mostDigits(reading)} significant digits to ${choice.believed.order}'s ${mostDigits(choice.believed)})`
  }
  return valuesText(reading, context.reads)
}

function othersText(others: FloatOrderReading[], context: Context, choice: ReturnType<typeof choose>): string {
  return others.map((r, i) => `${r.order}${i === 0 ? ' reads' : ''} ${rejection(r, context, choice)}`).join(', ')
}

function explain(readings: FloatOrderReading[], candidates: FloatOrderReading[], choice: ReturnType<typeof choose>, context: Context): string {
  if (choice) {
    const { believed } = choice
    const within = context.range ? `, within ${rangeText(context)}` : ''
    const others = readings.filter((r) => r !== believed)
    return `${believed.order}: ${valuesText(believed, context.reads)}${within}; ${othersText(others, context, choice)}`
  }
  if (candidates.length === 0) {
    return `no order reads a plausible, steady value: ${othersText(readings, context, undefined)}; check the table, the address and that it is a float32`
  }
  const names = candidates.map((r) => r.order)
  const list = `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
  if (candidates.every((r) => r.values.every((v, i) => Object.is(v, candidates[0]!.values[i])))) {
    return `${list} read the same ${valuesText(candidates[0]!, context.reads)}: these bytes cannot tell the order; read them while the value changes`
  }
  const rest = readings.filter((r) => !candidates.includes(r))
  const readsText = candidates.map((r) => `${r.order} ${valuesText(r, context.reads)}`).join(', ')
  const hintAdvice = context.range ? 'read them while the value changes' : 'name the unit, or read them while the value changes'
  return `${list} are ${candidates.length === 2 ? 'both' : 'all'} plausible and steady (${readsText}); ${hintAdvice} to tell them apart${rest.length > 0 ? `; ${othersText(rest, context, undefined)}` : ''}`
}
