import { describe, expect, it } from 'vitest'
import {
  EXCEPTION_CODES,
  ILLEGAL_DATA_ADDRESS,
  ILLEGAL_DATA_VALUE,
  ILLEGAL_FUNCTION,
  isExceptionCode,
  ModbusCodecError,
  ModbusError,
  ModbusExceptionError,
  ModbusFrameError,
  ModbusTimeoutError,
  ModbusTransportError,
  SERVER_DEVICE_FAILURE,
} from '../../../protocols/modbus/errors.ts'
import * as modbus from '../../../protocols/modbus/index.ts'

describe('ModbusExceptionError', () => {
  it.each<[number, string, string]>([
    [1, 'MODBUS_ILLEGAL_FUNCTION', 'illegal function'],
    [2, 'MODBUS_ILLEGAL_DATA_ADDRESS', 'illegal data address'],
    [3, 'MODBUS_ILLEGAL_DATA_VALUE', 'illegal data value'],
    [4, 'MODBUS_SERVER_DEVICE_FAILURE', 'server device failure'],
    [5, 'MODBUS_ACKNOWLEDGE', 'acknowledge'],
    [6, 'MODBUS_SERVER_DEVICE_BUSY', 'server device busy'],
    [8, 'MODBUS_MEMORY_PARITY_ERROR', 'memory parity error'],
    [10, 'MODBUS_GATEWAY_PATH_UNAVAILABLE', 'gateway path unavailable'],
    [11, 'MODBUS_GATEWAY_TARGET_FAILED', 'gateway target device failed to respond'],
  ])('exception %i has the stable code %s', (exception, code, text) => {
    const error = new ModbusExceptionError(exception, 3)
    expect(error.code).toBe(code)
    expect(error.exceptionCode).toBe(exception)
    expect(error.functionCode).toBe(3)
    expect(error.message).toContain(`exception ${exception}`)
    expect(error.message).toContain(text)
    expect(error.message).toContain('function 3')
  })

  it.each([0, 7, 9, 12, 0x80, 255, -1, 2.5])('unknown exception %d has the generic code MODBUS_EXCEPTION', (exception) => {
    const error = new ModbusExceptionError(exception, 4)
    expect(error.code).toBe('MODBUS_EXCEPTION')
    expect(error.exceptionCode).toBe(exception)
    expect(error.message).toContain(`exception ${exception}`)
    expect(error.message).toContain('unknown exception')
    expect(error.message).toContain('function 4')
  })

  it('the message names the function code and where it happened', () => {
    const error = new ModbusExceptionError(2, 3, 'reading holding 100..124 of unit 7')
    expect(error.message).toBe('exception 2 (illegal data address) to function 3 reading holding 100..124 of unit 7')
  })

  it('without a where the message has no trailing space', () => {
    const error = new ModbusExceptionError(1, 16)
    expect(error.message).toBe('exception 1 (illegal function) to function 16')
  })

  it.each([1, 2, 3, 4, 5, 6, 15, 16, 43])('keeps function code %i', (functionCode) => {
    const error = new ModbusExceptionError(6, functionCode, 'at unit 1')
    expect(error.functionCode).toBe(functionCode)
    expect(error.message).toContain(`to function ${functionCode} at unit 1`)
  })

  it('is a ModbusError and an Error with its own name and a stack', () => {
    const error = new ModbusExceptionError(4, 3)
    expect(error).toBeInstanceOf(ModbusExceptionError)
    expect(error).toBeInstanceOf(ModbusError)
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('ModbusExceptionError')
    expect(String(error)).toBe('ModbusExceptionError: exception 4 (server device failure) to function 3')
    expect(error.stack).toContain('ModbusExceptionError')
  })

  it('named constants match the protocol', () => {
    expect(ILLEGAL_FUNCTION).toBe(1)
    expect(ILLEGAL_DATA_ADDRESS).toBe(2)
    expect(ILLEGAL_DATA_VALUE).toBe(3)
    expect(SERVER_DEVICE_FAILURE).toBe(4)
    expect(new ModbusExceptionError(ILLEGAL_DATA_ADDRESS, 3).code).toBe(EXCEPTION_CODES[2])
  })

  it('codes are unique and stable', () => {
    const codes = Object.values(EXCEPTION_CODES)
    expect(new Set(codes).size).toBe(codes.length)
    for (const code of codes) expect(code).toMatch(/^MODBUS_[A-Z_]+$/u)
    expect(codes).not.toContain('MODBUS_EXCEPTION')
  })
})

describe('isExceptionCode', () => {
  it.each([1, 2, 3, 4, 5, 6, 8, 10, 11])('%i is a known exception code', (code) => {
    expect(isExceptionCode(code)).toBe(true)
  })
  it.each([0, 7, 9, 12, -1, 1.5, Number.NaN])('%d is not', (code) => {
    expect(isExceptionCode(code)).toBe(false)
  })
  it('does not see inherited properties', () => {
    expect(isExceptionCode('toString' as unknown as number)).toBe(false)
    expect(isExceptionCode('constructor' as unknown as number)).toBe(false)
  })
})

describe('ModbusTimeoutError', () => {
  it('has code MODBUS_TIMEOUT and says how long and where', () => {
    const error = new ModbusTimeoutError(1000, 'reading input 0..9 of unit 3')
    expect(error.code).toBe('MODBUS_TIMEOUT')
    expect(error.timeoutMs).toBe(1000)
    expect(error.message).toBe('no answer within 1000 ms reading input 0..9 of unit 3')
    expect(error).toBeInstanceOf(ModbusError)
    expect(error.name).toBe('ModbusTimeoutError')
  })

  it('without a where', () => {
    expect(new ModbusTimeoutError(250).message).toBe('no answer within 250 ms')
  })
})

describe('other errors', () => {
  it.each<[string, ModbusError, string]>([
    ['ModbusFrameError', new ModbusFrameError('bad CRC'), 'MODBUS_BAD_FRAME'],
    ['ModbusTransportError', new ModbusTransportError('port closed'), 'MODBUS_TRANSPORT'],
    ['ModbusCodecError', new ModbusCodecError('does not fit'), 'MODBUS_CODEC'],
  ])('%s has code %s', (name, error, code) => {
    expect(error.code).toBe(code)
    expect(error.name).toBe(name)
    expect(error).toBeInstanceOf(ModbusError)
    expect(error).toBeInstanceOf(Error)
  })

  it('keeps the message it was given', () => {
    expect(new ModbusFrameError('CRC 0x1234 expected 0x4321').message).toBe('CRC 0x1234 expected 0x4321')
  })

  it('error classes are distinguishable by instanceof', () => {
    const timeout: unknown = new ModbusTimeoutError(5)
    expect(timeout instanceof ModbusExceptionError).toBe(false)
    expect(timeout instanceof ModbusFrameError).toBe(false)
    expect(new ModbusCodecError('x') instanceof ModbusTransportError).toBe(false)
  })

  it('a plain ModbusError carries any code', () => {
    const error = new ModbusError('MODBUS_CUSTOM', 'custom')
    expect(error.code).toBe('MODBUS_CUSTOM')
    expect(error.name).toBe('ModbusError')
  })

  it('are exported from the package index', () => {
    expect(modbus.ModbusExceptionError).toBe(ModbusExceptionError)
    expect(modbus.ModbusTimeoutError).toBe(ModbusTimeoutError)
    expect(modbus.ModbusCodecError).toBe(ModbusCodecError)
    expect(modbus.EXCEPTION_CODES).toBe(EXCEPTION_CODES)
  })
})
