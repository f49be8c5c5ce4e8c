import { createServer, type Socket } from 'node:net'
import { answerControlLine, type GasControl, type GasControlReply } from './gas-control.ts'
import { listening, type RunningServer } from './tcp-server.ts'

/** A request line longer than this is refused (and skipped up to its newline); the connection stays usable. */
const MAX_LINE_BYTES = 64 * 1024

const LOOPBACK = /^(?:127(?:\.\d{1,3}){3}|::1|localhost)$/u

export const isLoopback = (host: string): boolean => LOOPBACK.test(host)

/**
 * The gas control as newline-delimited JSON on a loopback TCP port: one reply line per request line.
 * Loopback only: anyone who can connect can put a simulated site in alarm, and there is no login.
 */
export function startControlServer(control: GasControl, host: string, port: number): Promise<RunningServer> {
  if (!isLoopback(host)) return Promise.reject(new Error(`the control listens on loopback only (127.0.0.1, ::1, localhost), not ${host}`))
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.setEncoding('utf8')
    let pending = ''
    let skipping = false
    const reply = (answer: GasControlReply) => socket.write(`${JSON.stringify(answer)}\n`)
    const tooLong = () => reply({ ok: false, code: 'SIMULATOR_BAD_REQUEST', message: `request line longer than ${MAX_LINE_BYTES} bytes` })
    socket.on('data', (chunk: string) => {
      pending += chunk
      for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
        const line = pending.slice(0, newline).trim()
        pending = pending.slice(newline + 1)
        if (skipping) skipping = false // the end of a line already refused
        else if (Buffer.byteLength(line) > MAX_LINE_BYTES) tooLong()
        else if (line !== '') reply(answerControlLine(line, control))
      }
      if (Buffer.byteLength(pending) > MAX_LINE_BYTES) {
        if (!skipping) tooLong()
        skipping = true
        pending = ''
      }
    })
    socket.on('error', () => socket.destroy())
    socket.on('close', () => sockets.delete(socket))
  })
  return listening(server, sockets, host, port)
}
