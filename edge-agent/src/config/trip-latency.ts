/**
 * The worst-case trip latency of every interlock source, from the config and the profiles: how long after
 * the value crosses the trip level the output write has left the line at the latest. On a sudden rise that
 * is the source's poll period, the wire time and the agent's own share; on a gradual rise an armed source
 * (interlocks/arming.ts) is read every armedPollMs instead of its period. Pure.
 */
import type { Profile } from '../../../hardware-profiles/index.ts'
import { framingLabel, transactionWireMs } from '../../../protocols/modbus/index.ts'
import type { PathSegment } from '../../../protocols/validation/index.ts'
import { armLevel } from '../interlocks/arming.ts'
import { configuredLevels } from './safety-specs.ts'
import { DEFAULTS, type ConditionConfig, type GatewayConfig } from './schema.ts'
import { rtuBusLoads, writeFrameBytes, type BusLoad } from './wire-load.ts'

/**
 * The agent's own share of a trip, from the answer on the wire to the write request leaving: bench/interlock
 * measured p99 41 ms at 9600 8N1 (issue 18); 50 ms keeps a margin over it.
 */
export const AGENT_SHARE_MS = 50

/** CH4 power-off must execute within 2 s. */
export const TRIP_LIMIT_MS = 2000
const STANDARD = 'GB 50581-2010 §3.1.4 (CH4 power-off and 风电闭锁 execution ≤2 s)'

export interface SourceArmLevel {
  /** armed at or past this value */
  armAt: number
  /** what put armAt there: "alarm level alarm" or "armMargin 0.2" */
  by: string
  unit?: string
}

export interface SourceLatency {
  /** index of the condition in the interlock's `when` */
  condition: number
  device: string
  channel: string
  pollMs: number
  /**
   * RTU wire time counted: on the source's line the longest transaction of any device (in progress when the
   * source falls due) and the source's full poll; the output write, and the longest transaction of the
   * output's line when that is another one. 0 when every line involved is TCP.
   */
  wireMs: number
  /** framing of the RTU lines counted, the source's first: `9600 8N1` */
  lines: string[]
  /** the source or the output is on Modbus TCP, whose network time is not known and not counted */
  network: boolean
  /** pollMs + wireMs + AGENT_SHARE_MS: the worst case when the value jumps past the trip between two reads */
  suddenMs: number
  /** the worst case on a gradual rise, once the source is armed; absent when it never arms or its bus has armed reading off */
  armed?: SourceArmLevel & { armedPollMs: number; worstMs: number }
}

export interface InterlockLatency {
  interlockIndex: number
  interlock: string
  /** one per value condition (above, below, equals) whose device, bus and profile are known */
  sources: SourceLatency[]
}

const isValueCondition = (condition: ConditionConfig) =>
  condition.channel !== undefined && (condition.above !== undefined || condition.below !== undefined || condition.equals !== undefined)

const tidy = (value: number) => Number(value.toPrecision(6))

/** Where the source of an above / below condition arms: its channel's configured alarm levels and the condition's armMargin. */
export function conditionArmLevel(config: GatewayConfig, profiles: ReadonlyArray<Profile | undefined>, condition: ConditionConfig): SourceArmLevel | undefined {
  const op = condition.above !== undefined ? 'above' : condition.below !== undefined ? 'below' : undefined
  const deviceIndex = config.devices.findIndex((d) => d.id === condition.device)
  const channel = profiles[deviceIndex]?.channels.find((c) => c.id === condition.channel)
  if (!op || !channel) return undefined
  const value = condition[op]!
  const { levels } = configuredLevels(channel, config.devices[deviceIndex]!.alarms?.[channel.id])
  const level = armLevel({ op, value, ...(condition.armMargin !== undefined && { armMargin: condition.armMargin }) }, levels)
  if (!level) return undefined
  // armLevel prefers the alarm level when the margin lands on it
  const alarm = levels.find((l) => l.value === level.armAt && l.direction === (op === 'above' ? 'high' : 'low') && (op === 'above' ? l.value < value : l.value > value))
  return {
    armAt: tidy(level.armAt),
    by: alarm ? `alarm level ${alarm.level}` : `armMargin ${condition.armMargin}`,
    ...(channel.unit !== undefined && { unit: channel.unit }),
  }
}

