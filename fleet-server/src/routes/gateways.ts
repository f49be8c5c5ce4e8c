import type { FastifyPluginAsync } from 'fastify'
import { sessionOf } from './access.ts'
import type { RouteDeps } from './deps.ts'
import { errorResponses, notFound } from './errors.ts'
import { GatewayParamsSchema, RevokeReplySchema } from './gateways.schema.ts'
import type { TypeBoxProvider } from './type-provider.ts'

/** Administration of enrolled gateways. */
export const gatewayRoutes: FastifyPluginAsync<RouteDeps> = async (app, { store }) => {
  app.withTypeProvider<TypeBoxProvider>().post('/api/gateways/:id/revoke', {
    config: { access: { roles: ['admin'], doing: 'revoke gateways' } },
    schema: {
      tags: ['gateways'],
      summary: 'revoke a gateway\'s MQTT credentials',
      description: 'The credentials stop working at once; the gateway\'s open session on the embedded broker is closed at once (with an external broker, revoke them there too). '
        + 'Enrolling it again takes a new token (fleet-server enroll-token).',
      params: GatewayParamsSchema,
      response: { 200: RevokeReplySchema, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { id } = request.params
    // the broker listens to the store: it closes the gateway's session as the credentials go
    if (!store.revokeGatewayCredentials(id)) throw notFound(`gateway ${id}`)
    store.audit.record({ actor: sessionOf(request).user.name, action: 'gateway-revoke', siteId: store.gatewaySite(id), subject: id, detail: {} })
    request.log.info({ gatewayId: id }, 'gateway credentials revoked')
    return { gatewayId: id, revoked: true as const }
  })
}
