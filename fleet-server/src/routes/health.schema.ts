import Type, { type Static } from 'typebox'

export const HealthSchema = Type.Object({
  ok: Type.Boolean(),
  version: Type.String(),
  uptimeS: Type.Number(),
  mqtt: Type.Object({ connected: Type.Boolean(), url: Type.String() }),
  ingest: Type.Object({ accepted: Type.Integer(), duplicates: Type.Integer(), rejected: Type.Record(Type.String(), Type.Integer()) }),
})

export type Health = Static<typeof HealthSchema>
