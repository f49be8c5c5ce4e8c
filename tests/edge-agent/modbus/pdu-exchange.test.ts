/** Unit: one identification request and its answer on a fake modbus-serial port (no serial port, no socket). */
import { EventEmitter } from 'node:events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { exchangePdu, type ModbusSerialPort } from '../../../edge-agent/src/modbus/pdu-exchange.ts'
import {
  ModbusExceptionError, ModbusFrameError, ModbusTimeoutError, deviceIdRequest, handleRequest, rtuFrame, serverIdRequest,
  type ModbusTarget,
} from '../../../protocols/modbus/index.ts'

const device: ModbusTarget = {
  read: () => [],
  write: () => {},
  identity: () => ({ vendorName: 'ACME', productCode: 'X1', revision: '2.0' }),
  reportServerId: () => ({ serverId: [9], running: true, additional: Buffer.from('ACME X1') }),
}

/** A serial line's port: frames written are recorded; the serial port (`_client`) emits raw byte chunks. */
class FakeRtuPort extends EventEmitter implements ModbusSerialPort {
  readonly written: Buffer[] = []
  readonly _client = new EventEmitter()
  write(frame: Buffer): void {
    this.written.push(frame)
  }
}

/** A TCP port: emits whole frames (unit, PDU, a CRC it made up) after setting the transaction id it read. */
class FakeTcpPort extends EventEmitter implements ModbusSerialPort {
  _transactionIdWrite = 40
  _transactionIdRead: number | undefined
  readonly written: Buffer[] = []
  write(frame: Buffer): void {
    this.written.push(frame)
    this._transactionIdWrite++
  }
  answer(transactionId: number, frame: Buffer): void {
    this._transactionIdRead = transactionId
    this.emit('data', frame)
  }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('exchangePdu on a serial line', () => {
  it('writes the request frame and takes the answer however it is split, after noise, from the raw bytes', async () => {
    const port = new FakeRtuPort()
    const answer = rtuFrame(3, handleRequest(device, serverIdRequest()))
    const pending = exchangePdu(port, 'rtu', 3, serverIdRequest(), 1000, '(unit 3)')
    expect(port.written).toEqual([rtuFrame(3, serverIdRequest())])
    const bytes = Buffer.concat([Buffer.from([0x03, 0x11, 0x99]), answer])
    for (const byte of bytes) port._client.emit('data', Buffer.from([byte]))
    expect([...await pending]).toEqual([0x11, 9, 9, 0xff, ...Buffer.from('ACME X1')])
    expect(port._client.listenerCount('data')).toBe(0)
  })

  it('an identification answer in two chunks', async () => {
    const port = new FakeRtuPort()
    const answer = rtuFrame(1, handleRequest(device, deviceIdRequest(1, 0)))
    const pending = exchangePdu(port, 'rtu', 1, deviceIdRequest(1, 0), 1000, '(unit 1)')
    port._client.emit('data', answer.subarray(0, 9))
    port._client.emit('data', answer.subarray(9))
    expect(await pending).toEqual(answer.subarray(1, -2))
  })

  it('an exception answer is a typed exception with the function code', async () => {
    const port = new FakeRtuPort()
    const pending = exchangePdu(port, 'rtu', 4, serverIdRequest(), 1000, '(unit 4 on /dev/ttyUSB0)')
    port._client.emit('data', rtuFrame(4, Buffer.from([0x91, 0x01])))
    const error = await pending.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ModbusExceptionError)
    expect(error).toMatchObject({ code: 'MODBUS_ILLEGAL_FUNCTION', exceptionCode: 1, functionCode: 17, message: 'exception 1 (illegal function) to function 17 (unit 4 on /dev/ttyUSB0)' })
  })

  it('another unit\'s answer is not taken; silence is a timeout', async () => {
    vi.useFakeTimers()
    const port = new FakeRtuPort()
    const pending = exchangePdu(port, 'rtu', 5, serverIdRequest(), 300, '(unit 5)')
    port._client.emit('data', rtuFrame(6, handleRequest(device, serverIdRequest())))
    const outcome = pending.catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(300)
    expect(await outcome).toBeInstanceOf(ModbusTimeoutError)
    expect(port._client.listenerCount('data')).toBe(0)
  })

  it('a whole answer with a bad CRC and nothing better until the timeout is a frame error', async () => {
    vi.useFakeTimers()
    const port = new FakeRtuPort()
    const pending = exchangePdu(port, 'rtu', 5, serverIdRequest(), 300, '(unit 5)')
    const hit = rtuFrame(5, handleRequest(device, serverIdRequest()))
    hit[5] = hit[5]! ^ 0x10
    port._client.emit('data', hit)
    const outcome = pending.catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(300)
    expect(await outcome).toBeInstanceOf(ModbusFrameError)
  })
})

describe('exchangePdu on TCP', () => {
  it('takes the frame of its own transaction id only', async () => {
    const port = new FakeTcpPort()
    const pending = exchangePdu(port, 'tcp', 2, serverIdRequest(), 1000, '(unit 2)')
    const answer = rtuFrame(2, handleRequest(device, serverIdRequest()))
    port.answer(39, rtuFrame(2, Buffer.from([0x11, 1, 0x77])))
    port.answer(40, answer)
    expect(await pending).toEqual(answer.subarray(1, -2))
    expect(port.listenerCount('data')).toBe(0)
  })
})
