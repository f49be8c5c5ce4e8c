import {
  isBitTable, planReads, registerCount, type PlanOptions, type PlanPoint, type RawLayout, type ReadPlan, type Scaling, type Table,
} from '../protocols/modbus/index.ts'
import type { Channel, Profile } from './schema.ts'

export interface CompiledChannel {
  channel: Channel
  layout: RawLayout
  point: PlanPoint
  /** position in the profile (and in {@link CompiledProfile.list}) */
  index: number
  /** index of the channel holding this one's decimal exponent; -1 without decimalsFrom, -2 when it names no channel */
  decimalsIndex: number
  /**
   * What decoding reads, copied out of `channel` into one shape for every channel: profile channels are
   * parsed objects whose optional keys differ from one to the next, which makes reading them in the poll
   * loop's hot path slow (a property access that has seen many shapes).
   */
  table: Table
  address: number
  count: number
  bool: boolean
  float32: boolean
  /** float32 or float64: its raw value must be a plausible float (see isPlausibleFloat) */
  float: boolean
  scaling: Scaling
  invalid: Channel['invalid']
  range: Channel['range']
}

/** A profile compiled once into what the poll loop and the simulator need; never re-parsed at poll time. */
export interface CompiledProfile {
  profile: Profile
  channels: ReadonlyMap<string, CompiledChannel>
  points: PlanPoint[]
  planOptions: PlanOptions
  plan: ReadPlan
  /** for each quality rule of the profile, the channels it governs (its `applies`, else every measurement) */
  qualityTargets: string[][]
  /** the channels in profile order: decoding walks this, by index, rather than the map */
  list: CompiledChannel[]
  /** for each quality rule, the index of its status channel (-1: not in the profile) and of the channels it governs (those in the profile) */
  qualityRuleIndices: { status: number; targets: number[] }[]
}

export function layoutOf(channel: Channel): RawLayout {
  return { type: channel.type, order: channel.order ?? 'ABCD', bit: channel.bit ?? 0, length: channel.length ?? 1 }
}

/** A measurement unless declared otherwise: numeric, in a register, with a unit. */
export function roleOf(channel: Channel): NonNullable<Channel['role']> {
  if (channel.role) return channel.role
  if (channel.type === 'string') return 'identity'
  if (channel.type === 'bool' || channel.type === 'bit') return 'status'
  return channel.writable ? 'setpoint' : 'measurement'
}

export function compileProfile(profile: Profile, overrides: PlanOptions = {}): CompiledProfile {
  const channels = new Map<string, CompiledChannel>()
  const points: PlanPoint[] = []
  for (const channel of profile.channels) {
    const layout = layoutOf(channel)
    const point: PlanPoint = {
      key: channel.id,
      table: channel.table,
      address: channel.address,
      count: isBitTable(channel.table) ? 1 : registerCount(layout),
    }
    channels.set(channel.id, {
      channel, layout, point, index: -1, decimalsIndex: -1,
      table: point.table, address: point.address, count: point.count, bool: channel.type === 'bool', float32: channel.type === 'float32', float: channel.type === 'float32' || channel.type === 'float64',
      scaling: { scale: channel.scale, offset: channel.offset }, invalid: channel.invalid, range: channel.range,
    })
    points.push(point)
  }
  // the map's order and entries (a duplicated id, which check.ts reports, keeps its first place and its last definition)
  const list = [...channels.values()]
  list.forEach((compiled, i) => (compiled.index = i))
  const indexOf = (id: string) => channels.get(id)?.index ?? -1
  for (const compiled of list) {
    const from = compiled.channel.decimalsFrom
    if (from) compiled.decimalsIndex = channels.has(from) ? indexOf(from) : -2
  }
  const planOptions: PlanOptions = { ...profile.planning, ...overrides }
  const measurements = profile.channels.filter((c) => roleOf(c) === 'measurement').map((c) => c.id)
  const qualityTargets = (profile.quality ?? []).map((rule) => rule.applies ?? measurements)
  const qualityRuleIndices = (profile.quality ?? []).map((rule, i) => ({
    status: indexOf(rule.channel),
    targets: qualityTargets[i]!.map(indexOf).filter((t) => t >= 0),
  }))
  return { profile, channels, points, planOptions, plan: planReads(points, planOptions), qualityTargets, list, qualityRuleIndices }
}
