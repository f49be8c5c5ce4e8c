import { createHash } from 'node:crypto'
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { bufferPathOf } from '../outbox/buffer-path.ts'
import type { ResolvedConfig } from '../config/index.ts'
import {
  ControlError, encodeLine, LineSplitter, MAX_REQUEST_BYTES, parseRequest, UNKNOWN_ID,
  type ControlHandler, type ControlReply,
} from './protocol.ts'
import { callerName, peerIdentity, type PeerIdentity } from './peer.ts'

/** sun_path holds 108 bytes on Linux (104 on the BSDs and macOS), the terminating NUL included. */
export const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103
const SOCKET_NAME = 'control.sock'
const PROBE_TIMEOUT_MS = 1000
/** Requests of one connection waiting for the handler before the server stops reading from it. */
const MAX_QUEUED_PER_CONNECTION = 32

/**
 * `control.sock` next to the config's outbox file (the agent's data directory), as an absolute path.
 * A path too long for a unix socket becomes `edge-agent-<hash>.sock` under the OS temp dir, the hash
 * taken from the long path, so the agent and the CLI arrive at the same file.
 */
export function controlSocketPath(config: ResolvedConfig): string {
  return socketPathNear(resolve(bufferPathOf(config)))
}

/** `control.sock` in the directory of `file`, or its short stand-in under the temp dir. */
export function socketPathNear(file: string): string {
  const path = join(dirname(resolve(file)), SOCKET_NAME)
  if (Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES) return path
  const hash = createHash('sha256').update(path).digest('hex').slice(0, 16)
  return join(tmpdir(), `edge-agent-${hash}.sock`)
}

export interface ControlLogger {
  info: (fields: unknown, message?: string) => void
  warn: (fields: unknown, message?: string) => void
}

export interface ControlServerOptions {
  path: string
  handler: ControlHandler
  logger: ControlLogger
}

const errnoOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code

/** Whether something accepts connections on `path`: true (it does), false (stale: ECONNREFUSED). */
function probe(path: string): Promise<boolean> {
  return new Promise((resolvePromise, reject) => {
    const socket = createConnection(path)
    const timer = setTimeout(() => {
      socket.destroy()
      resolvePromise(true) // a listener too busy to accept is still a listener
    }, PROBE_TIMEOUT_MS)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.destroy()
      resolvePromise(true)
    })
    socket.once('error', (error) => {
      clearTimeout(timer)
      if (errnoOf(error) === 'ECONNREFUSED' || errnoOf(error) === 'ENOENT') resolvePromise(false)
      else reject(error)
    })
  })
}

/** Run `fn` with the process umask set to `mask` (the socket is created 0600, with no moment of wider access). */
function withUmask<T>(mask: number, fn: () => T): T {
  let previous: number | undefined
  try {
    previous = process.umask(mask)
  } catch {
    // worker threads cannot change the umask: the chmod after listen still applies
  }
  try {
    return fn()
  } finally {
    if (previous !== undefined) process.umask(previous)
  }
}

/**
 * The agent's end of the local control socket: one line in, one reply out, per request. Malformed
 * input is answered with ok:false and never reaches the handler or ends the connection; a handler
 * that throws is answered the same way. The socket file is mode 0600: only the account running the
 * agent (the gateway's operator account) may command interlocks through it.
 */
export class ControlServer {
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()

  constructor(private readonly options: ControlServerOptions) {}

  get path(): string {
    return this.options.path
  }

