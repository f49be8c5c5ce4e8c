import { ILLEGAL_DATA_ADDRESS, ILLEGAL_DATA_VALUE, ILLEGAL_FUNCTION, ModbusExceptionError } from './errors.ts'
import { DEVICE_ID_OBJECTS, FC, MEI_READ_DEVICE_ID, type DeviceIdentity } from './function-codes.ts'
import { MAX_READ_BITS, MAX_READ_REGISTERS } from './planner.ts'
import type { Table } from './types.ts'

/** What a server says to FC 17 (Report Server ID). */
export interface ServerIdAnswer {
  serverId: readonly number[]
  running: boolean
  additional: Uint8Array
}

/** What a Modbus server serves. Throw a ModbusExceptionError to answer with an exception. */
export interface ModbusTarget {
  read(table: Table, address: number, count: number): ArrayLike<number>
  write(table: 'coil' | 'holding', address: number, values: readonly number[]): void
  identity(): DeviceIdentity | undefined
  /** undefined, or no such method: the server does not implement FC 17 (answers illegal function) */
  reportServerId?(): ServerIdAnswer | undefined
}

const MAX_WRITE_BITS = 0x7b0
const MAX_WRITE_REGISTERS = 0x7b

function exception(fc: number, code: number): Buffer {
  return Buffer.from([fc | 0x80, code])
}

/** The address and count of a read request, or undefined for a count outside 1..max. */
function readRange(pdu: Uint8Array, max: number): { address: number; count: number } | undefined {
  const view = Buffer.from(pdu.buffer, pdu.byteOffset, pdu.length)
  const count = view.readUInt16BE(3)
  return count < 1 || count > max ? undefined : { address: view.readUInt16BE(1), count }
}

function readBits(target: ModbusTarget, table: Table, fc: number, pdu: Uint8Array): Buffer {
  const range = readRange(pdu, MAX_READ_BITS)
  if (!range) return exception(fc, ILLEGAL_DATA_VALUE)
  const { count } = range
  const bits = target.read(table, range.address, count)
  const bytes = Math.ceil(count / 8)
  const out = Buffer.alloc(2 + bytes)
  out[0] = fc
  out[1] = bytes
  for (let i = 0; i < count; i++) if (bits[i]) out[2 + (i >> 3)]! |= 1 << (i & 7)
  return out
}

function readRegisters(target: ModbusTarget, table: Table, fc: number, pdu: Uint8Array): Buffer {
  const range = readRange(pdu, MAX_READ_REGISTERS)
  if (!range) return exception(fc, ILLEGAL_DATA_VALUE)
  const { count } = range
  const words = target.read(table, range.address, count)
  const out = Buffer.allocUnsafe(2 + count * 2)
  out[0] = fc
  out[1] = count * 2
  for (let i = 0; i < count; i++) out.writeUInt16BE(words[i]! & 0xffff, 2 + i * 2)
  return out
}

function identification(target: ModbusTarget, pdu: Uint8Array): Buffer {
  const fc = FC.ENCAPSULATED_INTERFACE
  if (pdu.length < 4 || pdu[1] !== MEI_READ_DEVICE_ID) return exception(fc, ILLEGAL_FUNCTION)
  const identity = target.identity()
  if (!identity) return exception(fc, ILLEGAL_FUNCTION)
  const code = pdu[2]!
  const objectId = pdu[3]!
  const objects = (Object.entries(DEVICE_ID_OBJECTS) as [keyof DeviceIdentity, number][])
    .filter(([name]) => identity[name] !== undefined)
    .map(([name, id]) => ({ id, bytes: Buffer.from(identity[name]!, 'utf8').subarray(0, 240) }))
  let selected: typeof objects
  // codes 1-3: an object id the device does not have restarts the stream at object 0 (MB application protocol §6.21)
  const streamFrom = (first: number, last: number) => {
    const start = objects.some((o) => o.id === objectId && o.id >= first && o.id <= last) ? objectId : first
    return objects.filter((o) => o.id >= start && o.id <= last)
  }
  if (code === 1) selected = streamFrom(0, 2)
  else if (code === 2 || code === 3) selected = streamFrom(0, 0xff)
  else if (code === 4) {
    selected = objects.filter((o) => o.id === objectId)
    if (selected.length === 0) return exception(fc, ILLEGAL_DATA_ADDRESS)
  } else return exception(fc, ILLEGAL_DATA_VALUE)
  const hasRegular = objects.some((o) => o.id > 2)
  const parts: Buffer[] = []
  let size = 7
  let more = 0
  let next = 0
  let count = 0
  for (const object of selected) {
    if (size + 2 + object.bytes.length > 253) {
      more = 0xff
      next = object.id
      break
    }
    parts.push(Buffer.from([object.id, object.bytes.length]), object.bytes)
    size += 2 + object.bytes.length
    count++
  }
  const head = Buffer.from([fc, MEI_READ_DEVICE_ID, code, hasRegular ? 0x82 : 0x81, more, next, count])
  return Buffer.concat([head, ...parts])
}

