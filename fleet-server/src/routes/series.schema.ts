import Type, { type Static } from 'typebox'
import { GatewayId, literals } from '../model/primitives.ts'

export const SeriesQuerySchema = Type.Object({
  gatewayId: GatewayId,
  device: Type.String({ minLength: 1, maxLength: 128 }),
  channel: Type.String({ minLength: 1, maxLength: 128 }),
  from: Type.Optional(Type.Integer({ minimum: 0, description: 'epoch ms; default `to` minus 24 hours' })),
  to: Type.Optional(Type.Integer({ minimum: 0, description: 'epoch ms; default now' })),
  step: Type.Optional(literals(['1m', '1h'], 'roll-up: 1-minute (default) or 1-hour buckets')),
}, { additionalProperties: false })

export type SeriesQuery = Static<typeof SeriesQuerySchema>
