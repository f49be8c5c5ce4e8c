import type { FastifyPluginAsync } from 'fastify'
import Type from 'typebox'
import { MonthlyReportSchema } from '../model/index.ts'
import { FIRST_REPORT_MONTH, MONTHLY_REPORT_CSP, MonthError, monthlyReport, renderMonthlyHtml } from '../reports/index.ts'
import { sessionOf } from './access.ts'
import type { RouteDeps } from './deps.ts'
import { badRequest, errorResponses, notFound } from './errors.ts'
import { MonthlyReportQuerySchema } from './reports.schema.ts'
import type { TypeBoxProvider } from './type-provider.ts'

/** The monthly risk report of an enterprise (the plan's 四(二)3): a printable HTML page, or its data as JSON. */
export const reportRoutes: FastifyPluginAsync<RouteDeps> = async (app, { store, clock, catalog }) => {
  const api = app.withTypeProvider<TypeBoxProvider>()

  api.get('/api/reports/monthly', {
    config: { access: { roles: ['enterprise', 'regulator', 'admin'], doing: 'read monthly risk reports' } },
    schema: {
      tags: ['reports'],
      summary: 'an enterprise\'s monthly risk report: alarms, interlock trips, offline hours, calibrations overdue, compliance, per site',
      description: `month = YYYY-MM, a calendar month in Asia/Shanghai from ${FIRST_REPORT_MONTH} on, not in the future; the current month runs up to now. `
        + 'format=html (default): a self-contained printable page (A4, a page per site), lang=zh (default) or en; format=json: the same data. '
        + 'An enterprise sees its own; a regulator the enterprise\'s sites in its jurisdiction; an admin all.',
      querystring: MonthlyReportQuerySchema,
      response: {
        200: {
          description: 'the report',
          content: {
            'text/html': { schema: Type.String({ description: 'text/html; charset=utf-8' }) },
            'application/json': { schema: MonthlyReportSchema },
          },
        },
        ...errorResponses(400, 401, 403, 404),
      },
    },
  }, async (request, reply) => {
    const { scope } = sessionOf(request)
    const { enterpriseId, month, lang = 'zh', format = 'html' } = request.query
    let report
    try {
      report = monthlyReport(store, catalog, scope, { enterpriseId, month, now: clock() })
    } catch (error) {
      if (error instanceof MonthError) throw badRequest(`querystring/month: ${error.message}`)
      throw error
    }
    // outside the caller's scope answers like an unknown enterprise: its existence is not revealed
    if (!report) throw notFound(`enterprise ${enterpriseId}`)
    if (format === 'json') return reply.header('content-type', 'application/json; charset=utf-8').send(report)
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', MONTHLY_REPORT_CSP)
      .header('content-disposition', `inline; filename="risk-report-${encodeURIComponent(enterpriseId)}-${month}.html"`)
      .send(renderMonthlyHtml(report, lang))
  })
}
