import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import Type from 'typebox'
import {
  CommissioningBodySchema, CommissioningSchema, ComplianceQuerySchema, ComplianceSchema, type ComplianceQuery, type ComplianceRow,
} from '../api/schemas.ts'
import { requireRole } from '../auth/index.ts'
import { SYSTEM_IDS } from '../compliance/catalog-schema.ts'
import { complianceCsv, complianceReport } from '../compliance/report.ts'
import { isDay, localDay } from '../compliance/status.ts'
import { SIGNED_IN, type RouteDeps } from './deps.ts'
import { badRequest, errorResponses, notFound } from './errors.ts'
import type { TypeBoxProvider } from './type-provider.ts'

const FILTERS = 'Filters: status, siteType, jurisdiction; asOf=YYYY-MM-DD (default today, Asia/Shanghai) computes the report as it stood that day.'

/** The compliance report (regulator, admin; an enterprise its own sites) and the installers' commissioning records. */
export const complianceRoutes: FastifyPluginAsync<RouteDeps> = async (app, { store, clock, catalog }) => {
  const api = app.withTypeProvider<TypeBoxProvider>()

  const report = (request: FastifyRequest, query: ComplianceQuery): ComplianceRow[] => {
    const { scope } = requireRole(request, ['regulator', 'enterprise', 'admin'], 'read the compliance report')
    const asOf = query.asOf ?? localDay(clock())
    if (!isDay(asOf)) throw badRequest(`querystring/asOf: not a calendar date: ${asOf}`)
    return complianceReport(store, catalog, scope, { ...query, asOf })
  }

  api.get('/api/compliance', {
    schema: {
      tags: ['compliance'],
      summary: 'each (site, required system): deadline, installation, live verification and status',
      description: FILTERS,
      security: SIGNED_IN,
      querystring: ComplianceQuerySchema,
      response: { 200: ComplianceSchema, ...errorResponses(400, 401, 403) },
    },
  }, async (request) => report(request, request.query))

  api.get('/api/compliance.csv', {
    schema: {
      tags: ['compliance'],
      summary: 'the compliance report as CSV (UTF-8 with BOM, RFC 4180, a header line)',
      description: FILTERS,
      security: SIGNED_IN,
      querystring: ComplianceQuerySchema,
      produces: ['text/csv'],
      response: { 200: Type.String({ description: 'text/csv; charset=utf-8' }), ...errorResponses(400, 401, 403) },
    },
  }, async (request, reply) => {
    const rows = report(request, request.query)
    const asOf = request.query.asOf ?? localDay(clock())
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="compliance-${asOf}.csv"`)
      .send(complianceCsv(rows))
  })

  api.post('/api/commissioning', {
    schema: {
      tags: ['compliance'],
      summary: 'record that a regulatory system was commissioned on a site (installer for its assigned sites, admin)',
      description: 'The first accepted record of a (site, system) is its installation date in GET /api/compliance.',
      security: SIGNED_IN,
      body: CommissioningBodySchema,
      response: { 201: CommissioningSchema, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const { user, scope } = requireRole(request, ['installer', 'admin'], 'upload commissioning records')
    const { siteId, system, commissionedOn, devices, note } = request.body
    if (!(SYSTEM_IDS as readonly string[]).includes(system)) throw badRequest(`body/system: "${system}" is not a regulatory system (one of ${SYSTEM_IDS.join(', ')})`)
    if (!isDay(commissionedOn)) throw badRequest(`body/commissionedOn: not a calendar date: ${commissionedOn}`)
    const today = localDay(clock())
    if (commissionedOn > today) throw badRequest(`body/commissionedOn: ${commissionedOn} is in the future (today is ${today}, Asia/Shanghai)`)
    // outside the caller's scope answers like an unknown site: its existence is not revealed
    if (!store.complianceSites(scope).some((site) => site.id === siteId)) throw notFound(`site ${siteId}`)
    const record = store.addCommissioning({
      siteId, system, commissionedOn, by: user.name, createdAt: clock(),
      ...(devices !== undefined && { devices }), ...(note !== undefined && { note }),
    })
    return reply.code(201).send(record)
  })
}

