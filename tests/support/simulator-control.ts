import { connect, type Socket } from 'node:net'
import type { GasChannelState, GasControlReply } from '../../edge-agent/src/simulator/index.ts'

/** A client of `edge-agent simulate --control`: one connection, requests answered in order. */
export interface SimulatorControl {
  /** Test gas on one channel; resolves with the unit's channels, rejects with the simulator's message. */
  apply(unit: number, channel: string, value: number): Promise<GasChannelState[]>
  remove(unit: number): Promise<GasChannelState[]>
  state(unit: number): Promise<GasChannelState[]>
  /** One raw line (without newline) and its reply as sent, refusals included. */
  send(line: string): Promise<GasControlReply>
  close(): Promise<void>
}

/** Connects to `HOST:PORT` as the simulator's ready line reports it (`... control 127.0.0.1:41633`). */
export async function simulatorControl(address: string, timeoutMs = 5_000): Promise<SimulatorControl> {
  const match = /^\[?(.+?)\]?:(\d+)$/u.exec(address)
  if (!match) throw new Error(`simulator control address must be HOST:PORT, got "${address}"`)
  const socket: Socket = connect({ host: match[1]!, port: Number(match[2]) })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  socket.setEncoding('utf8')
  const waiting: Array<{ resolve: (reply: GasControlReply) => void; reject: (error: Error) => void }> = []
  let pending = ''
  const failAll = (error: Error) => {
    for (const waiter of waiting.splice(0)) waiter.reject(error)
  }
  socket.on('data', (chunk: string) => {
    pending += chunk
    for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
      const line = pending.slice(0, newline)
      pending = pending.slice(newline + 1)
      waiting.shift()?.resolve(JSON.parse(line) as GasControlReply)
    }
  })
  socket.on('error', failAll)
  socket.on('close', () => failAll(new Error(`simulator control ${address} closed the connection`)))

  const send = (line: string): Promise<GasControlReply> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply from simulator control ${address} within ${timeoutMs} ms to ${line}`)), timeoutMs)
      waiting.push({
        resolve: (reply) => { clearTimeout(timer); resolve(reply) },
        reject: (error) => { clearTimeout(timer); reject(error) },
      })
      socket.write(`${line}\n`)
    })
  const channels = async (request: object): Promise<GasChannelState[]> => {
    const reply = await send(JSON.stringify(request))
    if (!reply.ok) throw new Error(`simulator control refused ${JSON.stringify(request)}: ${reply.code} ${reply.message}`)
    return reply.channels
  }
  return {
    apply: (unit, channel, value) => channels({ unit, apply: { channel, value } }),
    remove: (unit) => channels({ unit, remove: true }),
    state: (unit) => channels({ unit, state: true }),
    send,
    close: () => new Promise<void>((resolve) => {
      if (socket.destroyed) return resolve()
      socket.once('close', () => resolve())
      socket.end()
    }),
  }
}
