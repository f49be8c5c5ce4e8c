import type { FastifyPluginAsync } from 'fastify'
import { keyIdOf } from '../../../protocols/commissioning/index.ts'
import { enrollSecretHash, newToken } from '../auth/index.ts'
import { enrollTokenId, enrolmentRefusal, type EnrolmentRefusal } from '../model/enrolment.ts'
import { hashSecret } from '../mqtt/secrets.ts'
import type { RouteDeps } from './deps.ts'
import { EnrollBodySchema, EnrollReplySchema } from './enroll.schema.ts'
import { ApiError, errorResponses, gone } from './errors.ts'
import type { TypeBoxProvider } from './type-provider.ts'

/**
 * A gateway exchanges a one-time token (from `fleet-server enroll-token` or an installer's
 * POST /api/sites/{id}/enroll-tokens), whole or as its short code, for its MQTT credentials.
 * No session: the token is the credential. The password is answered once; only its scrypt hash stays.
 * A token enrols only a gateway id without credentials, unless it was minted to replace that gateway
 * (`--replace`): then the old credentials stop working and the old session is closed at once (the
 * broker listens to the store). A refusal leaves the token usable.
 */
export const enrollRoutes: FastifyPluginAsync<RouteDeps> = async (app, { store, clock, mqttUrl }) => {
  app.withTypeProvider<TypeBoxProvider>().post('/api/enroll', {
    config: { access: 'public' },
    schema: {
      tags: ['gateways'],
      summary: 'exchange a one-time enrolment token for the gateway\'s MQTT credentials',
      description: 'A token enrols a gateway id that has no credentials, of the token\'s site; a token minted to replace a gateway (`fleet-server enroll-token --replace GATEWAY`, '
        + 'or `replace` in POST /api/sites/{id}/enroll-tokens) enrols only that gateway and revokes its old credentials. The token may be given whole or as its short code. '
        + 'With `siteId`, a token of another site is refused (409 WRONG_SITE). A refused request (409) leaves the token usable.',
      body: EnrollBodySchema,
      response: { 200: EnrollReplySchema, ...errorResponses(400, 409, 410) },
    },
  }, async (request) => {
    const { token, gatewayId, siteId, signingKey } = request.body
    const now = clock()
    // checked before the password is hashed, so a refusal costs no scrypt; enrollGateway checks the token again in its transaction
    const valid = store.enrollToken(enrollSecretHash(token), now)
    const refusal = enrolmentRefusal(valid, gatewayId, store.gatewayEnrolment(gatewayId), siteId)
    if (refusal || !valid) throw refusedAs(refusal ?? { reason: 'token-invalid' }, valid?.siteId)
    const password = newToken()
    const credentials = { gatewayId, siteId: valid.siteId, username: gatewayId, passwordHash: await hashSecret(password), ...(signingKey !== undefined && { signingKey }) }
    const previousKey = store.gatewaySigningKey(gatewayId)
    const outcome = store.enrollGateway(valid.tokenHash, credentials, clock())
    if (!outcome.enrolled) throw refusedAs(outcome.refusal, valid.siteId)
    const tokenId = enrollTokenId(valid.tokenHash)
    request.log.info({ gatewayId, siteId: valid.siteId, tokenId, replaced: outcome.replaced }, outcome.replaced ? 'gateway credentials replaced' : 'gateway enrolled')
    // the key's id only: which key verifies the gateway's runs from now on (null: none registered, its runs are refused)
    store.audit.record({
      actor: `gateway:${gatewayId}`, action: outcome.replaced ? 'gateway-replace' : 'gateway-enrol', siteId: valid.siteId, subject: gatewayId,
      detail: {
        tokenId, signingKeyId: signingKey === undefined ? null : keyIdOf(signingKey),
        ...(outcome.replaced && { replacedSigningKeyId: previousKey === undefined ? null : keyIdOf(previousKey) }),
      },
    })
    return { username: gatewayId, password, mqttUrl: mqttUrl(), siteId: valid.siteId }
  })
}

function refusedAs(refusal: EnrolmentRefusal, siteId: string | undefined): ApiError {
  switch (refusal.reason) {
    case 'token-invalid':
      return gone('the enrolment token is unknown, already used or expired; ask for a new one (fleet-server enroll-token, or the installer view of the dashboard)')
    case 'wrong-site':
      return new ApiError(409, 'WRONG_SITE', `the enrolment token is for site ${refusal.tokenSiteId}, but the gateway's config names site ${refusal.expectedSiteId}; use a token of site ${refusal.expectedSiteId}, or correct gateway.site (the token is still valid)`)
    case 'other-site':
      return new ApiError(409, 'CONFLICT', `gateway ${refusal.gatewayId} belongs to another site; choose another gatewayId (the token is still valid)`)
    case 'enrolled':
      return new ApiError(409, 'CONFLICT', `gateway ${refusal.gatewayId} is enrolled already; to replace its credentials, ask for a token minted for it: fleet-server enroll-token --site ${siteId ?? 'SITE'} --replace ${refusal.gatewayId} (this token is still valid for a gateway id without credentials)`)
    case 'replaces-another':
      return new ApiError(409, 'CONFLICT', `this token was minted to replace gateway ${refusal.replaces} only; enrol ${refusal.replaces} with it, or ask for another token for ${refusal.gatewayId} (the token is still valid)`)
  }
}
