import { ChannelAlarms } from '../alarms/evaluator.ts'
import { DailyRatio } from '../alarms/daily-ratio.ts'
import type { SafetySpecs } from '../config/index.ts'
import { InterlockMachine } from '../interlocks/machine.ts'
import type { InterlockSpec } from '../interlocks/spec.ts'
import type { PersistedSafetyState } from './persisted-state.ts'

/** The evaluators a channel's samples go to. */
export interface ChannelEvaluators {
  alarms?: ChannelAlarms
  daily?: DailyRatio
  machines: InterlockMachine[]
}

/** Devices whose samples feed an interlock: the bus lets nothing else on the line until they are judged. */
export const interlockSourceDevices = (specs: readonly InterlockSpec[]): Set<string> =>
  new Set(specs.flatMap((s) => s.conditions.map((c) => c.device)))

/**
 * The gateway's pure evaluators — channel alarms, daily-ratio rules, interlock machines — built from
 * the specs and the saved state, and found by what they listen to.
 */
export class SafetyEvaluators {
  /** by "device/channel" */
  readonly alarms = new Map<string, ChannelAlarms>()
  /** by device */
  readonly daily = new Map<string, DailyRatio>()
  /** by interlock id */
  readonly machines = new Map<string, InterlockMachine>()
  private readonly machinesByDevice = new Map<string, InterlockMachine[]>()
  private readonly byChannel = new Map<string, Map<string, ChannelEvaluators>>()

  constructor(specs: SafetySpecs, saved: PersistedSafetyState, now: number) {
    for (const spec of specs.alarms) {
      const key = `${spec.device}/${spec.channel}`
      const alarms = new ChannelAlarms(spec, saved.alarms.get(key))
      this.alarms.set(key, alarms)
      this.listening(spec.device, spec.channel).alarms = alarms
    }
    for (const spec of specs.daily) {
      const rule = new DailyRatio(spec, saved.dailyRatios.get(spec.device))
      this.daily.set(spec.device, rule)
      for (const channel of rule.channels()) this.listening(spec.device, channel).daily = rule
    }
    for (const spec of specs.interlocks) {
      const machine = new InterlockMachine(spec, now, saved.interlocks.get(spec.id))
      this.machines.set(spec.id, machine)
      for (const key of machine.channels()) {
        const slash = key.indexOf('/')
        this.listening(key.slice(0, slash), key.slice(slash + 1)).machines.push(machine)
      }
      for (const device of machine.devices) this.machinesByDevice.set(device, [...(this.machinesByDevice.get(device) ?? []), machine])
    }
  }

  /** The evaluators of a channel, if any listens to it. */
  of(device: string, channel: string): ChannelEvaluators | undefined {
    return this.byChannel.get(device)?.get(channel)
  }

  /** The interlocks whose conditions name the device. */
  machinesWatching(device: string): readonly InterlockMachine[] {
    return this.machinesByDevice.get(device) ?? []
  }

  private listening(device: string, channel: string): ChannelEvaluators {
    let channels = this.byChannel.get(device)
    if (!channels) this.byChannel.set(device, (channels = new Map()))
    let evaluators = channels.get(channel)
    if (!evaluators) channels.set(channel, (evaluators = { machines: [] }))
    return evaluators
  }
}
