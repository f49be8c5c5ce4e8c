import { isBitTable, planReads, registerCount, type PlanOptions, type PlanPoint, type RawLayout, type ReadPlan } from '../protocols/modbus/index.ts'
import type { Channel, Profile } from './schema.ts'

export interface CompiledChannel {
  channel: Channel
  layout: RawLayout
  point: PlanPoint
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
    channels.set(channel.id, { channel, layout, point })
    points.push(point)
  }
  const planOptions: PlanOptions = { ...profile.planning, ...overrides }
  const measurements = profile.channels.filter((c) => roleOf(c) === 'measurement').map((c) => c.id)
  const qualityTargets = (profile.quality ?? []).map((rule) => rule.applies ?? measurements)
  return { profile, channels, points, planOptions, plan: planReads(points, planOptions), qualityTargets }
}
