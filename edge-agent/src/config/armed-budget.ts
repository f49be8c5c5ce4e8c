/**
 * The armed-read budget of every bus with an interlock source that can arm. While armed reads want the
 * line, the scheduler shares it fairly between them (at most `armedShare`) and the other devices (at least
 * 1 − armedShare). When the others need more than that at their normal periods, their periods stretch:
 * by load ÷ (1 − armedShare); and a poll falling due with every other device's waits for theirs, which get
 * 1 − armedShare of the line: the bus's cycle ÷ (1 − armedShare). Pure; `check` warns on the stretch and the
 * bench measures the scheduler against the budget.
 */
import type { Profile } from '../../../hardware-profiles/index.ts'
import type { PathSegment } from '../../../protocols/validation/index.ts'
import { conditionArmLevel } from './trip-latency.ts'
import { DEFAULTS, type GatewayConfig } from './schema.ts'
import { rtuBusLoads } from './wire-load.ts'

export interface DeviceArmedBudget {
  deviceIndex: number
  device: string
  /** its configured poll period */
  pollMs: number
  /**
   * pollMs × stretch + the bus's queueMs: while sources on its bus are armed, no poll interval of this device
   * exceeds it by more than about one transaction (the bench's armed_others_cycle_vs_budget is the worst
   * observed interval of the devices not armed ÷ this)
   */
  budgetMs: number
  /** it is the source of an interlock condition that can arm */
  armable: boolean
}

export interface BusArmedBudget {
  busIndex: number
  bus: string
  /** the share of the line armed reads may take while other devices are due (armedShare); 0: armed reading off */
  share: number
  /** Σ wireMs ÷ pollMs of every device at its normal period, s/s; 0 on TCP (not known, and far from the limit) */
  load: number
  /** max(1, load ÷ (1 − share)): how much the periods of the devices stretch while armed reads take their share */
  stretch: number
  /** the longest a poll waits behind the others due with it: one poll of every device (the cycle) at 1 − share of the line; 0 on TCP */
  queueMs: number
  /** every device on the bus */
  devices: DeviceArmedBudget[]
}

/**
 * One budget per bus (RTU or TCP) that has at least one interlock source able to arm, in the order of
 * `config.buses`; `profiles[i]` is devices[i]'s profile when it loaded (a ResolvedConfig passes
 * `config.devices.map((d) => d.loadedProfile)`).
 */
export function armedBudgets(config: GatewayConfig, profiles: ReadonlyArray<Profile | undefined>): BusArmedBudget[] {
  const armable = new Set<string>()
  for (const interlock of config.interlocks ?? []) {
    for (const condition of interlock.when) if (conditionArmLevel(config, profiles, condition)) armable.add(condition.device)
  }
  const loads = new Map(rtuBusLoads(config, profiles).map((load) => [load.busIndex, load]))
  const budgets: BusArmedBudget[] = []
  config.buses.forEach((bus, busIndex) => {
    const devices = config.devices.flatMap((device, deviceIndex) => (device.bus === bus.id ? [{ device, deviceIndex }] : []))
    if (!devices.some(({ device }) => armable.has(device.id))) return
    const share = bus.armedShare ?? DEFAULTS.armedShare
    const load = loads.get(busIndex)?.load ?? 0
    const stretch = Math.max(1, load / (1 - share))
    const queueMs = (loads.get(busIndex)?.cycleMs ?? 0) / (1 - share)
    budgets.push({
      busIndex, bus: bus.id, share, load, stretch, queueMs,
      devices: devices.map(({ device, deviceIndex }) => {
        const pollMs = device.pollMs ?? DEFAULTS.pollMs
        return { deviceIndex, device: device.id, pollMs, budgetMs: pollMs * stretch + queueMs, armable: armable.has(device.id) }
      }),
    })
  })
  return budgets
}

export const percent = (share: number): string => `${Math.round(share * 100)} %`

/** A warning on every bus whose devices' periods stretch while its sources are armed (an overloaded bus is an error of its own). */
export function checkArmedBudgets(config: GatewayConfig, profiles: ReadonlyArray<Profile | undefined>, warn: (path: PathSegment[], message: string) => void): void {
  for (const budget of armedBudgets(config, profiles)) {
    if (budget.stretch <= 1 || budget.share === 0 || budget.load > 1) continue
    const bus = config.buses[budget.busIndex]!
    warn(bus.armedShare === undefined ? ['buses', budget.busIndex] : ['buses', budget.busIndex, 'armedShare'],
      `while interlock sources are armed, the other devices' periods stretch ×${budget.stretch.toFixed(2)} (load ${budget.load.toFixed(2)} s/s leaves less than the ${percent(budget.share)} armed reads may take); lower armedShare or lengthen pollMs`)
  }
}
