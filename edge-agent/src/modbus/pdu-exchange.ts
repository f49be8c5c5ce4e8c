/**
 * One request PDU out and its answer PDU back on modbus-serial's transport, around its transaction layer —
 * for the identification requests it gets wrong: its FC 17 framing on a serial line emits the answer as soon
 * as 5 bytes are in (a split answer fails its CRC), its parse keeps one id byte and drops the run indicator's
 * value, and its FC 43 "more follows" follow-up dereferences the result of a failed page (a follow-up that
 * times out throws from a timer: an uncaught exception). Here the frame is written with the port's own
 * `write` (it adds the MBAP header on TCP), and the answer taken
 * - on a serial line, from the serial port's raw bytes, framed by the answer's own lengths (rtuAnswerLength);
 * - on TCP, from the port's frames, matched by the MBAP transaction id.
 * modbus-serial sees the answer too and drops it: no transaction of its own is waiting for it.
 */
import {
  FC, ModbusExceptionError, ModbusFrameError, ModbusTimeoutError, ModbusTransportError, hasValidCrc, rtuAnswerLength, rtuFrame,
} from '../../../protocols/modbus/index.ts'

type DataListener = (data: Buffer) => void

/** an RTU frame is at most 256 bytes: noise beyond a few frames' worth is let go */
const MAX_KEPT_BYTES = 1024

interface Emitter {
  on(event: 'data', listener: DataListener): unknown
  removeListener(event: 'data', listener: DataListener): unknown
}

/** modbus-serial's port (RTUBufferedPort or TcpPort), as far as an exchange needs it. */
export interface ModbusSerialPort extends Emitter {
  write(frame: Buffer): void
  _transactionIdWrite?: number
  _transactionIdRead?: number
  /** the serial port itself, on a serial line */
  _client?: Emitter
}

export type IdentificationFunction = typeof FC.REPORT_SERVER_ID | typeof FC.ENCAPSULATED_INTERFACE

/** The answer PDU (function code first); a Modbus exception answer is thrown as a ModbusExceptionError. */
export function exchangePdu(
  port: ModbusSerialPort, transport: 'rtu' | 'tcp', unit: number, pdu: Buffer, timeoutMs: number, where: string,
): Promise<Buffer> {
  const fc = pdu[0] as IdentificationFunction
  return new Promise<Buffer>((resolve, reject) => {
    let received = Buffer.alloc(0)
    let sawBadCrc = false
    const finish = (outcome: Buffer | Error) => {
      clearTimeout(timer)
      source?.removeListener('data', onData)
      if (outcome instanceof Error) return reject(outcome)
      if (outcome[0] === (fc | 0x80)) return reject(new ModbusExceptionError(outcome[1] ?? 0, fc, where))
      resolve(outcome)
    }
    // every byte that could start the answer is tried: noise that looks like a start may claim a length it never gets
    const onSerialBytes: DataListener = (chunk) => {
      received = Buffer.concat([received, chunk]).subarray(-MAX_KEPT_BYTES)
      for (let at = 0; at + 1 < received.length; at++) {
        if (received[at] !== unit || (received[at + 1] !== fc && received[at + 1] !== (fc | 0x80))) continue
        const length = rtuAnswerLength(received.subarray(at), fc)
        if (length === undefined || at + length > received.length) continue
        const frame = received.subarray(at, at + length)
        if (hasValidCrc(frame)) return finish(Buffer.from(frame.subarray(1, length - 2)))
        sawBadCrc = true
      }
    }
    const transactionId = port._transactionIdWrite
    const onTcpFrame: DataListener = (frame) => {
      if (port._transactionIdRead !== transactionId || frame[0] !== unit) return
      finish(Buffer.from(frame.subarray(1, frame.length - 2)))
    }
    const source: Emitter | undefined = transport === 'rtu' ? port._client : port
    const onData = transport === 'rtu' ? onSerialBytes : onTcpFrame
    if (!source) return reject(new ModbusTransportError(`no serial port to listen on ${where}`))
    const timer = setTimeout(() => {
      finish(sawBadCrc ? new ModbusFrameError(`bad answer ${where}: CRC error`) : new ModbusTimeoutError(timeoutMs, where))
    }, timeoutMs)
    source.on('data', onData)
    try {
      port.write(rtuFrame(unit, pdu))
    } catch (error) {
      finish(error instanceof Error ? error : new Error(String(error)))
    }
  })
}
