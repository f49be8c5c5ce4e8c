import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import { requiredSystems } from '../compliance/index.ts'
import { sessionOf } from './access.ts'
import type { RouteDeps } from './deps.ts'
import { errorResponses } from './errors.ts'
import { InstallerSiteSchema } from './installer.schema.ts'
import { installerSiteView } from './installer-site.ts'
import type { TypeBoxProvider } from './type-provider.ts'

/** The installer's view: the sites assigned to the caller, as the one on site needs them. */
export const installerRoutes: FastifyPluginAsync<RouteDeps> = async (app, { store, catalog }) => {
  app.withTypeProvider<TypeBoxProvider>().get('/api/installer/sites', {
    config: { access: { roles: ['installer', 'admin'], doing: 'read the installer view' } },
    schema: {
      tags: ['sites'],
      summary: 'the caller\'s sites as an installer sees them: gateways, devices by system, required systems without a reporting device',
      description: 'An installer gets its assigned sites, an admin every site. The required systems are the regulation catalog\'s for the site (as in GET /api/compliance).',
      response: { 200: Type.Array(InstallerSiteSchema), ...errorResponses(401, 403) },
    },
  }, async (request) => {
    const { scope } = sessionOf(request)
    return store.complianceSites(scope).flatMap((site) => {
      const detail = store.getSite(scope, site.id)
      return detail ? [installerSiteView(detail, requiredSystems(catalog, site, site.jurisdiction).map((r) => r.system))] : []
    })
  })
}
