import Type from 'typebox'
import { GatewayId, Id } from '../model/primitives.ts'

export const SiteRunsParamsSchema = Type.Object({ id: Id })
export const SiteRunsQuerySchema = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'at most this many runs, newest first (default 100)' })),
}, { additionalProperties: false })
export const RunParamsSchema = Type.Object({
  id: GatewayId,
  runId: Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$', description: 'the run\'s id, unique per gateway ({gateway}:{startedAt})' }),
})
