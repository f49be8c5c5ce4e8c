import Type, { type Static } from 'typebox'
import { Id, literals, MONTH_PATTERN } from '../model/primitives.ts'
import { FIRST_REPORT_MONTH } from '../reports/month.ts'

const ReportMonth = Type.String({
  pattern: MONTH_PATTERN, description: `a calendar month, YYYY-MM (Asia/Shanghai), from ${FIRST_REPORT_MONTH} to the current month; an earlier or a future one answers 400`,
})

export const MonthlyReportQuerySchema = Type.Object({
  enterpriseId: Id,
  month: ReportMonth,
  lang: Type.Optional(literals(['zh', 'en'], 'the HTML page\'s language; default zh')),
  format: Type.Optional(literals(['html', 'json'], 'html (default): a printable page; json: the same data')),
}, { additionalProperties: false })

export type MonthlyReportQuery = Static<typeof MonthlyReportQuerySchema>
