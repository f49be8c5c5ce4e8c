import Type, { type Static } from 'typebox'
import { GatewayId, Id } from '../model/primitives.ts'

export const EnrollBodySchema = Type.Object({
  token: Type.String({ minLength: 16, maxLength: 128, description: 'the one-time token from `fleet-server enroll-token`' }),
  gatewayId: GatewayId,
}, { additionalProperties: false })
export const EnrollReplySchema = Type.Object({
  username: Type.String(),
  password: Type.String({ description: 'shown once; the server keeps only its scrypt hash' }),
  mqttUrl: Type.String(),
  siteId: Id,
})
