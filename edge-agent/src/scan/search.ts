import { LIKELY_UNITS, settingLabel, type SerialSetting } from './settings.ts'

/** What one probe saw: data or an exception (a device is there), nothing, or bytes that made no frame. */
export type ProbeOutcome = 'answer' | 'exception' | 'silent' | 'garbled'

const present = (outcome: ProbeOutcome | undefined) => outcome === 'answer' || outcome === 'exception'

/** The line a search drives; undefined settings stand for a TCP connection, which has none. */
export interface ProbeLine {
  use(setting: SerialSetting | undefined): Promise<void>
  probe(unit: number, address: number, timeoutMs: number): Promise<ProbeOutcome>
}

export interface SearchPlan {
  /** in the order to try them; `[undefined]` on TCP */
  settings: readonly (SerialSetting | undefined)[]
  /** tried only when no likely id answered at any of `settings` (at once when exhaustive) */
  lastResort?: readonly SerialSetting[]
  units: readonly number[]
  /** sweep every id at every setting, not only where something answered */
  exhaustive: boolean
  timeoutMs(setting: SerialSetting | undefined): number
}

export interface SearchObserver {
  /** more probes were planned (the sweep, the confirmation of a setting) */
  planned?(probes: number, worstMs: number): void
  probed?(setting: SerialSetting | undefined, unit: number, outcome: ProbeOutcome): void
}

/** A device found: where, and how sure the setting is. */
export interface Find {
  unit: number
  setting: SerialSetting | undefined
  /** other settings it answered alike at: a line where parity or stop bits do not matter to it */
  alsoAt: SerialSetting[]
  /** what proved it there */
  answer: 'answer' | 'exception'
  /** found in the sweep, so probed only at the settings swept (its framing is as sure as theirs) */
  swept?: true
  settingNote?: string
}

export interface SearchResult {
  finds: Find[]
  /** settings where bytes came back that made no frame: a device may be there at a neighbouring setting */
  garbledAt: SerialSetting[]
  probes: number
}

/** Extra reads (at other addresses, so other bytes on the wire) that decide between settings a device answered at. */
const CONFIRM_PROBES = 3

const keyOf = (setting: SerialSetting | undefined) => (setting ? settingLabel(setting) : 'tcp')

/**
 * Find the devices on a line: the likely ids at every setting first (the last-resort ones only when nothing
 * answered), then every id at the settings where something answered (every setting when exhaustive). A device that answers at several settings of one baud
 * (parity or stop bits it does not check, or a line that carries any framing) is read a few more times at
 * each; the setting with the most clean answers wins, the most common one on a tie.
 */