  async start(): Promise<void> {
    if (this.server) return
    const { path } = this.options
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
    await this.removeStale(path)
    const server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket))
    await new Promise<void>((resolvePromise, reject) => {
      const fail = (error: Error) => {
        reject(errnoOf(error) === 'EADDRINUSE'
          ? new ControlError('CONTROL_IN_USE', `another agent is listening on the control socket ${path}`, path)
          : error)
      }
      server.once('error', fail)
      withUmask(0o177, () => server.listen(path, () => {
        server.off('error', fail)
        resolvePromise()
      }))
    })
    chmodSync(path, 0o600)
    server.on('error', (error) => this.options.logger.warn({ err: error, path }, `control: socket error: ${error.message}`))
    this.server = server
    this.options.logger.info({ path }, `control: listening on ${path}`)
  }

  /** Closes every connection (replies not yet written are lost) and removes the socket file. */
  async stop(): Promise<void> {
    const server = this.server
    if (!server) return
    this.server = undefined
    for (const socket of this.sockets) socket.destroy()
    this.sockets.clear()
    await new Promise<void>((resolvePromise) => server.close(() => resolvePromise()))
    try {
      unlinkSync(this.options.path)
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') this.options.logger.warn({ err: error, path: this.options.path }, 'control: could not remove the socket file')
    }
  }

  /** A socket file nobody answers on is left by an agent that died: remove it. A live one is another agent's. */
  private async removeStale(path: string): Promise<void> {
    let isSocket: boolean
    try {
      isSocket = lstatSync(path).isSocket()
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return
      throw error
    }
    if (!isSocket) throw new ControlError('CONTROL_PATH_TAKEN', `${path} exists and is not a socket; remove it or move the buffer`, path)
    let live: boolean
    try {
      live = await probe(path)
    } catch (error) {
      throw new ControlError('CONTROL_IN_USE', `the control socket ${path} exists and cannot be probed (${errnoOf(error) ?? String(error)}); is another agent running under another account?`, path)
    }
    if (live) throw new ControlError('CONTROL_IN_USE', `another agent is listening on the control socket ${path}`, path)
    this.options.logger.warn({ path }, `control: removing stale socket ${path}`)
    unlinkSync(path)
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket)
    // read at once, while the process that connected is surely there; every request of the connection waits for it
    const peer = peerIdentity(socket)
    let chain = Promise.resolve()
    let queued = 0
    const enqueue = (work: () => Promise<void>) => {
      queued++
      if (queued > MAX_QUEUED_PER_CONNECTION) socket.pause()
      chain = chain.then(work).finally(() => {
        queued--
        if (queued <= MAX_QUEUED_PER_CONNECTION && socket.isPaused()) socket.resume()
      })
    }
    const splitter = new LineSplitter(
      MAX_REQUEST_BYTES,
      (line) => enqueue(async () => this.serve(socket, line, await peer)),
      () => enqueue(async () => this.send(socket, {
        v: 1, id: UNKNOWN_ID, ok: false,
        message: `invalid request: line longer than ${MAX_REQUEST_BYTES} bytes; skipped up to its newline`,
      })),
    )
    socket.on('data', (chunk: Buffer) => splitter.push(chunk))
    // the client half-closed: answer what it sent, then close our side
    socket.on('end', () => {
      void chain.then(() => socket.end())
    })
    socket.on('error', (error) => this.options.logger.warn({ err: error }, `control: connection error: ${error.message}`))
    socket.on('close', () => this.sockets.delete(socket))
  }

  /**
   * One request. `by` as the client gave it is only a claim: the OS account the kernel names for the
   * peer is recorded beside it (every command's args take a `by`).
   */
  private async serve(socket: Socket, line: string, peer: PeerIdentity): Promise<void> {
    const request = parseRequest(line)
    if (!request.ok) {
      this.options.logger.warn({ id: request.reply.id, peer }, `control: refused request: ${request.reply.message ?? ''}`)
      this.send(socket, request.reply)
      return
    }
    const { id, command } = request
    const given = (request.args as { by?: unknown }).by
    const by = callerName(typeof given === 'string' ? given : undefined, peer)
    const args = { ...(request.args as Record<string, unknown>), by }
    this.options.logger.info({ command, id, by, peer }, `control: command ${command} (${id}) by ${by}`)
    let reply: ControlReply
    try {
      const outcome = await this.options.handler(command, args)
      reply = {
        v: 1, id, ok: outcome.ok === true,
        ...(typeof outcome.message === 'string' && { message: outcome.message }),
        ...(outcome.data !== undefined && { data: outcome.data }),
      }
    } catch (error) {
      reply = { v: 1, id, ok: false, message: error instanceof Error ? error.message : String(error) }
    }
    if (!reply.ok) this.options.logger.warn({ command, id }, `control: command ${command} (${id}) failed: ${reply.message ?? ''}`)
    this.send(socket, reply)
  }

  private send(socket: Socket, reply: ControlReply): void {
    let line: string
    try {
      line = encodeLine(reply)
    } catch (error) {
      // data the handler returned that JSON cannot carry (a cycle, a BigInt)
      line = encodeLine({ v: 1, id: reply.id, ok: false, message: `the agent could not encode its reply: ${error instanceof Error ? error.message : String(error)}` })
    }
    if (!socket.destroyed && socket.writable) socket.write(line)
  }
}
