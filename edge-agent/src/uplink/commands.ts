import { CommandSchema, parseTopic, type Command, type CommandResult } from '../../../protocols/mqtt/index.ts'
import { createValidator, firstErrorText } from '../../../protocols/validation/ajv.ts'

/** Carries out one command; `message` says what happened (shown to the server's user). */
export type CommandHandler = (name: string, command: Command) => Promise<{ ok: boolean; message?: string }>

const validateCommand = createValidator<Command>(CommandSchema)
const MAX_MESSAGE = 500

export interface CommandDispatcherOptions {
  gateway: string
  clock: () => number
  logger: { warn: (fields: unknown, message?: string) => void; info: (fields: unknown, message?: string) => void }
  reply: (result: CommandResult) => void
}

/**
 * `cmd/{name}` messages → the handler → one `cmd-result` each. A payload that breaks CommandSchema
 * is answered with ok: false and never reaches the handler; a handler that throws is answered the same way.
 */
export class CommandDispatcher {
  handler: CommandHandler | undefined

  constructor(private readonly options: CommandDispatcherOptions) {}

  dispatch(topic: string, payload: Buffer, retained: boolean): void {
    const parsed = parseTopic(topic)
    if (!parsed || parsed.kind !== 'cmd' || parsed.gateway !== this.options.gateway) return
    const name = parsed.command
    if (retained) {
      // a retained command would run again on every reconnect
      this.options.logger.warn({ command: name }, `uplink: ignoring retained command ${name} (commands must not be retained)`)
      return
    }
    let body: unknown
    try {
      body = JSON.parse(payload.toString('utf8'))
    } catch {
      this.answer(name, undefined, false, 'invalid command: payload is not JSON')
      return
    }
    if (!validateCommand(body)) {
      this.answer(name, body, false, `invalid command: ${firstErrorText(validateCommand.errors)}`)
      return
    }
    const command = body
    const handler = this.handler
    if (!handler) {
      this.answer(name, command, false, 'this agent does not handle commands')
      return
    }
    this.options.logger.info({ command: name, id: command.id }, `uplink: command ${name} (${command.id})`)
    let outcome: Promise<{ ok: boolean; message?: string }>
    try {
      outcome = handler(name, command)
    } catch (error) {
      outcome = Promise.reject(error)
    }
    outcome.then(
      (result) => this.answer(name, command, result.ok, result.message),
      (error: unknown) => this.answer(name, command, false, error instanceof Error ? error.message : String(error)),
    )
  }

  private answer(name: string, body: unknown, ok: boolean, message: string | undefined): void {
    const id = (body as { id?: unknown } | undefined)?.id
    const result: CommandResult = {
      v: 1, gw: this.options.gateway,
      id: typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : '-',
      command: name, ok, ts: this.options.clock(),
      ...(message !== undefined && { message: message.slice(0, MAX_MESSAGE) }),
    }
    if (!ok) this.options.logger.warn({ command: name, id: result.id }, `uplink: command ${name} (${result.id}) failed: ${message ?? ''}`)
    this.options.reply(result)
  }
}
