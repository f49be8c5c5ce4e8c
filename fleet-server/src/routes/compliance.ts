import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import Type from 'typebox'
import { localDay } from '../../../protocols/calendar/index.ts'
import { calendarDayProblem } from '../../../protocols/validation/index.ts'
import { SYSTEM_IDS } from '../compliance/catalog-schema.ts'
import { commissionedOnProblem, PLAUSIBLE_YEARS_BEFORE_DUTY } from '../compliance/commissioning.ts'
import { commissioningAnswer, complianceEvidence } from '../compliance/evidence.ts'
import { dutyStartOf } from '../compliance/required.ts'
import { fleetReport, selectRows } from '../compliance/fleet-report.ts'
import { GZIP_MIN_BYTES, gzipped, listResponse } from '../compliance/list-answer.ts'
import { commissioningColumns, complianceCsv, page } from '../compliance/report.ts'
import { complianceSummary } from '../compliance/summary.ts'
import { CommissioningRejectionSchema, CommissioningSchema, ComplianceEvidenceSchema, ComplianceSchema, ComplianceSummarySchema, type ComplianceRow, type Scope } from '../model/index.ts'
import { periodicTestsSummary } from '../periodic-tests/index.ts'
import { sessionOf, type Access } from './access.ts'
import {
  CommissioningBodySchema, CommissioningParamsSchema, ComplianceEvidenceQuerySchema, RejectionBodySchema, ComplianceQuerySchema, ComplianceSiteParamsSchema, ComplianceSummaryQuerySchema, type ComplianceQuery,
} from './compliance.schema.ts'
import type { RouteDeps } from './deps.ts'
import { ApiError, badRequest, errorResponses, notFound } from './errors.ts'
import type { TypeBoxProvider } from './type-provider.ts'

const FILTERS = 'Filters: status, siteType, jurisdiction; asOf=YYYY-MM-DD (default today, Asia/Shanghai) computes the report as it stood that day; ' +
  'limit and offset page the rows (default: all), X-Total-Count gives how many rows all pages hold. Commissioning records, rejections and ' +
  'corrections count as recorded by the end of asOf (a later record does not rewrite history); sites are always current; live coverage may be ' +
  'up to 60 s old (the report is cached per asOf). The CSV adds installedRecordId, installedBy, corroborated and rejectedRecords, and prefixes ' +
  'a single quote to any cell beginning with = + - @, a tab or a carriage return (so no cell is read as a formula).'
const conflict = (message: string) => new ApiError(409, 'CONFLICT', message)
const READERS: Access = { roles: ['regulator', 'enterprise', 'admin'], doing: 'read the compliance report' }

/** Accept-Encoding names gzip (or *) without q=0 */
function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';').map((p) => p.trim())
    if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== '*') return false
    const q = params.find((p) => p.startsWith('q='))
    return q === undefined || Number(q.slice(2)) > 0
  })
}

