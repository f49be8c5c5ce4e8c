import type { ErrorObject } from 'ajv'
import Type, { type Static } from 'typebox'
import { COMMAND_ARGS_SCHEMAS, COMMAND_NAMES, commandArgsErrors, isCommandName, type CommandName } from '../../../protocols/mqtt/index.ts'
import { createValidator } from '../../../protocols/validation/ajv.ts'
import { ProductError } from '../../../protocols/errors.ts'
import { isLocalCommandName, LOCAL_COMMAND_ARGS_SCHEMAS, LOCAL_COMMAND_NAMES, localCommandArgsErrors, type LocalCommandName } from './local-commands.ts'

/**
 * The gateway's local control socket: newline-delimited JSON over a unix domain socket. Each request
 * line gets exactly one reply line, carrying the request's id. The commands and their `args` are the
 * ones `cmd/{name}` carries over MQTT (protocols/mqtt/commands.ts), so both transports accept the same,
 * plus the commissioning commands only the gateway itself accepts (local-commands.ts).
 */

export const CONTROL_PROTOCOL_VERSION = 1
/** A request line longer than this is refused (and skipped up to its newline); the connection stays usable. A signed run must fit one MQTT event batch. */
export const MAX_REQUEST_BYTES = 1024 * 1024
/** Replies may be longer (safety-status of a large site); the client refuses more than this. */
export const MAX_REPLY_BYTES = 16 * 1024 * 1024
/** The id of a reply to a line whose id could not be read. */
export const UNKNOWN_ID = '-'

const Id = Type.String({ minLength: 1, maxLength: 64, description: 'chosen by the client; echoed in the reply' })

export const ControlRequestSchema = Type.Object({
  v: Type.Literal(CONTROL_PROTOCOL_VERSION),
  id: Id,
  command: Type.String({ minLength: 1, maxLength: 64, description: 'a command name of protocols/mqtt/commands.ts or local-commands.ts' }),
  args: Type.Unknown({ description: 'checked against the command\'s schema in COMMAND_ARGS_SCHEMAS' }),
}, { additionalProperties: false, description: 'one line from the operator CLI to the agent' })

export const ControlReplySchema = Type.Object({
  v: Type.Literal(CONTROL_PROTOCOL_VERSION),
  id: Type.String({ minLength: 1, maxLength: 64, description: 'the request\'s id, or "-" when it could not be read' }),
  ok: Type.Boolean(),
  message: Type.Optional(Type.String({ description: 'what happened, for the operator' })),
  data: Type.Optional(Type.Unknown({ description: 'the command\'s result (safety-status: a SafetyStatus)' })),
}, { additionalProperties: false, description: 'exactly one line per request, from the agent' })

export type ControlRequest = Static<typeof ControlRequestSchema>
export type ControlReply = Static<typeof ControlReplySchema>
export type CommandArgs<C extends CommandName | LocalCommandName> = C extends CommandName
  ? Static<(typeof COMMAND_ARGS_SCHEMAS)[C]>
  : C extends LocalCommandName ? Static<(typeof LOCAL_COMMAND_ARGS_SCHEMAS)[C]> : never

/** What a handler returns; the server adds v and id. */
export interface ControlOutcome {
  ok: boolean
  message?: string
  data?: unknown
}

/** Carries out one checked command (args already valid for it). */
export type ControlHandler = (command: CommandName | LocalCommandName, args: unknown) => Promise<ControlOutcome>

export type ControlErrorCode =
  | 'CONTROL_NO_AGENT' // nothing listens on the socket
  | 'CONTROL_TIMEOUT' // the agent did not answer in time
  | 'CONTROL_DENIED' // the socket belongs to another account (mode 0600)
  | 'CONTROL_CLOSED' // the agent closed the connection before replying
  | 'CONTROL_BAD_REPLY' // the reply is not a valid ControlReply
  | 'CONTROL_IN_USE' // another agent already listens on the socket
  | 'CONTROL_PATH_TAKEN' // something that is not a socket sits at the socket path

export class ControlError extends ProductError {
  override readonly name = 'ControlError'
  constructor(readonly code: ControlErrorCode, message: string, readonly path: string) {
    super(message)
  }
}

const validateRequest = createValidator<ControlRequest>(ControlRequestSchema)
export const validateReply = createValidator<ControlReply>(ControlReplySchema)
const COMMAND_LIST = [...COMMAND_NAMES, ...LOCAL_COMMAND_NAMES].join(', ')

/**
 * A value that matches no branch of a top-level union (ack-alarm: one channel, or all) draws errors
 * from every branch; report only the branch it came closest to (fewest errors).
 */
