/** Unit: modbus-serial's error and answer shapes translated to ours (no port, no client). */
import { describe, expect, it } from 'vitest'
import type { ModbusRequest } from '../../../edge-agent/src/modbus/master.ts'
import { openFailure, translateError } from '../../../edge-agent/src/modbus/modbus-serial-translation.ts'
import { ModbusExceptionError, ModbusFrameError, ModbusTimeoutError, ModbusTransportError } from '../../../protocols/modbus/index.ts'

const readHolding: ModbusRequest = { kind: 'read', unit: 7, table: 'holding', address: 0, count: 2 }
const translate = (error: unknown, request: ModbusRequest = readHolding) => translateError(error, request, '/dev/ttyUSB0', 300)

describe('translateError', () => {
  it('an exception answer: the typed exception with the request\'s function code and where it came from', () => {
    const error = translate({ name: 'Error', message: 'Modbus exception 2: Illegal data address', modbusCode: 2 })
    expect(error).toBeInstanceOf(ModbusExceptionError)
    expect(error).toMatchObject({ code: 'MODBUS_ILLEGAL_DATA_ADDRESS', exceptionCode: 2, functionCode: 3 })
    expect(error.message).toBe('exception 2 (illegal data address) to function 3 (unit 7 on /dev/ttyUSB0)')
    const functionCodes = (['coil', 'discrete', 'input'] as const).map((table) => (translate({ modbusCode: 1 }, { ...readHolding, table }) as ModbusExceptionError).functionCode)
    const writes: ModbusRequest[] = [
      { kind: 'write-coil', unit: 1, address: 0, value: true }, { kind: 'write-register', unit: 1, address: 0, value: 1 },
      { kind: 'write-coils', unit: 1, address: 0, values: [true] }, { kind: 'write-registers', unit: 1, address: 0, values: [1] }, { kind: 'identify', unit: 1 },
    ]
    expect([...functionCodes, ...writes.map((w) => (translate({ modbusCode: 1 }, w) as ModbusExceptionError).functionCode)]).toEqual([1, 2, 4, 5, 6, 15, 16, 43])
  })

  it('a timeout, named or by errno', () => {
    for (const raw of [{ name: 'TransactionTimedOutError', message: 'Timed out' }, { errno: 'ETIMEDOUT' }]) {
      const error = translate(raw)
      expect(error).toBeInstanceOf(ModbusTimeoutError)
      expect(error.message).toBe('no answer within 300 ms (unit 7 on /dev/ttyUSB0)')
    }
  })

  it('a corrupt answer: a bare string, a CRC or length complaint', () => {
    expect(translate('Data length error, expected 9 got 7')).toMatchObject({ code: 'MODBUS_BAD_FRAME', message: 'bad answer (unit 7 on /dev/ttyUSB0): Data length error, expected 9 got 7' })
    expect(translate(new Error('CRC error'))).toBeInstanceOf(ModbusFrameError)
    expect(translate({ message: 'Unexpected data error, expected address 7 got 8' })).toBeInstanceOf(ModbusFrameError)
  })

  it('the line itself: not open, or anything else it says', () => {
    expect(translate({ name: 'PortNotOpenError', message: 'Port Not Open' })).toMatchObject({ code: 'MODBUS_TRANSPORT', message: '/dev/ttyUSB0 is not open' })
    expect(translate({ code: 'EIO' })).toMatchObject({ code: 'MODBUS_TRANSPORT', message: '/dev/ttyUSB0: EIO' })
    expect(translate(new Error('write EPIPE'))).toBeInstanceOf(ModbusTransportError)
  })

  it('one of ours passes through unchanged', () => {
    const ours = new ModbusTimeoutError(100)
    expect(translate(ours)).toBe(ours)
  })
})

describe('openFailure', () => {
  it('serialport\'s open failure said once', () => {
    expect(openFailure(new Error('Error: No such file or directory, cannot open /dev/ttyUSB0'), '/dev/ttyUSB0')).toBe('No such file or directory')
    expect(openFailure({ code: 'ECONNREFUSED' }, '127.0.0.1:502')).toBe('ECONNREFUSED')
  })
})