/** The worst-case trip latency of every value condition of every interlock. */
export function tripLatencies(config: GatewayConfig, profiles: ReadonlyArray<Profile | undefined>): InterlockLatency[] {
  const loads = new Map(rtuBusLoads(config, profiles).map((load) => [load.bus.id, load]))
  const deviceIndex = new Map(config.devices.map((d, i) => [d.id, i] as const))
  const busOf = (deviceId: string) => config.buses.find((b) => b.id === config.devices[deviceIndex.get(deviceId) ?? -1]?.bus)

  return (config.interlocks ?? []).map((interlock, interlockIndex) => {
    const output = outputWire(config, profiles, interlock.action, loads, busOf, deviceIndex)
    const sources: SourceLatency[] = []
    interlock.when.forEach((condition, j) => {
      const index = deviceIndex.get(condition.device)
      const bus = busOf(condition.device)
      if (!isValueCondition(condition) || index === undefined || !bus || !profiles[index]) return
      const device = config.devices[index]!
      const pollMs = device.pollMs ?? DEFAULTS.pollMs
      const lines: string[] = []
      let wireMs = 0
      const load = loads.get(bus.id)
      if (load) {
        wireMs += load.longestMs + (load.devices.find((d) => d.deviceIndex === index)?.wireMs ?? 0)
        lines.push(framingLabel(load.framing))
      }
      if (output) {
        // a write on another line waits for that line's transaction in progress; on the same one it was counted
        wireMs += output.writeMs + (output.load && output.load !== load ? output.load.longestMs : 0)
        if (output.load && !lines.includes(framingLabel(output.load.framing))) lines.push(framingLabel(output.load.framing))
      }
      const network = bus.type === 'tcp' || (output !== undefined && output.load === undefined)
      const suddenMs = pollMs + wireMs + AGENT_SHARE_MS
      const share = bus.armedShare ?? DEFAULTS.armedShare
      const level = share > 0 ? conditionArmLevel(config, profiles, condition) : undefined
      const armedPollMs = bus.armedPollMs ?? DEFAULTS.armedPollMs
      sources.push({
        condition: j, device: device.id, channel: condition.channel!, pollMs, wireMs, lines, network, suddenMs,
        ...(level && { armed: { ...level, armedPollMs, worstMs: armedPollMs + wireMs + AGENT_SHARE_MS } }),
      })
    })
    return { interlockIndex, interlock: interlock.id, sources }
  })
}

/** The output write's wire time on its line (RTU), or on TCP none and no load; undefined when the output is not known. */
function outputWire(
  config: GatewayConfig, profiles: ReadonlyArray<Profile | undefined>, action: { device: string; channel: string },
  loads: ReadonlyMap<string, BusLoad>, busOf: (deviceId: string) => GatewayConfig['buses'][number] | undefined, deviceIndex: ReadonlyMap<string, number>,
): { writeMs: number; load?: BusLoad } | undefined {
  const bus = busOf(action.device)
  const channel = profiles[deviceIndex.get(action.device) ?? -1]?.channels.find((c) => c.id === action.channel)
  if (!bus || !channel) return undefined
  const load = loads.get(bus.id)
  if (!load) return { writeMs: 0 }
  const { request, response } = writeFrameBytes(channel)
  return { writeMs: transactionWireMs(load.framing, request, response) + (load.bus.turnaroundMs ?? DEFAULTS.turnaroundMs), load }
}

/** The source with the longest sudden-rise worst case. */
export function worstSource(latency: InterlockLatency): SourceLatency | undefined {
  return latency.sources.reduce<SourceLatency | undefined>((worst, s) => (worst && worst.suddenMs >= s.suddenMs ? worst : s), undefined)
}

/** `5.06 s`, rounded up to the hundredth so a figure over the limit never prints as the limit. */
export const seconds = (ms: number): string => `${(Math.ceil(ms / 10) / 100).toFixed(2)} s`

export const armAtLabel = (armed: NonNullable<SourceLatency['armed']>): string => `${armed.armAt}${armed.unit === undefined ? '' : ` ${armed.unit}`}`

type WarnFn = (path: PathSegment[], message: string) => void

/** A warning on every interlock source whose sudden-rise worst case exceeds TRIP_LIMIT_MS. */
export function checkTripLatencies(config: GatewayConfig, profiles: ReadonlyArray<Profile | undefined>, warn: WarnFn): void {
  for (const { interlockIndex, sources } of tripLatencies(config, profiles)) {
    for (const s of sources) {
      if (s.suddenMs <= TRIP_LIMIT_MS) continue
      const parts = [`${s.device} polled every ${s.pollMs} ms`, ...(s.lines.length > 0 ? [`${Math.ceil(s.wireMs)} ms on the wire at ${s.lines.join(' and ')}`] : []), `${AGENT_SHARE_MS} ms agent`]
      const fixedMs = Math.ceil(s.wireMs) + AGENT_SHARE_MS
      const pollAtMost = Math.floor((TRIP_LIMIT_MS - fixedMs) / 100) * 100
      const advice = pollAtMost >= 100
        ? `set pollMs of ${s.device} to ${pollAtMost} or less`
        : `the wire and the agent alone take ${fixedMs} ms: put ${s.device} and the output on a faster or less busy line`
      const armed = s.armed
        ? `; armed from ${armAtLabel(s.armed)} (${s.armed.by}) it is read every ~${s.armed.armedPollMs} ms, worst case ${seconds(s.armed.worstMs)} on a gradual rise`
        : ''
      warn(['interlocks', interlockIndex, 'when', s.condition],
        `worst-case trip latency on a sudden rise ${seconds(s.suddenMs)} (${parts.join(' + ')}${s.network ? '; network time not counted' : ''}) exceeds the 2 s of ${STANDARD}; ${advice}${armed}`)
    }
  }
}
