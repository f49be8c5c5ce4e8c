import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import { CommissioningRunSchema, CommissioningRunSummarySchema } from '../model/index.ts'
import { sessionOf } from './access.ts'
import { RunParamsSchema, SiteRunsParamsSchema, SiteRunsQuerySchema } from './commissioning-runs.schema.ts'
import type { RouteDeps } from './deps.ts'
import { errorResponses, notFound } from './errors.ts'
import type { TypeBoxProvider } from './type-provider.ts'

const SCOPE = 'Every signed-in role within its scope: an admin every site, a regulator its jurisdiction, an enterprise its own sites, an installer its assigned ones; '
  + 'a site or run outside it answers 404, like an unknown one.'

/** The evidence behind installedOn (issue 17): the signed test runs the server verified and kept. */
export const commissioningRunRoutes: FastifyPluginAsync<RouteDeps> = async (app, { store }) => {
  const api = app.withTypeProvider<TypeBoxProvider>()

  api.get('/api/sites/:id/commissioning-runs', {
    config: { access: 'signed-in' },
    schema: {
      tags: ['compliance'],
      summary: 'a site\'s verified commissioning and periodic test runs, newest first: who, when, the result and each device\'s T90 and recovery',
      description: `${SCOPE} Only runs whose signature verified with the gateway's registered key are kept; refused ones are in the audit log (commissioning-refused).`,
      params: SiteRunsParamsSchema,
      querystring: SiteRunsQuerySchema,
      response: { 200: Type.Array(CommissioningRunSummarySchema), ...errorResponses(400, 401, 404) },
    },
  }, async (request) => {
    const runs = store.commissioningRuns(sessionOf(request).scope, request.params.id, request.query)
    if (runs === undefined) throw notFound(`site ${request.params.id}`)
    return runs
  })

  api.get('/api/gateways/:id/commissioning-runs/:runId', {
    config: { access: 'signed-in' },
    schema: {
      tags: ['compliance'],
      summary: 'one verified test run whole: every step with its readings, the hash, the signature and the key that verified it',
      description: `${SCOPE} The run is the gateway's signed record (protocols/commissioning RunSchema); its canonical JSON (RFC 8785) hashes to \`hash\` `
        + 'and verifies with `signature` under the gateway\'s key `keyId`.',
      params: RunParamsSchema,
      response: { 200: CommissioningRunSchema, ...errorResponses(400, 401, 404) },
    },
  }, async (request, reply) => {
    const { id, runId } = request.params
    const run = store.commissioningRun(sessionOf(request).scope, id, runId)
    if (run === undefined) throw notFound(`run ${runId} of gateway ${id}`)
    // fast-json-stringify cannot serialize the readings' [ms, value | null] tuples; the run was checked
    // against RunSchema (closed objects) before it was kept, so plain JSON carries nothing undeclared
    return reply.serializer((payload) => JSON.stringify(payload)).send(run)
  })
}
