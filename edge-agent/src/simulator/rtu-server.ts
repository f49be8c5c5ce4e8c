import { SerialPort } from 'serialport'
import {
  charTimeMs, handleRequest, hasValidCrc, rtuFrame, rtuRequestLength, silenceMs, type SerialFraming,
} from '../../../protocols/modbus/index.ts'
import type { SimulatedDevice } from './device.ts'
import type { RunningServer } from './tcp-server.ts'

const BROADCAST = 0

export interface RtuServerOptions extends SerialFraming {
  path: string
  /** Delay each answer by the real wire time of request and answer at this baud and framing. */
  wireTiming?: boolean
}

/** Where a complete request with a valid CRC starts after the first byte of `buffer`, if one does. */
function nextRequestAt(buffer: Buffer): number | undefined {
  for (let start = 1; start + 4 <= buffer.length; start++) {
    const rest = buffer.subarray(start)
    const length = rtuRequestLength(rest)
    if (length !== undefined && length > 0 && rest.length >= length && hasValidCrc(rest.subarray(0, length))) return start
  }
  return undefined
}

/**
 * Modbus RTU slave(s) on one serial line. Frames are found by their function code's length and CRC;
 * a partial frame is dropped after a silence, and bytes no request can be read from (another slave's answer)
 * are skipped up to the next complete request. Requests to unit ids we do not serve are ignored,
 * as the other slaves on a real bus would see them.
 */
export async function startRtuServer(devices: ReadonlyMap<number, SimulatedDevice>, options: RtuServerOptions): Promise<RunningServer> {
  const port = new SerialPort({
    path: options.path,
    baudRate: options.baud,
    parity: options.parity,
    dataBits: (options.dataBits ?? 8) as 8,
    stopBits: (options.stopBits ?? 1) as 1,
    autoOpen: false,
  })
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())))
  const charMs = charTimeMs(options)
  // a pty delivers bytes in bursts: wait a little longer than t3.5 before calling a frame broken
  const resetMs = Math.max(silenceMs(options), 20)
  let buffer: Buffer = Buffer.alloc(0)
  let resetTimer: NodeJS.Timeout | undefined
  const timers = new Set<NodeJS.Timeout>()

  const send = (frame: Buffer, requestBytes: number) => {
    if (!options.wireTiming) {
      port.write(frame)
      return
    }
    // on a real bus the answer is complete after the request, the device's t3.5 and the answer itself;
    // the silence after the answer is the master's to keep
    const delay = (requestBytes + frame.length) * charMs + silenceMs(options)
    const timer = setTimeout(() => {
      timers.delete(timer)
      port.write(frame)
    }, delay)
    timers.add(timer)
  }

  const consume = () => {
    while (buffer.length >= 2) {
      const length = rtuRequestLength(buffer)
      if (length === undefined || (length > 0 && buffer.length < length)) return
      const frameLength = length > 0 ? length : buffer.length
      const frame = buffer.subarray(0, frameLength)
      if (!hasValidCrc(frame)) {
        if (length > 0) {
          buffer = buffer.subarray(1) // resynchronise on the next byte
          continue
        }
        // an unknown function, or another slave's answer read from the middle: a complete request with a
        // valid CRC further on is the master's next one (a shared line carries the others' answers)
        const next = nextRequestAt(buffer)
        if (next !== undefined) {
          buffer = buffer.subarray(next)
          continue
        }
        return // wait for the silence to close the frame
      }
      buffer = buffer.subarray(frameLength)
      const unit = frame[0]!
      if (unit === BROADCAST) {
        // every slave carries out a broadcast write, and none answers (serial line spec §2.1)
        for (const device of devices.values()) if (!device.silent) handleRequest(device, frame.subarray(1, frameLength - 2))
        continue
      }
      const device = devices.get(unit)
      if (!device || device.silent) continue
      const response = handleRequest(device, frame.subarray(1, frameLength - 2))
      send(rtuFrame(unit, response), frameLength)
    }
  }

  port.on('data', (chunk: Buffer) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk])
    consume()
    if (resetTimer) clearTimeout(resetTimer)
    if (buffer.length > 0) {
      resetTimer = setTimeout(() => {
        // an unknown function code's frame is complete after the silence
        if (hasValidCrc(buffer)) {
          const unit = buffer[0]!
          const device = devices.get(unit)
          if (device && !device.silent) send(rtuFrame(unit, handleRequest(device, buffer.subarray(1, buffer.length - 2))), buffer.length)
        }
        buffer = Buffer.alloc(0)
      }, resetMs)
    }
  })
  port.on('error', () => {})

  return {
    address: options.path,
    close: () =>
      new Promise<void>((resolve) => {
        if (resetTimer) clearTimeout(resetTimer)
        for (const timer of timers) clearTimeout(timer)
        if (!port.isOpen) return resolve()
        port.close(() => resolve())
      }),
  }
}
