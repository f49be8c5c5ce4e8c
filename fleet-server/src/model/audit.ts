import Type, { type Static } from 'typebox'
import { literals } from './primitives.ts'

/** What the audit log records: who signed in or failed to, who minted an enrolment token, who enrolled, replaced or revoked a gateway, user changes, acknowledgements (the command each sends), commissioning records and their rejections, and what gateways answered to commands; signed commissioning runs refused, and records appended because runs passed. */
export const AUDIT_ACTIONS = [
  'login', 'login-failed', 'user-add',
  'enroll-token-mint', 'gateway-enrol', 'gateway-replace', 'gateway-revoke',
  'alarm-ack', 'commissioning-record', 'commissioning-reject',
  'command-result',
  // issue 17: a signed run refused by the ingest (code and reason), and a record the server appended from accepted runs
  'commissioning-refused', 'commissioning-tested',
] as const

export const AuditEntrySchema = Type.Object({
  seq: Type.Integer({ minimum: 1, description: 'the entry\'s place in the chain, from 1' }),
  at: Type.Integer({ description: 'epoch ms, the server\'s clock when it was recorded' }),
  actor: Type.String({ description: 'a user\'s name, gateway:<id>, or cli:<os user> for the server\'s command line' }),
  action: literals([...AUDIT_ACTIONS], 'what was done'),
  siteId: Type.Optional(Type.String({ description: 'the site it concerns, when one' })),
  subject: Type.String({ description: 'what it was done to: a user, gateway, alarm, record or command id, or an enrolment token\'s id (the first 8 hex digits of its hash)' }),
  detail: Type.Record(Type.String(), Type.Unknown(), { description: 'what else the action recorded' }),
  prevHash: Type.String({ description: 'the previous entry\'s hash (64 zeros for the first)' }),
  hash: Type.String({ description: 'HMAC-SHA256 under the server\'s audit key of this entry and prevHash' }),
})

export type AuditEntry = Static<typeof AuditEntrySchema>
export type AuditRecord = Omit<AuditEntry, 'seq' | 'prevHash' | 'hash'>
