import { CommandSchema, parseTopic, type Command, type CommandResult } from '../../../protocols/mqtt/index.ts'
import { createValidator, firstErrorText } from '../../../protocols/validation/ajv.ts'
import type { Outbox } from '../outbox/index.ts'

/** Carries out one command; `message` says what happened (shown to the server's user). */
export type CommandHandler = (name: string, command: Command) => Promise<{ ok: boolean; message?: string }>

const validateCommand = createValidator<Command>(CommandSchema)
const MAX_MESSAGE = 500
const NO_ISSUER = 'refused: a fleet command must name the user who issued it (by); nothing was done'

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
      // nothing runs and nothing is recorded: the id stays free for the command sent properly
      const noIssuer = (validateCommand.errors ?? []).every((e) => e.keyword === 'required' && e.instancePath === '' && e.params['missingProperty'] === 'by')
      this.answer(name, body, false, noIssuer ? NO_ISSUER : `invalid command: ${firstErrorText(validateCommand.errors)}`)
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

/** The args a fleet command runs with: its own `by` (the fleet user the server names) replaces any in its args. */
export const issuedArgs = (command: Command): Record<string, unknown> => ({ ...(command.args ?? {}), by: command.by })

/** Where the ids of the fleet commands run are kept (the outbox: across a restart too). */
export type CommandIdStore = Pick<Outbox, 'claimCommand' | 'settleCommand'>

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * `handler`, running each command id once. The id is committed before the command runs (at most once:
 * a power cut in between never runs it twice). A repeat runs nothing and is answered with the first
 * command's answer; a repeat whose first run has no answer (still running, or the agent stopped while
 * it ran) or that names another command is refused.
 */
export function runningOnce(handler: CommandHandler, ids: CommandIdStore, clock: () => number): CommandHandler {
  return async (name, command) => {
    const earlier = ids.claimCommand(command.id, name, clock())
    if (earlier) {
      if (earlier.command !== name) return { ok: false, message: `refused: command id ${command.id} was used by ${earlier.command} at ${iso(earlier.receivedAt)}; ${name} not run` }
      if (earlier.ok === undefined) return { ok: false, message: `duplicate: command ${command.id} was received at ${iso(earlier.receivedAt)} and has no recorded answer (still running, or the agent stopped while it ran); not run again` }
      return { ok: earlier.ok, ...(earlier.message !== undefined && { message: earlier.message }) }
    }
    let outcome: { ok: boolean; message?: string }
    try {
      outcome = await handler(name, command)
    } catch (error) {
      ids.settleCommand(command.id, false, error instanceof Error ? error.message : String(error))
      throw error
    }
    ids.settleCommand(command.id, outcome.ok, outcome.message?.slice(0, MAX_MESSAGE))
    return outcome
  }
}
