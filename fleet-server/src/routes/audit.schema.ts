import Type from 'typebox'
import { AuditEntrySchema } from '../model/index.ts'

export const AuditQuerySchema = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'entries per page, newest first (default 100)' })),
  before: Type.Optional(Type.Integer({ minimum: 1, description: 'only entries with a smaller seq: the next page after the last seq seen' })),
}, { additionalProperties: false })

export const AuditPageSchema = Type.Object({
  entries: Type.Array(AuditEntrySchema),
})
