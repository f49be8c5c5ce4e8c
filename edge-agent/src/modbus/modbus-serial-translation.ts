/**
 * modbus-serial's shapes translated to ours, in this one place: its errors (plain objects, strings, named
 * Errors) to our typed ModbusErrors, serialport's open failures to one line. Pure: no port, no client.
 */
import {
  ModbusError, ModbusExceptionError, ModbusFrameError, ModbusTimeoutError, ModbusTransportError,
} from '../../../protocols/modbus/index.ts'
import type { ModbusRequest } from './master.ts'

/** Why a line did not open, once: serialport says `Error: No such file or directory, cannot open /dev/ttyUSB0`. */
export function openFailure(error: unknown, name: string): string {
  const e = error as { message?: string; code?: string }
  const text = e.message ?? e.code ?? String(error)
  return text.replace(/^Error: /u, '').replace(`, cannot open ${name}`, '')
}

const FUNCTION_CODE: Record<Exclude<ModbusRequest['kind'], 'read'>, number> = {
  'write-coil': 5, 'write-register': 6, 'write-coils': 15, 'write-registers': 16, identify: 43, 'report-server-id': 17,
}
const READ_FUNCTION_CODE = { coil: 1, discrete: 2, holding: 3, input: 4 } as const

const functionCodeOf = (request: ModbusRequest): number =>
  request.kind === 'read' ? READ_FUNCTION_CODE[request.table] : FUNCTION_CODE[request.kind]

/** modbus-serial's error shapes → our typed errors. */
export function translateError(error: unknown, request: ModbusRequest, line: string, timeoutMs: number): ModbusError {
  if (error instanceof ModbusError) return error
  const where = `(unit ${request.unit} on ${line})`
  const e = error as { name?: string; message?: string; modbusCode?: number; errno?: string; code?: string }
  if (typeof e.modbusCode === 'number') {
    return new ModbusExceptionError(e.modbusCode, functionCodeOf(request), where)
  }
  if (e.name === 'TransactionTimedOutError' || e.errno === 'ETIMEDOUT') return new ModbusTimeoutError(timeoutMs, where)
  if (typeof error === 'string' || /CRC|length|Unexpected data|Data length/iu.test(e.message ?? '')) {
    return new ModbusFrameError(`bad answer ${where}: ${typeof error === 'string' ? error : e.message}`)
  }
  if (e.name === 'PortNotOpenError') return new ModbusTransportError(`${line} is not open`)
  return new ModbusTransportError(`${line}: ${e.message ?? e.code ?? e.errno ?? String(error)}`)
}
