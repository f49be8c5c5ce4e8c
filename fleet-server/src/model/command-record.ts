import Type, { type Static } from 'typebox'
import { Id, Ts } from './primitives.ts'

/**
 * A command the server sent to a gateway, as the store records it and the API answers it, with the
 * gateway's result once it answered. Not the wire payload: that is protocols/mqtt's Command.
 */
export const CommandRecordSchema = Type.Object({
  id: Type.String(),
  gatewayId: Id,
  name: Type.String(),
  sentAt: Ts,
  by: Type.String(),
  result: Type.Optional(Type.Object({ ok: Type.Boolean(), message: Type.Optional(Type.String()), at: Ts })),
})

export type CommandRecord = Static<typeof CommandRecordSchema>
