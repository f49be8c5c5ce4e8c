import type { ModbusMaster, ModbusReply, ModbusRequest } from '../../../edge-agent/src/modbus/master.ts'
import type { SimulatedDevice } from '../../../edge-agent/src/simulator/index.ts'
import { ModbusTimeoutError, ModbusTransportError } from '../../../protocols/modbus/index.ts'
import type { ManualClock } from './manual-clock.ts'

/**
 * An in-process line over simulated devices, on a ManualClock: each answer takes `answerMs` of clock time,
 * a missing or silent unit the whole timeout. Records what the worker does: every request the moment
 * execute() is called (`log`), every frame with its start and end (`frames`), the most in flight at once.
 */
export class FakeLine implements ModbusMaster {
  isOpen = false
  opens = 0
  failOpen = false
  inFlight = 0
  maxInFlight = 0
  lastByte: number | undefined
  readonly log: ModbusRequest[] = []
  readonly frames: { unit: number; start: number; end: number }[] = []
  /** Called synchronously inside execute(), after the request is logged. */
  onRequest: (request: ModbusRequest) => void = () => {}
  private closeListener: (() => void) | undefined

  constructor(private readonly clock: ManualClock, private readonly devices: Map<number, SimulatedDevice>, private readonly answerMs = 2) {}

  async open() {
    this.opens++
    if (this.failOpen) throw new ModbusTransportError('no such device')
    this.isOpen = true
  }

  async close() {
    this.isOpen = false
  }

  /** The line vanishes (a USB adapter unplugged). */
  drop() {
    this.isOpen = false
    this.closeListener?.()
  }

  discardInput() {}

  lastByteAt() {
    return this.lastByte
  }

  onClose(listener: () => void) {
    this.closeListener = listener
  }

  async execute(request: ModbusRequest, timeoutMs: number): Promise<ModbusReply> {
    if (!this.isOpen) throw new ModbusTransportError('not open')
    this.log.push(request)
    this.onRequest(request)
    const start = this.clock.monotonic()
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    try {
      const device = this.devices.get(request.unit)
      if (!device || device.silent) {
        await this.wait(timeoutMs)
        throw new ModbusTimeoutError(timeoutMs)
      }
      await this.wait(this.answerMs)
      switch (request.kind) {
        case 'read': return device.read(request.table, request.address, request.count)
        case 'write-coil': device.write('coil', request.address, [request.value ? 1 : 0]); break
        case 'write-register': device.write('holding', request.address, [request.value]); break
        case 'write-coils': device.write('coil', request.address, request.values.map(Number)); break
        case 'write-registers': device.write('holding', request.address, request.values); break
      }
      return undefined
    } finally {
      this.inFlight--
      this.frames.push({ unit: request.unit, start, end: this.clock.monotonic() })
    }
  }

  private wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => this.clock.after(ms, resolve))
  }
}