function closestBranch(errors: readonly ErrorObject[]): readonly ErrorObject[] {
  const branches = new Map<string, ErrorObject[]>()
  const rest: ErrorObject[] = []
  for (const e of errors) {
    const branch = /^#\/anyOf\/(\d+)\//u.exec(e.schemaPath)?.[1]
    if (branch === undefined) rest.push(e)
    else branches.set(branch, [...(branches.get(branch) ?? []), e])
  }
  if (branches.size === 0) return errors
  const closest = [...branches.values()].reduce((a, b) => (b.length < a.length ? b : a))
  return [...rest, ...closest]
}

/** Ajv errors as one line: `args.device: must be string; args: unknown key "colour"` (at most 3). */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined, root: string): string {
  const parts: string[] = []
  for (const e of closestBranch(errors ?? [])) {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'if') continue
    const where = root + e.instancePath.replaceAll('/', '.')
    let text: string
    if (e.keyword === 'additionalProperties') text = `unknown key "${String(e.params.additionalProperty)}"`
    else if (e.keyword === 'required') text = `missing key "${String(e.params.missingProperty)}"`
    else if (e.keyword === 'const') text = `must be ${JSON.stringify(e.params.allowedValue)}`
    else if (e.keyword === 'enum') text = `${e.message ?? 'invalid'}: ${(e.params.allowedValues as unknown[]).join(', ')}`
    else text = e.message ?? 'invalid'
    const part = `${where}: ${text}`
    if (!parts.includes(part)) parts.push(part)
  }
  if (parts.length === 0) return `${root}: invalid`
  return parts.length > 3 ? `${parts.slice(0, 3).join('; ')}; and ${parts.length - 3} more` : parts.join('; ')
}

/** A request line read and checked: the command to run, or the reply that refuses it. */
export type ParsedRequest =
  | { ok: true; id: string; command: CommandName | LocalCommandName; args: unknown }
  | { ok: false; reply: ControlReply }

const refuse = (id: string, message: string): ParsedRequest => ({ ok: false, reply: { v: 1, id, ok: false, message } })

/** One request line (without its newline) → a checked command, or the ok:false reply saying why not. */
export function parseRequest(line: string): ParsedRequest {
  let body: unknown
  try {
    body = JSON.parse(line)
  } catch (error) {
    return refuse(UNKNOWN_ID, `invalid request: not JSON (${error instanceof Error ? error.message : String(error)})`)
  }
  const rawId = (body as { id?: unknown } | null)?.id
  const id = typeof rawId === 'string' && rawId.length > 0 && rawId.length <= 64 ? rawId : UNKNOWN_ID
  if (!validateRequest(body)) {
    return refuse(id, `invalid request: ${describeErrors(validateRequest.errors, 'request')} (expected {"v":1,"id","command","args"})`)
  }
  const { command, args } = body
  if (isLocalCommandName(command)) {
    const errors = localCommandArgsErrors(command, args)
    return errors ? refuse(id, `invalid arguments for ${command}: ${describeErrors(errors, 'args')}`) : { ok: true, id, command, args }
  }
  if (!isCommandName(command)) return refuse(id, `unknown command ${command}; one of ${COMMAND_LIST}`)
  const errors = commandArgsErrors(command, args)
  if (errors) return refuse(id, `invalid arguments for ${command}: ${describeErrors(errors, 'args')}`)
  return { ok: true, id, command, args }
}

export const encodeLine = (message: ControlRequest | ControlReply): string => `${JSON.stringify(message)}\n`

/**
 * Splits a byte stream into lines of at most `maxBytes`. A longer line is reported once through
 * `onOverflow` and its bytes skipped up to the next newline, so the stream stays usable.
 */
export class LineSplitter {
  private parts: Buffer[] = []
  private size = 0
  private skipping = false

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOverflow: () => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start)
      const end = nl === -1 ? chunk.length : nl
      if (!this.skipping) {
        this.size += end - start
        if (this.size > this.maxBytes) {
          this.parts = []
          this.size = 0
          this.skipping = true
          this.onOverflow()
        } else {
          this.parts.push(chunk.subarray(start, end))
        }
      }
      if (nl === -1) return
      if (!this.skipping) {
        const line = Buffer.concat(this.parts).toString('utf8').replace(/\r$/u, '')
        this.parts = []
        this.size = 0
        if (line.trim().length > 0) this.onLine(line)
      }
      this.skipping = false
      start = nl + 1
    }
  }

  /** Bytes of an unfinished line (dropped when the connection ends). */
  get pending(): number {
    return this.size
  }
}
