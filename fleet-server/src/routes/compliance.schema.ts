import Type, { type Static } from 'typebox'
import { COMPLIANCE_STATES, SiteTypeSchema } from '../model/index.ts'
import { Id, literals, SystemId } from '../model/primitives.ts'

const AsOf = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'the day the status is computed for, YYYY-MM-DD; default today (Asia/Shanghai)' })

export const CommissioningBodySchema = Type.Object({
  siteId: Id,
  system: SystemId,
  commissionedOn: Type.String({
    pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
    description: 'the day the system was commissioned, YYYY-MM-DD (Asia/Shanghai): not in the future, not more than 10 years before the duty starts',
  }),
  devices: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 1000, uniqueItems: true, description: 'the devices of the system that were checked' })),
  note: Type.Optional(Type.String({ maxLength: 4000 })),
  replaces: Type.Optional(Type.Integer({ minimum: 1, description: 'a correction: the id of the record (same site and system) this one replaces' })),
}, { additionalProperties: false })

export const CommissioningParamsSchema = Type.Object({ id: Type.Integer({ minimum: 1, description: 'the commissioning record' }) })
export const RejectionBodySchema = Type.Object({
  reason: Type.String({ minLength: 1, maxLength: 4000, description: 'why the record is rejected (shown with it in the evidence and the CSV)' }),
}, { additionalProperties: false })

export const ComplianceQuerySchema = Type.Object({
  status: Type.Optional(literals([...COMPLIANCE_STATES], 'only rows of this status')),
  siteType: Type.Optional(SiteTypeSchema),
  jurisdiction: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  asOf: Type.Optional(AsOf),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'at most this many rows (a page); default all of them' })),
  offset: Type.Optional(Type.Integer({ minimum: 0, description: 'skip this many rows first (default 0); the X-Total-Count header gives the rows of all pages' })),
}, { additionalProperties: false })

export const ComplianceSummaryQuerySchema = Type.Object({ asOf: Type.Optional(AsOf) }, { additionalProperties: false })
export const ComplianceSiteParamsSchema = Type.Object({ siteId: Id })
export const ComplianceEvidenceQuerySchema = Type.Object({
  asOf: Type.Optional(AsOf),
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, description: 'coverage series length: the days ending asOf (default 30)' })),
}, { additionalProperties: false })

export type ComplianceQuery = Static<typeof ComplianceQuerySchema>
export type ComplianceEvidenceQuery = Static<typeof ComplianceEvidenceQuerySchema>
