import Type from 'typebox'
import { PUBLIC_KEY_PATTERN } from '../../../protocols/commissioning/index.ts'
import { GatewayId, Id } from '../model/primitives.ts'

export const EnrollBodySchema = Type.Object({
  token: Type.String({
    minLength: 16, maxLength: 128,
    description: 'the one-time token (`fleet-server enroll-token`, POST /api/sites/{id}/enroll-tokens), or its short code XXXX-XXXX-XXXX-XXXX '
      + '(case, dashes and spaces ignored; I and L read as 1, O as 0): using either uses the token',
  }),
  gatewayId: GatewayId,
  siteId: Type.Optional(Type.String({ ...Id, description: 'the site the gateway\'s config names: a token of another site is refused (409 WRONG_SITE) and stays usable' })),
  signingKey: Type.Optional(Type.String({
    pattern: PUBLIC_KEY_PATTERN,
    description: 'the gateway\'s Ed25519 public key (base64 SPKI DER, `edge-agent provision` generates the pair): the server verifies the gateway\'s signed '
      + 'commissioning runs with it. Enrolling again replaces it (without one, the gateway has none and its runs are refused).',
  })),
}, { additionalProperties: false })
export const EnrollReplySchema = Type.Object({
  username: Type.String(),
  password: Type.String({ description: 'shown once; the server keeps only its scrypt hash' }),
  mqttUrl: Type.String(),
  siteId: Id,
})