/** A response PDU is at most 253 bytes: function, byte count, then at most 251 data bytes. */
const MAX_SERVER_ID_DATA = 251

function serverIdReport(target: ModbusTarget): Buffer {
  const fc = FC.REPORT_SERVER_ID
  const answer = target.reportServerId?.()
  if (!answer) return exception(fc, ILLEGAL_FUNCTION)
  const data = Buffer.concat([Buffer.from(answer.serverId), Buffer.from([answer.running ? 0xff : 0x00]), answer.additional]).subarray(0, MAX_SERVER_ID_DATA)
  return Buffer.concat([Buffer.from([fc, data.length]), data])
}

/** Answer one request PDU (function code first) with a response PDU; exceptions become exception responses. */
export function handleRequest(target: ModbusTarget, pdu: Uint8Array): Buffer {
  const fc = pdu[0] ?? 0
  try {
    const view = Buffer.from(pdu.buffer, pdu.byteOffset, pdu.length)
    switch (fc) {
      case FC.READ_COILS:
        return pdu.length < 5 ? exception(fc, ILLEGAL_DATA_VALUE) : readBits(target, 'coil', fc, pdu)
      case FC.READ_DISCRETE_INPUTS:
        return pdu.length < 5 ? exception(fc, ILLEGAL_DATA_VALUE) : readBits(target, 'discrete', fc, pdu)
      case FC.READ_HOLDING_REGISTERS:
        return pdu.length < 5 ? exception(fc, ILLEGAL_DATA_VALUE) : readRegisters(target, 'holding', fc, pdu)
      case FC.READ_INPUT_REGISTERS:
        return pdu.length < 5 ? exception(fc, ILLEGAL_DATA_VALUE) : readRegisters(target, 'input', fc, pdu)
      case FC.WRITE_SINGLE_COIL: {
        if (pdu.length < 5) return exception(fc, ILLEGAL_DATA_VALUE)
        const value = view.readUInt16BE(3)
        if (value !== 0xff00 && value !== 0x0000) return exception(fc, ILLEGAL_DATA_VALUE)
        target.write('coil', view.readUInt16BE(1), [value === 0xff00 ? 1 : 0])
        return Buffer.from(pdu.subarray(0, 5))
      }
      case FC.WRITE_SINGLE_REGISTER:
        if (pdu.length < 5) return exception(fc, ILLEGAL_DATA_VALUE)
        target.write('holding', view.readUInt16BE(1), [view.readUInt16BE(3)])
        return Buffer.from(pdu.subarray(0, 5))
      case FC.WRITE_MULTIPLE_COILS: {
        const count = pdu.length >= 6 ? view.readUInt16BE(3) : 0
        if (count < 1 || count > MAX_WRITE_BITS || pdu[5] !== Math.ceil(count / 8) || pdu.length < 6 + pdu[5]!) return exception(fc, ILLEGAL_DATA_VALUE)
        const bits: number[] = []
        for (let i = 0; i < count; i++) bits.push((pdu[6 + (i >> 3)]! >> (i & 7)) & 1)
        target.write('coil', view.readUInt16BE(1), bits)
        return Buffer.from(pdu.subarray(0, 5))
      }
      case FC.WRITE_MULTIPLE_REGISTERS: {
        const count = pdu.length >= 6 ? view.readUInt16BE(3) : 0
        if (count < 1 || count > MAX_WRITE_REGISTERS || pdu[5] !== count * 2 || pdu.length < 6 + count * 2) return exception(fc, ILLEGAL_DATA_VALUE)
        const words: number[] = []
        for (let i = 0; i < count; i++) words.push(view.readUInt16BE(6 + i * 2))
        target.write('holding', view.readUInt16BE(1), words)
        return Buffer.from(pdu.subarray(0, 5))
      }
      case FC.REPORT_SERVER_ID:
        return serverIdReport(target)
      case FC.ENCAPSULATED_INTERFACE:
        return identification(target, pdu)
      default:
        return exception(fc, ILLEGAL_FUNCTION)
    }
  } catch (error) {
    if (error instanceof ModbusExceptionError) return exception(fc, error.exceptionCode)
    throw error
  }
}
