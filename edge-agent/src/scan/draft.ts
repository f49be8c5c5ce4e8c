import { Document } from 'yaml'
import type { Profile } from '../../../hardware-profiles/index.ts'
import { DEFAULTS, rtuBusLoads, type GatewayConfig } from '../config/index.ts'
import type { FloatFinding } from './floats.ts'
import type { ProfileMatch } from './profile-match.ts'
import { settingLabel, type SerialSetting } from './settings.ts'

export type ScanTarget = { kind: 'rtu'; path: string } | { kind: 'tcp'; host: string; port: number }

/** What the draft needs of each device found. */
export interface DraftDevice {
  unit: number
  setting: SerialSetting | undefined
  matches: ProfileMatch[]
  floats: FloatFinding[]
}

export interface DraftInput {
  target: ScanTarget
  devices: readonly DraftDevice[]
  profiles: readonly Profile[]
  /** how the config names a profile: its library id, or a file path relative to the config */
  profileRef(id: string): string
  /** written on the first line: when and how it was scanned */
  origin: string
}

const keyOf = (setting: SerialSetting | undefined) => (setting ? settingLabel(setting) : 'tcp')

/**
 * A gateway config with a bus and a device per find that a profile matched, for `edge-agent check` and
 * `run`. Devices no profile matched, and devices at another setting than the rest of the line (which cannot
 * work on one RS-485 pair), are left as comments saying what was found. Undefined when no device can go in.
 */
export function configDraft(input: DraftInput): string | undefined {
  const counts = new Map<string, number>()
  for (const device of input.devices) if (device.matches.length > 0) counts.set(keyOf(device.setting), (counts.get(keyOf(device.setting)) ?? 0) + 1)
  const busKey = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0]
  if (busKey === undefined) return undefined
  const busSetting = input.devices.find((d) => keyOf(d.setting) === busKey)!.setting
  const busId = input.target.kind === 'rtu' ? 'rs485-1' : 'tcp-1'
  const bus = input.target.kind === 'rtu'
    ? { id: busId, type: 'rtu', path: input.target.path, baud: busSetting!.baud, parity: busSetting!.parity, dataBits: 8, stopBits: busSetting!.stopBits }
    : { id: busId, type: 'tcp', host: input.target.host, port: input.target.port }
  const placed = input.devices.filter((d) => d.matches.length > 0 && keyOf(d.setting) === busKey)
  const left = input.devices.filter((d) => !placed.includes(d))
  const devices = placed.map((device) => {
    const profile = input.profiles.find((p) => p.id === device.matches[0]!.profile)!
    return {
      id: `${profile.id}-${device.unit}`.slice(0, 64),
      bus: busId,
      unit: device.unit,
      profile: input.profileRef(profile.id),
      ...(profile.systems.length === 1 && { system: profile.systems[0] }),
      location: 'TODO where it is installed',
    }
  })
  const config = { gateway: { id: 'draft-gateway', site: 'draft-site' }, buses: [bus], devices } as GatewayConfig
  const slow = slowLinePollMs(config, placed.map((d) => input.profiles.find((p) => p.id === d.matches[0]!.profile)))
  if (slow !== undefined) for (const device of devices) Object.assign(device, { pollMs: slow })
  const doc = new Document(config)
  doc.commentBefore = [
    ` ${input.origin}`,
    ' A draft: check each device\'s location and system, then `edge-agent provision` fills gateway and uplink.',
    ...(slow === undefined ? [] : [` pollMs ${slow}: at ${keyOf(busSetting)} one poll of every device takes most of a second on the wire.`]),
  ].join('\n')
  const devicesNode = doc.get('devices', true) as { items: { commentBefore?: string }[] }
  placed.forEach((device, i) => {
    const evidence = device.matches.map((m) => `${m.profile}: ${m.evidence}`)
    devicesNode.items[i]!.commentBefore = [` unit ${device.unit}: ${evidence[0]}`, ...evidence.slice(1).map((e) => ` also matches ${e}`)].join('\n')
  })
  if (left.length > 0) doc.comment = left.map((device) => leftOut(device, busKey)).join('\n')
  return doc.toString({ lineWidth: 0 })
}

/** Of the wire budget, what a draft leaves free for retries and the agent's own reads (identification, writes). */
const DRAFT_WIRE_SHARE = 0.7

/** On a line too slow to poll every device each second: the period that keeps the wire within its budget. */
function slowLinePollMs(config: GatewayConfig, profiles: readonly (Profile | undefined)[]): number | undefined {
  const [load] = rtuBusLoads(config, profiles)
  if (!load || load.cycleMs <= DEFAULTS.pollMs * DRAFT_WIRE_SHARE) return undefined
  return Math.ceil(load.cycleMs / DRAFT_WIRE_SHARE / 500) * 500
}

function leftOut(device: DraftDevice, busKey: string): string {
  const where = keyOf(device.setting)
  if (device.matches.length > 0) {
    return ` unit ${device.unit} (${device.matches[0]!.profile}) answers at ${where}, the rest of the line at ${busKey}: one RS-485 pair runs at one setting; set it to ${busKey} and add it`
  }
  const floats = device.floats.map((f) => `  ${f.table} ${f.address}: float32 ${f.order}, reads ${f.value}`)
  return [
    ` unit ${device.unit} at ${where}: no profile in the library matches it; write one (edge-agent profiles validate FILE) and add it.`,
    ...(floats.length > 0 ? [' What its registers look like:', ...floats.map((f) => ` ${f}`)] : []),
  ].join('\n')
}
