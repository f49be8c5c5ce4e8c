import { encodeRegisters, ModbusCodecError, silenceMs, toRaw } from '../../../protocols/modbus/index.ts'
import type { DeviceIdentity } from '../../../protocols/modbus/index.ts'
import type { CompiledProfile } from '../../../hardware-profiles/index.ts'
import type { ResolvedBus, ResolvedConfig } from '../config/index.ts'
import type { ModbusMaster, WriteRequest } from '../modbus/master.ts'
import { ModbusSerialMaster } from '../modbus/modbus-serial-master.ts'
import { BusWorker, type BusStatus, type OnceResult } from './bus-worker.ts'
import { DevicePoller } from './device-poller.ts'
import { systemLineClock } from './line-clock.ts'
import type { PollEvent, PollListener } from './events.ts'
import { ProductError } from '../../../protocols/errors.ts'

export type MasterFactory = (bus: ResolvedBus) => ModbusMaster

export const modbusSerialMasters: MasterFactory = (bus) =>
  bus.type === 'rtu'
    ? new ModbusSerialMaster({ kind: 'rtu', path: bus.path, baud: bus.baud, parity: bus.parity, dataBits: bus.dataBits, stopBits: bus.stopBits })
    : new ModbusSerialMaster({ kind: 'tcp', host: bus.host, port: bus.port })

export interface InventoryEntry {
  device: string
  profile: string
  profileVersion: string
  /** the profile's device kind */
  kind: string
  bus: string
  unit: number
  location?: string
  system?: string
  calibratedOn?: string
  vendor: string
  model: string
  identity?: DeviceIdentity
}

export interface PollEngineOptions {
  /** devices whose samples feed interlocks: each poll's samples reach the listener before the line serves anyone else */
  holdLine?: ReadonlySet<string>
}

/** A write the engine will not send: the channel cannot be written, or not with this value. */
export class WriteRefusedError extends ProductError {
  readonly code = 'WRITE_REFUSED'
  constructor(message: string) {
    super(message)
    this.name = 'WriteRefusedError'
  }
}

/**
 * The write request that sets `channelId` to `value` (engineering units, scale and offset undone):
 * a coil with FC 05, a 16-bit register with FC 06, a 32/64-bit or float value with FC 16 in the channel's word order.
 */
export function writeRequestFor(profile: CompiledProfile, unit: number, channelId: string, value: number | boolean): WriteRequest {
  const compiled = profile.channels.get(channelId)
  const where = `channel ${channelId} of ${profile.profile.id} (unit ${unit})`
  if (!compiled) throw new WriteRefusedError(`${where}: no such channel`)
  const { channel, layout, point } = compiled
  if (channel.table === 'discrete' || channel.table === 'input') throw new WriteRefusedError(`${where}: ${channel.table} is read-only in Modbus`)
  if (channel.writable !== true) throw new WriteRefusedError(`${where}: not declared writable in the profile`)
  if (channel.table === 'coil') {
    if (typeof value !== 'boolean') throw new WriteRefusedError(`${where}: a coil takes true or false, got ${JSON.stringify(value)}`)
    return { kind: 'write-coil', unit, address: point.address, value }
  }
  if (channel.type === 'bit') throw new WriteRefusedError(`${where}: a bit inside a register needs a read-modify-write, which is not supported`)
  if (channel.type === 'string' || channel.type === 'bool') throw new WriteRefusedError(`${where}: ${channel.type} registers are not written`)
  if (channel.decimalsFrom) throw new WriteRefusedError(`${where}: its decimal places come from ${channel.decimalsFrom} on the device; not supported`)
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new WriteRefusedError(`${where}: takes a finite number, got ${JSON.stringify(value)}`)
  if (channel.range && (value < channel.range.min || value > channel.range.max)) {
    throw new WriteRefusedError(`${where}: ${value} is outside ${channel.range.min}..${channel.range.max}`)
  }
  let words: number[]
  try {
    words = encodeRegisters(layout, toRaw(value, compiled.scaling, channel.type))
  } catch (error) {
    if (error instanceof ModbusCodecError) throw new WriteRefusedError(`${where}: ${error.message}`)
    throw error
  }
  return words.length === 1
    ? { kind: 'write-register', unit, address: point.address, value: words[0]! }
    : { kind: 'write-registers', unit, address: point.address, values: words }
}

