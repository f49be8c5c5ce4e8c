import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import { DeviceSchema, GatewaySchema, SiteDetailSchema, SiteFilterQuerySchema, SiteParamsSchema, SiteSummarySchema } from '../api/schemas.ts'
import { signedIn } from '../auth/index.ts'
import { SIGNED_IN, type RouteDeps } from './deps.ts'
import { errorResponses, notFound } from './errors.ts'
import type { TypeBoxProvider } from './type-provider.ts'

/** Sites, their gateways and devices; each list holds only what the caller's scope covers. */
export const siteRoutes: FastifyPluginAsync<RouteDeps> = async (app, { store }) => {
  const api = app.withTypeProvider<TypeBoxProvider>()

  api.get('/api/sites', {
    schema: { tags: ['sites'], summary: 'the sites the caller may see', security: SIGNED_IN, response: { 200: Type.Array(SiteSummarySchema), ...errorResponses(401) } },
  }, async (request) => store.listSites(signedIn(request).scope))

  api.get('/api/sites/:id', {
    schema: {
      tags: ['sites'],
      summary: 'one site: systems, gateways, devices with latest readings, active alarms, interlock actions',
      security: SIGNED_IN,
      params: SiteParamsSchema,
      response: { 200: SiteDetailSchema, ...errorResponses(400, 401, 404) },
    },
  }, async (request) => {
    const site = store.getSite(signedIn(request).scope, request.params.id)
    if (!site) throw notFound(`site ${request.params.id}`)
    return site
  })

  api.get('/api/gateways', {
    schema: {
      tags: ['sites'], summary: 'gateways and their state', security: SIGNED_IN,
      querystring: SiteFilterQuerySchema,
      response: { 200: Type.Array(GatewaySchema), ...errorResponses(400, 401) },
    },
  }, async (request) => store.listGateways(signedIn(request).scope, request.query))

  api.get('/api/devices', {
    schema: {
      tags: ['sites'], summary: 'devices with their latest readings and calibration state', security: SIGNED_IN,
      querystring: SiteFilterQuerySchema,
      response: { 200: Type.Array(DeviceSchema), ...errorResponses(400, 401) },
    },
  }, async (request) => store.listDevices(signedIn(request).scope, request.query))
}