/** The compliance report (regulator, admin; an enterprise its own sites) and the installers' commissioning records. */
export const complianceRoutes: FastifyPluginAsync<RouteDeps> = async (app, { store, clock, catalog }) => {
  const api = app.withTypeProvider<TypeBoxProvider>()

  /** the caller's scope and the day asked for (400 when not a calendar date) */
  const reader = (request: FastifyRequest, asOfQuery: string | undefined): { scope: Scope; asOf: string } => {
    const { scope } = sessionOf(request)
    const asOf = asOfQuery ?? localDay(clock())
    const problem = calendarDayProblem(asOf)
    if (problem !== undefined) throw badRequest(`querystring/asOf: ${problem}`)
    return { scope, asOf }
  }

  /** the rows of the page asked for, and how many all pages hold */
  const report = (request: FastifyRequest, query: ComplianceQuery): { rows: ComplianceRow[]; total: number; asOf: string } => {
    const { scope, asOf } = reader(request, query.asOf)
    const all = selectRows(fleetReport(store, catalog, asOf), scope, query)
    return { rows: page(all, query), total: all.length, asOf }
  }

  api.get('/api/compliance', {
    config: { access: READERS },
    schema: {
      tags: ['compliance'],
      summary: 'each (site, required system): deadline, installation, live verification and status',
      description: FILTERS,
      querystring: ComplianceQuerySchema,
      response: { 200: ComplianceSchema, ...errorResponses(400, 401, 403) },
    },
  }, async (request, reply) => {
    const { scope, asOf } = reader(request, request.query.asOf)
    // rows serialized once per computed report (list-answer.ts rowsJson, listResponse): fastify sends a
    // Buffer as it is, so the body is already ComplianceSchema's JSON (the cast says so to the type provider)
    const answer = listResponse(fleetReport(store, catalog, asOf), scope, request.query)
    reply.header('x-total-count', String(answer.total)).header('vary', 'accept-encoding').type('application/json; charset=utf-8')
    // a large list gzipped for a client that accepts it (a browser does): 37 MB of rows are ~2 MB
    const gzip = answer.body.length >= GZIP_MIN_BYTES && acceptsGzip(request.headers['accept-encoding'])
    if (gzip) reply.header('content-encoding', 'gzip')
    return reply.send((gzip ? gzipped(answer) : answer.body) as unknown as ComplianceRow[])
  })

  api.get('/api/compliance.csv', {
    config: { access: READERS },
    schema: {
      tags: ['compliance'],
      summary: 'the compliance report as CSV (UTF-8 with BOM, RFC 4180, a header line)',
      description: FILTERS,
      querystring: ComplianceQuerySchema,
      produces: ['text/csv'],
      response: { 200: Type.String({ description: 'text/csv; charset=utf-8' }), ...errorResponses(400, 401, 403) },
    },
  }, async (request, reply) => {
    const { rows, total, asOf } = report(request, request.query)
    return reply
      .header('x-total-count', String(total))
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="compliance-${asOf}.csv"`)
      .send(complianceCsv(rows, commissioningColumns(store, fleetReport(store, catalog, asOf), rows)))
  })

  api.get('/api/compliance/summary', {
    config: { access: READERS },
    schema: {
      tags: ['compliance'],
      summary: 'counts of (site, required system) rows and of sites (by their worst row) per status: in total, by site type, by jurisdiction; the sites with overdue recurring tests',
      description: 'The caller\'s scope as in GET /api/compliance; asOf=YYYY-MM-DD (default today, Asia/Shanghai). periodicTests: the devices\' calibration and '
        + 'bump tests on asOf (the shared rules of protocols/commissioning/periodic.ts), from the inventories as they are now and the verified runs ended by asOf.',
      querystring: ComplianceSummaryQuerySchema,
      response: { 200: ComplianceSummarySchema, ...errorResponses(400, 401, 403) },
    },
  }, async (request) => {
    const { scope, asOf } = reader(request, request.query.asOf)
    // the cached summary is not changed: the tests are read anew each time
    return { ...complianceSummary(fleetReport(store, catalog, asOf), scope), periodicTests: periodicTestsSummary(store.periodicTests(scope, asOf)) }
  })

  api.get('/api/compliance/sites/:siteId', {
    config: { access: READERS },
    schema: {
      tags: ['compliance'],
      summary: 'one site\'s evidence: its report rows, commissioning records and the daily coverage of each required system',
      description: 'coverage: per required system, the worst device\'s share of each day\'s 1,440 minutes, for the `days` days (1–366, default 30) ending asOf. ' +
        'A site outside the caller\'s scope answers 404, like an unknown one.',
      params: ComplianceSiteParamsSchema,
      querystring: ComplianceEvidenceQuerySchema,
      response: { 200: ComplianceEvidenceSchema, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { scope, asOf } = reader(request, request.query.asOf)
    const evidence = complianceEvidence(store, catalog, scope, request.params.siteId, { asOf, ...(request.query.days !== undefined && { days: request.query.days }) })
    if (!evidence) throw notFound(`site ${request.params.siteId}`)
    return evidence
  })

  api.post('/api/commissioning', {
    config: { access: { roles: ['installer', 'admin'], doing: 'upload commissioning records' } },
    schema: {
      tags: ['compliance'],
      summary: 'record that a regulatory system was commissioned on a site (installer for its assigned sites, admin)',
      description: 'Append-only: the record keeps who entered it and when the server recorded it. The earliest date of the effective records '
        + '(neither rejected by a regulator nor replaced by a correction) is the installation date in GET /api/compliance, from the day it was recorded on. '
        + `commissionedOn may not be after today (Asia/Shanghai) nor more than ${PLAUSIBLE_YEARS_BEFORE_DUTY} years before the duty starts (400). `
        + 'A correction names the record it replaces (`replaces`, same site and system; a record is replaced once: 409).',
      body: CommissioningBodySchema,
      response: { 201: CommissioningSchema, ...errorResponses(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const { user, scope } = sessionOf(request)
    const { siteId, system, commissionedOn, devices, note, replaces } = request.body
    if (!(SYSTEM_IDS as readonly string[]).includes(system)) throw badRequest(`body/system: "${system}" is not a regulatory system (one of ${SYSTEM_IDS.join(', ')})`)
    const dayProblem = calendarDayProblem(commissionedOn)
    if (dayProblem !== undefined) throw badRequest(`body/commissionedOn: ${dayProblem}`)
    // outside the caller's scope answers like an unknown site: its existence is not revealed
    const site = store.complianceSites(scope).find((s) => s.id === siteId)
    if (!site) throw notFound(`site ${siteId}`)
    const today = localDay(clock())
    const dutyStart = dutyStartOf(catalog, site, site.jurisdiction, system) ?? catalog.jurisdictions['*'].appliesFrom
    const problem = commissionedOnProblem(commissionedOn, { dutyStart, today })
    if (problem !== undefined) throw badRequest(`body/commissionedOn: ${problem}`)
    if (replaces !== undefined) {
      const replaced = store.commissioningRecord(replaces)
      if (!replaced || !store.complianceSites(scope).some((s) => s.id === replaced.siteId)) throw notFound(`commissioning record ${replaces}`)
      if (replaced.siteId !== siteId || replaced.system !== system) {
        throw badRequest(`body/replaces: record ${replaces} is of ${replaced.siteId} / ${replaced.system}; a correction keeps the site and the system`)
      }
      const by = store.commissioningOf(siteId).find((r) => r.replaces === replaces)
      if (by) throw conflict(`record ${replaces} is already replaced by record ${by.id}; correct that one instead (replaces: ${by.id})`)
    }
    const record = store.addCommissioning({
      siteId, system, commissionedOn, by: user.name, createdAt: clock(),
      ...(devices !== undefined && { devices }), ...(note !== undefined && { note }), ...(replaces !== undefined && { replaces }),
    })
    store.audit.record({
      actor: user.name, action: 'commissioning-record', siteId, subject: `commissioning ${record.id}`,
      detail: { system, commissionedOn, devices: record.devices, ...(note !== undefined && { note }), ...(replaces !== undefined && { replaces }) },
    })
    const firstDataDay = store.firstDataDays(siteId).find((f) => f.system === system)?.day
    return reply.code(201).send(commissioningAnswer(record, { state: 'effective' }, firstDataDay, today))
  })

  api.post('/api/commissioning/:id/reject', {
    config: { access: { roles: ['regulator'], doing: 'reject commissioning records' } },
    schema: {
      tags: ['compliance'],
      summary: 'reject a commissioning record, with a reason (a regulator of the site\'s jurisdiction)',
      description: 'Appends a rejection naming the record: from then on the record no longer counts as an installation; the evidence '
        + '(GET /api/compliance/sites/{siteId}) and the CSV show it with the reason. Reports as of an earlier day are unchanged. '
        + 'A record is rejected once (409); a record outside the caller\'s jurisdiction answers 404.',
      params: CommissioningParamsSchema,
      body: RejectionBodySchema,
      response: { 201: CommissioningRejectionSchema, ...errorResponses(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const { user, scope } = sessionOf(request)
    const { id } = request.params
    const record = store.commissioningRecord(id)
    if (!record || !store.complianceSites(scope).some((s) => s.id === record.siteId)) throw notFound(`commissioning record ${id}`)
    const reason = request.body.reason.trim()
    if (reason === '') throw badRequest('body/reason: say why the record is rejected')
    const earlier = store.commissioningRejections(record.siteId).find((r) => r.recordId === id)
    if (earlier) throw conflict(`record ${id} was rejected already by ${earlier.by}`)
    const rejection = store.addCommissioningRejection({ recordId: id, by: user.name, reason, createdAt: clock() })
    store.audit.record({
      actor: user.name, action: 'commissioning-reject', siteId: record.siteId, subject: `commissioning ${id}`,
      detail: { rejection: rejection.id, system: record.system, commissionedOn: record.commissionedOn, reason },
    })
    return reply.code(201).send(rejection)
  })
}
