import Type from 'typebox'
import { Id } from '../model/primitives.ts'

const Limit = Type.Integer({ minimum: 1, maximum: 1000, description: 'at most this many, latest first' })

export const AlarmParamsSchema = Type.Object({ id: Type.Integer({ minimum: 1 }) })
export const CommandParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) })
export const AlarmsQuerySchema = Type.Object({
  active: Type.Optional(Type.Boolean({ description: 'true: only active alarms' })),
  siteId: Type.Optional(Id),
  limit: Type.Optional(Limit),
}, { additionalProperties: false })
export const InterlocksQuerySchema = Type.Object({ siteId: Type.Optional(Id), limit: Type.Optional(Limit) }, { additionalProperties: false })
