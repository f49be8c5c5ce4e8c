import ModbusSerial from 'modbus-serial'
import type { ModbusRTU } from 'modbus-serial/ModbusRTU.js'
import {
  DEVICE_ID_CATEGORIES, ModbusFrameError, ModbusTransportError, decodeDeviceIdPage, decodeServerIdReport, deviceIdRequest,
  identityOfObjects, serverIdRequest, silenceMs, type DeviceIdentity, type ServerIdReport,
} from '../../../protocols/modbus/index.ts'
import type { ModbusMaster, ModbusReply, ModbusRequest } from './master.ts'
import { openFailure, translateError } from './modbus-serial-translation.ts'
import { exchangePdu, type ModbusSerialPort } from './pdu-exchange.ts'
import { takePortLock, type PortLock, type PortLockOptions } from './port-lock.ts'

const ModbusClient = ModbusSerial as unknown as new () => ModbusRTU

/** modbus-serial's internals we rely on, in this one place. */
interface ClientInternals {
  _port?: ModbusSerialPort & { _buffer?: Buffer }
  /** modbus-serial keeps every request here and never deletes it: 1 KB a request, forever, unless we do */
  _transactions: Record<number, unknown>
  writeFC1(unit: number, address: number, count: number, next: Callback): void
  writeFC2(unit: number, address: number, count: number, next: Callback): void
  writeFC3(unit: number, address: number, count: number, next: Callback): void
  writeFC4(unit: number, address: number, count: number, next: Callback): void
  writeFC5(unit: number, address: number, value: boolean, next: Callback): void
  writeFC6(unit: number, address: number, value: number, next: Callback): void
  writeFC15(unit: number, address: number, values: boolean[], next: Callback): void
  writeFC16(unit: number, address: number, values: number[], next: Callback): void
}

type Callback = (error: unknown, result?: { data?: unknown }) => void

export type LineSpec =
  | { kind: 'rtu'; path: string; baud: number; parity: 'none' | 'even' | 'odd'; dataBits: number; stopBits: number }
  | { kind: 'tcp'; host: string; port: number }

const describeLine = (line: LineSpec) => (line.kind === 'rtu' ? line.path : `${line.host}:${line.port}`)

export interface ModbusSerialMasterOptions {
  /** the serial line's lock file (port-lock.ts); default /run/lock */
  lock?: PortLockOptions
  /** said once when a serial line is opened without its lock (the lock directory cannot be written); default process.emitWarning */
  warn?: (message: string) => void
}

/** The one adapter around modbus-serial: unit id per request, typed errors, no shared mutable unit state. */
export class ModbusSerialMaster implements ModbusMaster {
  private client: ModbusRTU | undefined
  private readonly closeListeners: (() => void)[] = []
  private lastByte: number | undefined
  private readonly name: string
  private lock: PortLock | undefined
  private warnedNoLock = false

  constructor(private readonly line: LineSpec, private readonly options: ModbusSerialMasterOptions = {}) {
    this.name = describeLine(line)
  }

  get isOpen(): boolean {
    return this.client?.isOpen === true
  }

  /**
   * A serial line is locked first (port-lock.ts): another process holding it is a SerialPortLockedError naming
   * it. The lock is kept across a line drop and taken again on each reopen; close() gives it back.
   */
  async open(): Promise<void> {
    const reopening = this.lock !== undefined
    if (this.line.kind === 'rtu') this.takeLock(this.line.path)
    const client = new ModbusClient()
    try {
      if (this.line.kind === 'rtu') {
        await client.connectRTUBuffered(this.line.path, {
          baudRate: this.line.baud,
          parity: this.line.parity,
          dataBits: this.line.dataBits as 8,
          stopBits: this.line.stopBits as 1,
        })
      } else {
        await client.connectTCP(this.line.host, { port: this.line.port })
        // alarm paths must not wait on Nagle + delayed ACK
        ;(client as unknown as { _port?: { _client?: { setNoDelay?(v: boolean): void } } })._port?._client?.setNoDelay?.(true)
      }
    } catch (error) {
      if (!reopening) this.releaseLock()
      throw new ModbusTransportError(`cannot open ${this.name}: ${openFailure(error, this.name)}`)
    }
    client.on('close', () => {
      if (this.client !== client) return
      this.client = undefined
      for (const listener of this.closeListeners) listener()
    })
    client.on('error', () => {})
    // the silence between frames is timed from the last byte, on a serial line; a TCP connection keeps no
    // silence (the worker never asks), and a second 'data' listener would cost every answer an array copy in emit()
    if (this.line.kind === 'rtu') {
      ;(client as unknown as ClientInternals)._port?._client?.on('data', () => {
        this.lastByte = performance.now()
      })
    }
    this.client = client
  }

  async close(): Promise<void> {
    const client = this.client
    this.client = undefined
    if (client) {
      await new Promise<void>((resolve) => {
        try {
          client.close(() => resolve())
        } catch {
          resolve()
        }
      })
    }
    this.releaseLock()
  }

