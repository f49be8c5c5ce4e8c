import type { FastifyPluginAsync } from 'fastify'
import { sessionOf } from './access.ts'
import { AuditPageSchema, AuditQuerySchema } from './audit.schema.ts'
import type { RouteDeps } from './deps.ts'
import { errorResponses } from './errors.ts'
import type { TypeBoxProvider } from './type-provider.ts'

export const auditRoutes: FastifyPluginAsync<RouteDeps> = async (app, { store }) => {
  app.withTypeProvider<TypeBoxProvider>().get('/api/audit', {
    config: { access: { roles: ['admin', 'regulator'], doing: 'read the audit log' } },
    schema: {
      tags: ['audit'],
      summary: 'the audit log, newest first: an admin reads every entry, a regulator those about the sites of its jurisdiction',
      querystring: AuditQuerySchema,
      response: { 200: AuditPageSchema, ...errorResponses(400, 401, 403) },
    },
  }, async (request) => {
    const { scope } = sessionOf(request)
    return { entries: store.audit.list(scope, { limit: request.query.limit, beforeSeq: request.query.before }) }
  })
}
