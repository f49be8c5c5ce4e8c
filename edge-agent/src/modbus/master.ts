import type { DeviceIdCategory, DeviceIdentity, ServerIdReport, Table } from '../../../protocols/modbus/index.ts'

/**
 * A write. Many cheap relay modules only implement FC 05/06: one coil or one register is written with
 * `write-coil` (FC 05) or `write-register` (FC 06), several (a 32-bit value) with FC 15/16.
 */
export type WriteRequest =
  | { kind: 'write-coil'; unit: number; address: number; value: boolean }
  | { kind: 'write-register'; unit: number; address: number; value: number }
  | { kind: 'write-coils'; unit: number; address: number; values: boolean[] }
  | { kind: 'write-registers'; unit: number; address: number; values: number[] }

/**
 * One Modbus request; the unit id travels with it.
 * - `identify`: FC 43/14 Read Device Identification, every page of the `objects` category (default `basic`:
 *   vendor, product code, revision; `regular` adds vendor URL, product name, model name, user application
 *   name) → DeviceIdentity
 * - `report-server-id`: FC 17 → ServerIdReport
 */
export type ModbusRequest =
  | { kind: 'read'; unit: number; table: Table; address: number; count: number }
  | WriteRequest
  | { kind: 'identify'; unit: number; objects?: DeviceIdCategory }
  | { kind: 'report-server-id'; unit: number }

export type ModbusReply = number[] | DeviceIdentity | ServerIdReport | undefined

/**
 * A Modbus master on one physical line (a serial port, or one TCP connection).
 * Errors are always our typed ModbusErrors (protocols/modbus/errors.ts).
 */
export interface ModbusMaster {
  readonly isOpen: boolean
  open(): Promise<void>
  close(): Promise<void>
  /** Drop bytes received so far: a late answer must never be taken for the next request's. */
  discardInput(): void
  /** performance.now() of the last byte received on a serial line, if any (a TCP connection keeps no silence: undefined) */
  lastByteAt(): number | undefined
  execute(request: ModbusRequest, timeoutMs: number): Promise<ModbusReply>
  /** Called when the line drops (USB adapter unplugged, connection reset). */
  onClose(listener: () => void): void
}