  private takeLock(path: string): void {
    const previous = this.lock
    this.lock = undefined
    const taken = takePortLock(path, this.options.lock, previous)
    if ('file' in taken) {
      this.lock = taken
      return
    }
    // a lock directory we cannot write must not keep a safety agent from its line
    if (this.warnedNoLock) return
    this.warnedNoLock = true
    const message = `${path} opened without its lock file (other programs are not kept off the line): ${taken.unavailable}`
    if (this.options.warn) this.options.warn(message)
    else process.emitWarning(message, { code: 'PORT_LOCK_UNAVAILABLE' })
  }

  private releaseLock(): void {
    this.lock?.release()
    this.lock = undefined
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener)
  }

  lastByteAt(): number | undefined {
    return this.lastByte
  }

  discardInput(): void {
    const port = (this.client as unknown as ClientInternals | undefined)?._port
    if (port && port._buffer !== undefined) port._buffer = Buffer.alloc(0)
  }

  execute(request: ModbusRequest, timeoutMs: number): Promise<ModbusReply> {
    const client = this.client
    if (!client?.isOpen) return Promise.reject(new ModbusTransportError(`${this.name} is not open`))
    const raw = client as unknown as ClientInternals
    if (request.kind === 'identify') return this.identify(raw, request.unit, request.objects ?? 'basic', timeoutMs)
    if (request.kind === 'report-server-id') return this.reportServerId(raw, request.unit, timeoutMs)
    client.setTimeout(timeoutMs)
    const transactionId = raw._port?._transactionIdWrite
    return new Promise<ModbusReply>((resolve, reject) => {
      const done: Callback = (error, result) => {
        if (transactionId !== undefined) delete raw._transactions[transactionId]
        if (error) return reject(translateError(error, request, this.name, timeoutMs))
        try {
          resolve(this.replyOf(request, result?.data))
        } catch (failure) {
          reject(failure)
        }
      }
      try {
        switch (request.kind) {
          case 'read': {
            const { unit, address, count } = request
            if (request.table === 'coil') raw.writeFC1(unit, address, count, done)
            else if (request.table === 'discrete') raw.writeFC2(unit, address, count, done)
            else if (request.table === 'holding') raw.writeFC3(unit, address, count, done)
            else raw.writeFC4(unit, address, count, done)
            break
          }
          case 'write-coil':
            raw.writeFC5(request.unit, request.address, request.value, done)
            break
          case 'write-register':
            raw.writeFC6(request.unit, request.address, request.value, done)
            break
          case 'write-coils':
            raw.writeFC15(request.unit, request.address, request.values, done)
            break
          case 'write-registers':
            raw.writeFC16(request.unit, request.address, request.values, done)
            break
        }
      } catch (error) {
        reject(translateError(error, request, this.name, timeoutMs))
      }
    })
  }

  /** Every page of the category: a page that says more follows without moving on ends the reading with what came. */
  private async identify(raw: ClientInternals, unit: number, objects: keyof typeof DEVICE_ID_CATEGORIES, timeoutMs: number): Promise<DeviceIdentity> {
    const code = DEVICE_ID_CATEGORIES[objects]
    const read: [number, string][] = []
    for (let objectId = 0; ;) {
      const page = decodeDeviceIdPage(await this.exchange(raw, { kind: 'identify', unit, objects }, deviceIdRequest(code, objectId), timeoutMs))
      read.push(...page.objects)
      if (!page.moreFollows || page.nextObjectId <= objectId || page.objects.length === 0) break
      objectId = page.nextObjectId
      // the device keeps its t3.5 before the next request like any other
      const line = this.line
      if (line.kind === 'rtu') await new Promise((resolve) => setTimeout(resolve, Math.ceil(silenceMs(line))))
    }
    return identityOfObjects(read)
  }

  private async reportServerId(raw: ClientInternals, unit: number, timeoutMs: number): Promise<ServerIdReport> {
    return decodeServerIdReport(await this.exchange(raw, { kind: 'report-server-id', unit }, serverIdRequest(), timeoutMs))
  }

  private async exchange(raw: ClientInternals, request: ModbusRequest, pdu: Buffer, timeoutMs: number): Promise<Buffer> {
    const where = `(unit ${request.unit} on ${this.name})`
    if (!raw._port) throw new ModbusTransportError(`${this.name} is not open`)
    try {
      return await exchangePdu(raw._port, this.line.kind, request.unit, pdu, timeoutMs, where)
    } catch (error) {
      throw translateError(error, request, this.name, timeoutMs)
    } finally {
      // the serial port's framing saw the answer as well, and may keep part of it
      if (this.line.kind === 'rtu') this.discardInput()
    }
  }

  private replyOf(request: ModbusRequest, data: unknown): ModbusReply {
    if (request.kind !== 'read') return undefined
    const values = (data ?? []) as (number | boolean)[]
    if (values.length < request.count) throw new ModbusFrameError(`expected ${request.count} values from unit ${request.unit}, got ${values.length}`)
    const out = new Array<number>(request.count)
    for (let i = 0; i < request.count; i++) out[i] = typeof values[i] === 'boolean' ? (values[i] ? 1 : 0) : (values[i] as number)
    return out
  }
}
