import type { FastifyPluginAsync } from 'fastify'
import { hashToken, newToken } from '../auth/index.ts'
import { hashSecret } from '../mqtt/secrets.ts'
import type { RouteDeps } from './deps.ts'
import { EnrollBodySchema, EnrollReplySchema } from './enroll.schema.ts'
import { ApiError, errorResponses, gone } from './errors.ts'
import type { TypeBoxProvider } from './type-provider.ts'

/**
 * A gateway exchanges a one-time token (from `fleet-server enroll-token`) for its MQTT credentials.
 * No session: the token is the credential. The password is answered once; only its scrypt hash stays.
 */
export const enrollRoutes: FastifyPluginAsync<RouteDeps> = async (app, { store, clock, mqttUrl }) => {
  app.withTypeProvider<TypeBoxProvider>().post('/api/enroll', {
    config: { access: 'public' },
    schema: {
      tags: ['gateways'],
      summary: 'exchange a one-time enrolment token for the gateway\'s MQTT credentials',
      body: EnrollBodySchema,
      response: { 200: EnrollReplySchema, ...errorResponses(400, 409, 410) },
    },
  }, async (request) => {
    const { token, gatewayId } = request.body
    const siteId = store.consumeEnrollToken(hashToken(token), gatewayId, clock())
    if (siteId === undefined) throw gone('the enrolment token is unknown, already used or expired; ask for a new one (fleet-server enroll-token)')
    const enrolledAt = store.gatewaySite(gatewayId)
    if (enrolledAt !== undefined && enrolledAt !== siteId) {
      throw new ApiError(409, 'CONFLICT', `gateway ${gatewayId} belongs to another site; choose another gatewayId`)
    }
    store.upsertGateway({ id: gatewayId, siteId })
    const password = newToken()
    store.setGatewayCredentials({ gatewayId, siteId, username: gatewayId, passwordHash: await hashSecret(password) })
    return { username: gatewayId, password, mqttUrl: mqttUrl(), siteId }
  })
}
