import Type, { type Static } from 'typebox'
import { ENROLL_TOKEN_HOURS, MAX_ENROLL_TOKEN_HOURS } from '../defaults.ts'
import { GatewayId, Id } from '../model/primitives.ts'

export const EnrollTokenParamsSchema = Type.Object({ id: Id })
export const EnrollTokenBodySchema = Type.Object({
  hours: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ENROLL_TOKEN_HOURS, default: ENROLL_TOKEN_HOURS, description: `hours the token stays valid (default ${ENROLL_TOKEN_HOURS})` })),
  replace: Type.Optional(Type.String({ ...GatewayId, description: 'a gateway of the site whose credentials the token replaces: the old ones stop working and its session is closed when the token is used' })),
}, { additionalProperties: false })
export const EnrollTokenReplySchema = Type.Object({
  token: Type.String({ description: 'the one-time token; shown once, the server keeps only its hash' }),
  shortCode: Type.String({ pattern: '^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$', description: 'the same token for a person to type (Crockford base32, 80 bits): using either uses the token' }),
  tokenId: Type.String({ description: 'how the audit log names the token (the first 8 hex digits of its hash)' }),
  expiresAt: Type.String({ format: 'date-time' }),
  siteId: Id,
  replaces: Type.Optional(GatewayId),
  provisionCommand: Type.String({ description: 'the command that enrols the gateway with this token: edge-agent provision --server URL --token TOKEN --config FILE' }),
  qrSvg: Type.String({ description: 'an SVG QR code of provisionCommand, for a phone' }),
})

export type EnrollTokenBody = Static<typeof EnrollTokenBodySchema>
export type EnrollTokenReply = Static<typeof EnrollTokenReplySchema>