export async function searchBus(line: ProbeLine, plan: SearchPlan, observer: SearchObserver = {}): Promise<SearchResult> {
  const seen = new Map<string, Map<number, ProbeOutcome>>()
  const garbled = new Set<string>()
  let probes = 0
  let current: SerialSetting | undefined | null = null
  const use = async (setting: SerialSetting | undefined) => {
    if (current !== null && keyOf(current) === keyOf(setting)) return
    await line.use(setting)
    current = setting
  }
  const probe = async (setting: SerialSetting | undefined, unit: number, address = 0): Promise<ProbeOutcome> => {
    await use(setting)
    const outcome = await line.probe(unit, address, plan.timeoutMs(setting))
    probes++
    if (outcome === 'garbled') garbled.add(keyOf(setting))
    observer.probed?.(setting, unit, outcome)
    return outcome
  }
  const record = (setting: SerialSetting | undefined, unit: number, outcome: ProbeOutcome) => {
    const key = keyOf(setting)
    if (!seen.has(key)) seen.set(key, new Map())
    const known = seen.get(key)!
    if (!present(known.get(unit))) known.set(unit, outcome)
  }
  const answeredAt = (setting: SerialSetting | undefined) => [...(seen.get(keyOf(setting)) ?? new Map()).entries()].filter(([, o]) => present(o)).map(([u]) => u)
  const worst = (settings: readonly (SerialSetting | undefined)[], units: number) =>
    settings.reduce((sum, s) => sum + units * plan.timeoutMs(s), 0)

  // ids asked for that include none of the likely ones are all probed at every setting
  const likelyAsked = plan.units.filter((u) => LIKELY_UNITS.includes(u))
  const likely = likelyAsked.length > 0 ? likelyAsked : [...plan.units]
  const rest = plan.units.filter((u) => !likely.includes(u))
  const first = plan.exhaustive ? [...plan.settings, ...(plan.lastResort ?? [])] : plan.settings
  observer.planned?.(first.length * likely.length, worst(first, likely.length))
  for (const setting of first) for (const unit of likely) record(setting, unit, await probe(setting, unit))
  const tried = [...first]
  if (!plan.exhaustive && plan.lastResort && plan.lastResort.length > 0 && !first.some((s) => answeredAt(s).length > 0)) {
    observer.planned?.(plan.lastResort.length * likely.length, worst(plan.lastResort, likely.length))
    for (const setting of plan.lastResort) for (const unit of likely) record(setting, unit, await probe(setting, unit))
    tried.push(...plan.lastResort)
  }

  const sweepAt = plan.exhaustive ? tried : tried.filter((s) => answeredAt(s).length > 0)
  const bestOf = await settle(sweepAt, likely)
  const sweepSettings = plan.exhaustive ? tried : unique([...bestOf.values()].map((find) => find.setting), tried)
  observer.planned?.(sweepSettings.length * rest.length, worst(sweepSettings, rest.length))
  for (const setting of sweepSettings) for (const unit of rest) record(setting, unit, await probe(setting, unit))
  const restBest = await settle(sweepSettings, rest)
  if (!plan.exhaustive) for (const find of restBest.values()) find.swept = true

  const finds = [...bestOf.values(), ...restBest.values()].filter((f): f is Find => f !== undefined).sort((a, b) => a.unit - b.unit)
  return { finds, garbledAt: tried.filter((s): s is SerialSetting => s !== undefined && garbled.has(keyOf(s))), probes }

  /** For each unit seen at some of `settings`, the setting it belongs to. */
  async function settle(settings: readonly (SerialSetting | undefined)[], units: readonly number[]): Promise<Map<number, Find>> {
    const out = new Map<number, Find>()
    const ambiguous = units.map((unit) => ({ unit, at: settings.filter((s) => present(seen.get(keyOf(s))?.get(unit))) })).filter((x) => x.at.length > 0)
    const confirmations = ambiguous.filter((x) => x.at.length > 1).reduce((n, x) => n + x.at.length * CONFIRM_PROBES, 0)
    if (confirmations > 0) observer.planned?.(confirmations, confirmations * Math.max(...settings.map((s) => plan.timeoutMs(s))))
    // settings in scan order, so that confirmations reopen the line as few times as possible
    const clean = new Map<string, Map<number, number>>()
    for (const setting of settings) {
      for (const { unit, at } of ambiguous) {
        if (at.length < 2 || !at.includes(setting)) continue
        let count = 1
        for (let address = 1; address <= CONFIRM_PROBES; address++) if (present(await probe(setting, unit, address))) count++
        if (!clean.has(keyOf(setting))) clean.set(keyOf(setting), new Map())
        clean.get(keyOf(setting))!.set(unit, count)
      }
    }
    for (const { unit, at } of ambiguous) {
      const score = (s: SerialSetting | undefined) => clean.get(keyOf(s))?.get(unit) ?? 1
      const top = Math.max(...at.map(score))
      const best = at.filter((s) => score(s) === top)
      const chosen = best[0]
      const answer = seen.get(keyOf(chosen))!.get(unit) as 'answer' | 'exception'
      const alsoAt = best.slice(1).filter((s): s is SerialSetting => s !== undefined)
      const note = at.length < 2
        ? undefined
        : best.length > 1
          ? `answers alike at ${best.map(keyOf).join(', ')} (${top} of ${CONFIRM_PROBES + 1} reads each): the line does not tell them apart; ${keyOf(chosen)} is the most common`
          : `${keyOf(chosen)}: ${top} of ${CONFIRM_PROBES + 1} reads clean; ${at.filter((s) => s !== chosen).map((s) => `${keyOf(s)} ${score(s)}`).join(', ')}`
      out.set(unit, { unit, setting: chosen, alsoAt, answer, ...(note !== undefined && { settingNote: note }) })
    }
    return out
  }
}

/** The distinct settings of `list`, in the order of `order`. */
function unique(list: readonly (SerialSetting | undefined)[], order: readonly (SerialSetting | undefined)[]): (SerialSetting | undefined)[] {
  const keys = new Set(list.map(keyOf))
  return order.filter((s) => keys.has(keyOf(s)))
}
