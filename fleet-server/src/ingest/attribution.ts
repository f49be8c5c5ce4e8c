import type { AgentEvent } from '../../../protocols/mqtt/index.ts'

/** A command the server sent to the gateway, as far as attribution needs it. */
export interface SentCommand {
  name: string
  /** the user the server recorded as sending it */
  by: string
  args: Record<string, unknown>
}

/**
 * How long after a command the gateway's event of it may be stamped (a gateway offline when it was
 * sent gets it from its persistent session on reconnecting); it may be stamped up to
 * MAX_FUTURE_SKEW_MS before it (the clocks differ).
 */
export const COMMAND_EVENT_WINDOW_MS = 60 * 60_000

/** The name a gateway-reported actor is stored under when no command of the server names that user. */
export const localOperator = (gatewayId: string, by: string): string => `local operator at ${gatewayId}: ${by}`

const INTERLOCK_COMMANDS: Partial<Record<string, string>> = { reset: 'reset-interlock', bypassed: 'bypass-interlock', 'bypass-ended': 'end-bypass' }

/** Whether `command` is one that makes the gateway report `event` by `event.by`. */
export function commandBacks(event: AgentEvent, command: SentCommand): boolean {
  if (!('by' in event) || event.by === undefined) return false
  const { args } = command
  if (event.by !== command.by && event.by !== args['by']) return false
  if (event.type === 'alarm') {
    if (command.name !== 'ack-alarm') return false
    return args['all'] === true || (args['device'] === event.device && args['channel'] === event.channel && (args['kind'] === undefined || args['kind'] === event.kind))
  }
  if (event.type === 'interlock') return command.name === INTERLOCK_COMMANDS[event.state] && args['interlock'] === event.interlock
  return false
}

/**
 * The event as it is stored: a `by` that a command of the server sent to this gateway backs is kept
 * (it names a fleet user who did it through the server); any other is what the gateway says its
 * local operator entered, and is stored as such — a gateway cannot make a fleet user answerable.
 */
export function attributed<E extends AgentEvent>(gatewayId: string, event: E, commands: readonly SentCommand[]): E {
  if (!('by' in event) || event.by === undefined) return event
  if (commands.some((command) => commandBacks(event, command))) return event
  return { ...event, by: localOperator(gatewayId, event.by) }
}
