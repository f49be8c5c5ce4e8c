import Type, { type Static } from 'typebox'
import { Id, Nullable, Ts } from './primitives.ts'

/** One channel's readings rolled up into buckets (1 minute or 1 hour). */

export const SeriesPointSchema = Type.Object({
  ts: Ts,
  min: Nullable(Type.Number()),
  max: Nullable(Type.Number()),
  avg: Nullable(Type.Number()),
  count: Type.Integer(),
  bad: Type.Integer({ description: 'samples of bad quality in the bucket' }),
})

export const SeriesSchema = Type.Object({
  gatewayId: Id,
  device: Type.String(),
  channel: Type.String(),
  stepMs: Type.Integer({ description: '60000 (1-minute roll-up) or 3600000 (1-hour)' }),
  points: Type.Array(SeriesPointSchema),
})

export type Series = Static<typeof SeriesSchema>
export type SeriesPoint = Static<typeof SeriesPointSchema>
