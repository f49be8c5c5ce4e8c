import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import { localDay } from '../../../protocols/calendar/index.ts'
import { DeviceSchema, GatewaySchema, SiteDetailSchema, SiteSummarySchema } from '../model/index.ts'
import { sessionOf } from './access.ts'
import type { RouteDeps } from './deps.ts'
import { errorResponses, notFound } from './errors.ts'
import { SiteFilterQuerySchema, SiteParamsSchema } from './sites.schema.ts'
import type { TypeBoxProvider } from './type-provider.ts'

/** Sites, their gateways and devices; each list holds only what the caller's scope covers. */
export const siteRoutes: FastifyPluginAsync<RouteDeps> = async (app, { store, clock }) => {
  const api = app.withTypeProvider<TypeBoxProvider>()

  api.get('/api/sites', {
    config: { access: 'signed-in' },
    schema: { tags: ['sites'], summary: 'the sites the caller may see', response: { 200: Type.Array(SiteSummarySchema), ...errorResponses(401) } },
  }, async (request) => store.listSites(sessionOf(request).scope))

  api.get('/api/sites/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags: ['sites'],
      summary: 'one site: systems, gateways, devices with latest readings, active alarms, interlock actions, each device\'s recurring tests',
      params: SiteParamsSchema,
      response: { 200: SiteDetailSchema, ...errorResponses(400, 401, 404) },
    },
  }, async (request) => {
    const { scope } = sessionOf(request)
    const site = store.getSite(scope, request.params.id)
    if (!site) throw notFound(`site ${request.params.id}`)
    const [tests] = store.periodicTests(scope, localDay(clock()), [request.params.id])
    return { ...site, periodicTests: tests?.devices ?? [] }
  })

  api.get('/api/gateways', {
    config: { access: 'signed-in' },
    schema: {
      tags: ['sites'], summary: 'gateways and their state',
      querystring: SiteFilterQuerySchema,
      response: { 200: Type.Array(GatewaySchema), ...errorResponses(400, 401) },
    },
  }, async (request) => store.listGateways(sessionOf(request).scope, request.query))

  api.get('/api/devices', {
    config: { access: 'signed-in' },
    schema: {
      tags: ['sites'], summary: 'devices with their latest readings and calibration state',
      querystring: SiteFilterQuerySchema,
      response: { 200: Type.Array(DeviceSchema), ...errorResponses(400, 401) },
    },
  }, async (request) => store.listDevices(sessionOf(request).scope, request.query))
}