/** Every bus of the gateway polled concurrently; each bus with its own worker and its own master. */
export class PollEngine {
  readonly workers: BusWorker[]
  private readonly pollers = new Map<string, DevicePoller>()
  private readonly workerOf = new Map<string, BusWorker>()

  constructor(
    private readonly config: ResolvedConfig,
    listener: PollListener,
    masters: MasterFactory = modbusSerialMasters,
    clock: () => number = Date.now,
    options: PollEngineOptions = {},
  ) {
    const lineClock = systemLineClock(clock)
    this.workers = config.buses.map((bus) => {
      const devices = config.devices.filter((d) => d.bus === bus.id).map((d) => {
        const poller = new DevicePoller(d.id, d.unit, d.loadedProfile, bus.retries, clock, { bus: bus.id, ...(bus.type === 'rtu' && { framing: bus }) })
        this.pollers.set(d.id, poller)
        return { poller, pollMs: d.pollMs, priority: d.priority, holdLine: options.holdLine?.has(d.id) === true }
      })
      const serial = bus.type === 'rtu'
      const worker = new BusWorker({
        id: bus.id,
        master: masters(bus),
        timeoutMs: bus.timeoutMs,
        silenceMs: serial ? silenceMs({ baud: bus.baud, parity: bus.parity, dataBits: bus.dataBits, stopBits: bus.stopBits }) + bus.turnaroundMs : 0,
        maxInFlight: serial ? 1 : bus.maxInFlight,
        armedShare: bus.armedShare,
        armedPollMs: bus.armedPollMs,
        clock: lineClock,
      }, devices, listener)
      for (const d of devices) this.workerOf.set(d.poller.id, worker)
      return worker
    })
  }

  /**
   * Set a writable channel, ahead of every poll on its line; the frame is on its way when this returns if the
   * line is free. Rejects with WriteRefusedError (nothing sent) or the typed ModbusError; never retried here.
   * On a one-transaction line, every poll of the device whose samples arrive after this resolved read after the write.
   */
  write(device: string, channel: string, value: number | boolean): Promise<void> {
    const poller = this.pollers.get(device)
    const worker = this.workerOf.get(device)
    if (!poller || !worker) return Promise.reject(new WriteRefusedError(`no device ${device} in the config`))
    let request: WriteRequest
    try {
      request = writeRequestFor(poller.compiled, poller.unit, channel, value)
    } catch (error) {
      return Promise.reject(error)
    }
    return worker.write(request)
  }

  /** Poll the device no later than `afterMs` from now: read an output's feedback promptly after a write. */
  pollSoon(device: string, afterMs = 0): void {
    const worker = this.workerOf.get(device)
    if (!worker) throw new RangeError(`no device ${device} in the config`)
    worker.pollSoon(device, afterMs)
  }

  /**
   * Read these channels of the device (interlock sources near their trip) on their own, as fast as its line
   * allows within the line's armed share; none: back to its period. False when its line does no armed reads.
   */
  arm(device: string, channels: readonly string[]): boolean {
    const worker = this.workerOf.get(device)
    if (!worker) throw new RangeError(`no device ${device} in the config`)
    return worker.arm(device, channels)
  }

  start(): void {
    for (const worker of this.workers) worker.start()
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()))
  }

  /** Every device identified and polled once; buses in parallel. */
  async pollOnce(): Promise<OnceResult[]> {
    const results = await Promise.all(this.workers.map((w) => w.pollOnce()))
    await this.stop()
    return results.flat()
  }

  status(): BusStatus[] {
    return this.workers.map((w) => w.status())
  }

  inventory(): InventoryEntry[] {
    return this.config.devices.map((d) => {
      const identity = this.pollers.get(d.id)?.identity
      return {
        device: d.id,
        profile: d.loadedProfile.id,
        profileVersion: d.loadedProfile.version,
        kind: d.loadedProfile.kind,
        bus: d.bus,
        unit: d.unit,
        vendor: d.loadedProfile.vendor,
        model: d.loadedProfile.model,
        ...(d.location !== undefined && { location: d.location }),
        ...((d.system ?? d.loadedProfile.systems[0]) !== undefined && { system: d.system ?? d.loadedProfile.systems[0] }),
        ...(d.calibratedOn !== undefined && { calibratedOn: d.calibratedOn }),
        ...(identity && { identity }),
      }
    })
  }
}

export type { PollEvent, PollListener }
