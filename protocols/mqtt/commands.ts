import type { ErrorObject } from 'ajv'
import Type, { type Static } from 'typebox'
import { namedArgsChecker } from '../validation/ajv.ts'

/**
 * The arguments of each command a gateway accepts, on `cmd/{name}` (server → agent) and on the
 * gateway's local control socket (`edge-agent ack | reset | bypass | alarms`). Declared once; both
 * transports validate against these.
 */

const Name = Type.String({ minLength: 1, maxLength: 128 })
const By = Type.Optional(Type.String({
  minLength: 1, maxLength: 128,
  description: 'who did it. Over MQTT the command\'s own `by` (the fleet user, required) replaces it; on the control socket the agent adds the OS user of the caller',
}))

export const ALARM_KINDS = ['level', 'rate-of-rise', 'sensor-fault', 'flatline', 'interlock-failed', 'daily'] as const
export type AlarmKind = (typeof ALARM_KINDS)[number]
export const AlarmKindSchema = Type.Enum([...ALARM_KINDS] as string[] as [AlarmKind, ...AlarmKind[]], { description: 'what raised the alarm' })

export const AckAlarmArgsSchema = Type.Union([
  Type.Object({
    device: Name,
    channel: Name,
    kind: Type.Optional(AlarmKindSchema),
    by: By,
  }, { additionalProperties: false, description: 'acknowledge the alarms of one channel (one kind, or every kind)' }),
  Type.Object({
    all: Type.Literal(true),
    by: By,
  }, { additionalProperties: false, description: 'acknowledge every alarm of the gateway' }),
], { description: 'acknowledge the alarms of one channel, or every alarm of the gateway' })

export const ResetInterlockArgsSchema = Type.Object({
  interlock: Name,
  by: By,
}, { additionalProperties: false, description: 'manual reset of a tripped interlock; accepted once its trip condition is gone' })

export const MAX_BYPASS_MINUTES = 7 * 24 * 60

export const BypassInterlockArgsSchema = Type.Object({
  interlock: Name,
  reason: Type.String({ minLength: 3, maxLength: 500, description: 'why, for the event log (e.g. calibration of ch4-t1 with 2 % CH4 test gas)' }),
  minutes: Type.Integer({ minimum: 1, maximum: MAX_BYPASS_MINUTES, description: 'the bypass ends by itself after this; the interlock\'s maxBypassMinutes caps it' }),
  by: By,
}, { additionalProperties: false, description: 'maintenance bypass: the interlock does not trip until it ends' })

export const EndBypassArgsSchema = Type.Object({
  interlock: Name,
  by: By,
}, { additionalProperties: false, description: 'end a bypass before its expiry' })

export const SafetyStatusArgsSchema = Type.Object({ by: By }, {
  additionalProperties: false,
  description: 'report the active alarms, interlocks and bypasses; takes no arguments but who asks (cmd-result says how many alarms are active, the gateway\'s control socket gives the whole list)',
})

/** Command name → schema of its `args`. */
export const COMMAND_ARGS_SCHEMAS = {
  'ack-alarm': AckAlarmArgsSchema,
  'reset-interlock': ResetInterlockArgsSchema,
  'bypass-interlock': BypassInterlockArgsSchema,
  'end-bypass': EndBypassArgsSchema,
  'safety-status': SafetyStatusArgsSchema,
} as const

export type CommandName = keyof typeof COMMAND_ARGS_SCHEMAS
export type AckAlarmArgs = Static<typeof AckAlarmArgsSchema>
export type ResetInterlockArgs = Static<typeof ResetInterlockArgsSchema>
export type BypassInterlockArgs = Static<typeof BypassInterlockArgsSchema>
export type EndBypassArgs = Static<typeof EndBypassArgsSchema>

export const isCommandName = (name: string): name is CommandName => Object.hasOwn(COMMAND_ARGS_SCHEMAS, name)

export const COMMAND_NAMES = Object.keys(COMMAND_ARGS_SCHEMAS) as readonly CommandName[]

/**
 * Ajv's errors for the `args` of command `name`, or undefined when they are valid. The one check of
 * command arguments: the server before it sends, the agent's uplink and its control socket before they run.
 */
export const commandArgsErrors: (name: CommandName, args: unknown) => readonly ErrorObject[] | undefined = namedArgsChecker(COMMAND_ARGS_SCHEMAS)
