import { silenceMs } from '../../../protocols/modbus/index.ts'
import type { DeviceIdentity } from '../../../protocols/modbus/index.ts'
import type { ResolvedBus, ResolvedConfig } from '../config/index.ts'
import type { ModbusMaster } from '../modbus/master.ts'
import { ModbusSerialMaster } from '../modbus/modbus-serial-master.ts'
import { BusWorker, type BusStatus, type OnceResult } from './bus-worker.ts'
import { DevicePoller } from './device-poller.ts'
import type { PollEvent, PollListener } from './events.ts'

export type MasterFactory = (bus: ResolvedBus) => ModbusMaster

export const modbusSerialMasters: MasterFactory = (bus) =>
  bus.type === 'rtu'
    ? new ModbusSerialMaster({ kind: 'rtu', path: bus.path, baud: bus.baud, parity: bus.parity, dataBits: bus.dataBits, stopBits: bus.stopBits })
    : new ModbusSerialMaster({ kind: 'tcp', host: bus.host, port: bus.port })

export interface InventoryEntry {
  device: string
  profile: string
  profileVersion: string
  bus: string
  unit: number
  location?: string
  system?: string
  calibratedOn?: string
  vendor: string
  model: string
  identity?: DeviceIdentity
}

/** Every bus of the gateway polled concurrently; each bus with its own worker and its own master. */
export class PollEngine {
  readonly workers: BusWorker[]
  private readonly pollers = new Map<string, DevicePoller>()

  constructor(private readonly config: ResolvedConfig, listener: PollListener, masters: MasterFactory = modbusSerialMasters, clock: () => number = Date.now) {
    this.workers = config.buses.map((bus) => {
      const devices = config.devices.filter((d) => d.bus === bus.id).map((d) => {
        const poller = new DevicePoller(d.id, d.unit, d.loadedProfile, bus.retries, clock)
        this.pollers.set(d.id, poller)
        return { poller, pollMs: d.pollMs, priority: d.priority }
      })
      const serial = bus.type === 'rtu'
      return new BusWorker({
        id: bus.id,
        master: masters(bus),
        timeoutMs: bus.timeoutMs,
        silenceMs: serial ? silenceMs({ baud: bus.baud, parity: bus.parity, dataBits: bus.dataBits, stopBits: bus.stopBits }) + bus.turnaroundMs : 0,
        maxInFlight: serial ? 1 : bus.maxInFlight,
        clock,
      }, devices, listener)
    })
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
