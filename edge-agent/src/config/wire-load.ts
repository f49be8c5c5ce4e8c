/**
 * Wire time on RTU lines, from the profiles' read plans: what one poll, one transaction and one output write
 * occupy the line, and the share of the line the devices need. Pure; the config checks and `check`'s summary
 * build on it.
 */
import { compileProfile, layoutOf, type Channel, type Profile } from '../../../hardware-profiles/index.ts'
import { isBitTable, readFrameBytes, registerCount, transactionWireMs, type SerialFraming } from '../../../protocols/modbus/index.ts'
import { DEFAULTS, type GatewayConfig, type SerialBusConfig } from './schema.ts'

export function framingOf(bus: SerialBusConfig): Required<SerialFraming> {
  return { baud: bus.baud, parity: bus.parity ?? DEFAULTS.parity, dataBits: bus.dataBits ?? DEFAULTS.dataBits, stopBits: bus.stopBits ?? DEFAULTS.stopBits }
}

/** The wire time of each planned read of `profile`, silences and turnaround included. */
function blockWireMs(profile: Profile, framing: SerialFraming, turnaroundMs: number): number[] {
  return compileProfile(profile).plan.blocks.map((block) => {
    const { request, response } = readFrameBytes(block.count, isBitTable(block.table))
    return transactionWireMs(framing, request, response) + turnaroundMs
  })
}

/**
 * Bytes of the write that sets `channel`: a coil with FC 05, a 16-bit register with FC 06 (8-byte request,
 * 8-byte echo), a wider one with FC 16 (9 + 2n bytes for n registers, 8-byte answer) — as the poll engine's
 * writeRequestFor sends them.
 */
export function writeFrameBytes(channel: Channel): { request: number; response: number } {
  const registers = channel.table === 'coil' ? 1 : registerCount(layoutOf(channel))
  return registers === 1 ? { request: 8, response: 8 } : { request: 9 + 2 * registers, response: 8 }
}

export interface DeviceLoad {
  deviceIndex: number
  wireMs: number
  requests: number
  pollMs: number
  /** the device's longest single planned read */
  longestMs: number
}

export interface BusLoad {
  busIndex: number
  bus: SerialBusConfig
  framing: Required<SerialFraming>
  devices: DeviceLoad[]
  /** seconds of wire time the devices need per second, Σ wireMs / pollMs */
  load: number
  /** least time to poll every device on the bus once, Σ wireMs */
  cycleMs: number
  /** the longest single transaction of any device on the bus: what a read or write falling due may wait for */
  longestMs: number
}

/** The wire budget of every RTU bus, over the devices whose profile is known. */
export function rtuBusLoads(config: GatewayConfig, profiles: ReadonlyArray<Profile | undefined>): BusLoad[] {
  const loads: BusLoad[] = []
  config.buses.forEach((bus, busIndex) => {
    if (bus.type !== 'rtu') return
    const framing = framingOf(bus)
    const devices: DeviceLoad[] = []
    config.devices.forEach((device, deviceIndex) => {
      const profile = profiles[deviceIndex]
      if (device.bus !== bus.id || !profile) return
      const blocks = blockWireMs(profile, framing, bus.turnaroundMs ?? DEFAULTS.turnaroundMs)
      devices.push({
        deviceIndex,
        wireMs: blocks.reduce((sum, ms) => sum + ms, 0),
        requests: blocks.length,
        pollMs: device.pollMs ?? DEFAULTS.pollMs,
        longestMs: Math.max(0, ...blocks),
      })
    })
    const cycleMs = devices.reduce((sum, d) => sum + d.wireMs, 0)
    const load = devices.reduce((sum, d) => sum + d.wireMs / d.pollMs, 0)
    loads.push({ busIndex, bus, framing, devices, load, cycleMs, longestMs: Math.max(0, ...devices.map((d) => d.longestMs)) })
  })
  return loads
}
