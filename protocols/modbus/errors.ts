/** Every Modbus failure carries a stable `code` callers can switch on. */
import { ProductError } from '../errors.ts'

export class ModbusError extends ProductError {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.name = new.target.name
    this.code = code
  }
}

/** Modbus exception codes (Modbus Application Protocol v1.1b3 §7). */
export const EXCEPTION_CODES = {
  1: 'MODBUS_ILLEGAL_FUNCTION',
  2: 'MODBUS_ILLEGAL_DATA_ADDRESS',
  3: 'MODBUS_ILLEGAL_DATA_VALUE',
  4: 'MODBUS_SERVER_DEVICE_FAILURE',
  5: 'MODBUS_ACKNOWLEDGE',
  6: 'MODBUS_SERVER_DEVICE_BUSY',
  8: 'MODBUS_MEMORY_PARITY_ERROR',
  10: 'MODBUS_GATEWAY_PATH_UNAVAILABLE',
  11: 'MODBUS_GATEWAY_TARGET_FAILED',
} as const

export type ExceptionCode = keyof typeof EXCEPTION_CODES

const EXCEPTION_TEXT: Record<ExceptionCode, string> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge (long operation in progress)',
  6: 'server device busy',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
}

export const ILLEGAL_FUNCTION = 1
export const ILLEGAL_DATA_ADDRESS = 2
export const ILLEGAL_DATA_VALUE = 3
export const SERVER_DEVICE_FAILURE = 4

export function isExceptionCode(value: number): value is ExceptionCode {
  return Object.hasOwn(EXCEPTION_CODES, value)
}

/** The device answered with a Modbus exception response. */
export class ModbusExceptionError extends ModbusError {
  readonly exceptionCode: number
  readonly functionCode: number
  constructor(exceptionCode: number, functionCode: number, where = '') {
    const code = isExceptionCode(exceptionCode) ? EXCEPTION_CODES[exceptionCode] : 'MODBUS_EXCEPTION'
    const text = isExceptionCode(exceptionCode) ? EXCEPTION_TEXT[exceptionCode] : 'unknown exception'
    super(code, `exception ${exceptionCode} (${text}) to function ${functionCode}${where ? ` ${where}` : ''}`)
    this.exceptionCode = exceptionCode
    this.functionCode = functionCode
  }
}

/** No (complete) answer within the request timeout. */
export class ModbusTimeoutError extends ModbusError {
  readonly timeoutMs: number
  constructor(timeoutMs: number, where = '') {
    super('MODBUS_TIMEOUT', `no answer within ${timeoutMs} ms${where ? ` ${where}` : ''}`)
    this.timeoutMs = timeoutMs
  }
}

/** An answer arrived but was corrupt: bad CRC, wrong length, wrong unit or function. */
export class ModbusFrameError extends ModbusError {
  constructor(message: string) {
    super('MODBUS_BAD_FRAME', message)
  }
}

/** The transport (serial port, TCP connection) is not usable. */
export class ModbusTransportError extends ModbusError {
  constructor(message: string) {
    super('MODBUS_TRANSPORT', message)
  }
}

/** A value cannot be encoded in, or decoded from, the given layout. */
export class ModbusCodecError extends ModbusError {
  constructor(message: string) {
    super('MODBUS_CODEC', message)
  }
}
