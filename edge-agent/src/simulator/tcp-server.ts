import { createServer, type Server, type Socket } from 'node:net'
import { handleRequest } from '../../../protocols/modbus/index.ts'
import type { SimulatedDevice } from './device.ts'

const GATEWAY_TARGET_FAILED = 0x0b
const MBAP_HEADER = 7

export interface RunningServer {
  address: string
  close(): Promise<void>
}

function answerFrames(devices: ReadonlyMap<number, SimulatedDevice>, data: Buffer): { replies: Buffer[]; used: number } {
  const replies: Buffer[] = []
  let offset = 0
  while (data.length - offset >= MBAP_HEADER + 1) {
    const length = data.readUInt16BE(offset + 4)
    const end = offset + 6 + length
    if (length < 2 || length > 254) return { replies, used: data.length } // not Modbus: drop what we have
    if (end > data.length) break
    if (data.readUInt16BE(offset + 2) !== 0) {
      offset = end // protocol id other than Modbus: not ours to answer
      continue
    }
    const unit = data[offset + 6]!
    const pdu = data.subarray(offset + MBAP_HEADER, end)
    const device = devices.get(unit)
    let response: Buffer | undefined
    if (!device) response = Buffer.from([pdu[0]! | 0x80, GATEWAY_TARGET_FAILED])
    else if (!device.silent) response = handleRequest(device, pdu)
    if (response) {
      const reply = Buffer.allocUnsafe(MBAP_HEADER + response.length)
      data.copy(reply, 0, offset, offset + 4) // transaction and protocol id
      reply.writeUInt16BE(response.length + 1, 4)
      reply[6] = unit
      response.copy(reply, MBAP_HEADER)
      replies.push(reply)
    }
    offset = end
  }
  return { replies, used: offset }
}

/** Modbus TCP: MBAP framing, answered synchronously as bytes arrive; pipelined requests are answered in order. */
export function startTcpServer(devices: ReadonlyMap<number, SimulatedDevice>, host: string, port: number): Promise<RunningServer> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.setNoDelay(true)
    let pending: Buffer | undefined
    socket.on('data', (chunk: Buffer) => {
      const data = pending ? Buffer.concat([pending, chunk]) : chunk
      const { replies, used } = answerFrames(devices, data)
      pending = used < data.length ? Buffer.from(data.subarray(used)) : undefined
      if (replies.length === 1) socket.write(replies[0]!)
      else if (replies.length > 1) socket.write(Buffer.concat(replies))
    })
    socket.on('error', () => socket.destroy())
    socket.on('close', () => sockets.delete(socket))
  })
  return listening(server, sockets, host, port)
}

/** `server` listening on host:port (port 0: any free one), answering its address as HOST:PORT ([::1]:PORT for IPv6). */
export function listening(server: Server, sockets: Set<Socket>, host: string, port: number): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      const bound = server.address()
      const actualPort = typeof bound === 'object' && bound ? bound.port : port
      resolve({
        address: `${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => done())
          }),
      })
    })
  })
}
