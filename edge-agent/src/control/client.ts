import { randomUUID } from 'node:crypto'
import { createConnection } from 'node:net'
import type { CommandName } from '../../../protocols/mqtt/index.ts'
import type { LocalCommandName } from './local-commands.ts'
import {
  ControlError, describeErrors, encodeLine, LineSplitter, MAX_REPLY_BYTES, validateReply,
  type CommandArgs, type ControlReply,
} from './protocol.ts'

export interface SendOptions {
  /** from connecting to the reply (default 5000) */
  timeoutMs?: number
}

const DEFAULT_TIMEOUT_MS = 5000

/**
 * Send one command to the agent listening on `path` and wait for its reply. An ok:false reply is
 * returned, not thrown: it is the agent's answer. Throws ControlError: CONTROL_NO_AGENT (nothing
 * listens), CONTROL_DENIED (the socket belongs to another account), CONTROL_TIMEOUT, CONTROL_CLOSED,
 * CONTROL_BAD_REPLY.
 */
export function sendControlCommand<C extends CommandName | LocalCommandName>(
  path: string,
  command: C,
  args: CommandArgs<C>,
  { timeoutMs = DEFAULT_TIMEOUT_MS }: SendOptions = {},
): Promise<ControlReply> {
  const id = randomUUID()
  return new Promise<ControlReply>((resolvePromise, reject) => {
    let settled = false
    const socket = createConnection(path)
    const finish = (error: ControlError | undefined, reply?: ControlReply) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      if (error) reject(error)
      else resolvePromise(reply!)
    }
    const timer = setTimeout(() => finish(new ControlError('CONTROL_TIMEOUT', `the agent did not answer ${command} within ${timeoutMs} ms (control socket ${path})`, path)), timeoutMs)
    const splitter = new LineSplitter(
      MAX_REPLY_BYTES,
      (line) => {
        let body: unknown
        try {
          body = JSON.parse(line)
        } catch {
          finish(new ControlError('CONTROL_BAD_REPLY', `the agent's reply is not JSON (control socket ${path})`, path))
          return
        }
        if (!validateReply(body)) {
          finish(new ControlError('CONTROL_BAD_REPLY', `the agent's reply is invalid: ${describeErrors(validateReply.errors, 'reply')} (control socket ${path})`, path))
        } else if (body.id === id) {
          finish(undefined, body)
        } else if (body.id === '-' && !body.ok) {
          // the agent could not read our request at all
          finish(undefined, { ...body, id })
        }
        // another id: not ours (there is none on a fresh connection); keep waiting
      },
      () => finish(new ControlError('CONTROL_BAD_REPLY', `the agent's reply is longer than ${MAX_REPLY_BYTES} bytes (control socket ${path})`, path)),
    )
    socket.on('connect', () => socket.write(encodeLine({ v: 1, id, command, args })))
    socket.on('data', (chunk: Buffer) => splitter.push(chunk))
    socket.on('close', () => finish(new ControlError('CONTROL_CLOSED', `the agent closed the connection without answering ${command} (control socket ${path})`, path)))
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') {
        finish(new ControlError('CONTROL_NO_AGENT', `no agent is listening on the gateway's control socket ${path}`, path))
      } else if (error.code === 'EACCES' || error.code === 'EPERM') {
        finish(new ControlError('CONTROL_DENIED', `permission denied on the control socket ${path}: run this as the account the agent runs under`, path))
      } else {
        finish(new ControlError('CONTROL_CLOSED', `control socket ${path}: ${error.message}`, path))
      }
    })
  })
}
