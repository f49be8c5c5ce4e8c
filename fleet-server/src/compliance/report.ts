import type { ComplianceRow, Scope } from '../model/index.ts'
import type { FleetStore } from '../store/types.ts'
import type { Catalog } from './catalog-schema.ts'
import { fleetReport, selectRows, type ListQuery } from './fleet-report.ts'

/**
 * GET /api/compliance: one row per (site the scope sees, system the catalog requires of it), by site id
 * then catalog order, as it stood on `asOf`. installedOn is the first accepted commissioning record of the
 * system dated on or before asOf; coverage is the worst device's share of the 7 days ending asOf.
 * `offset` rows are skipped, then at most `limit` returned (default: all). Computed from the fleet's
 * cached report (fleet-report.ts): exact for sites and commissioning records, coverage at most
 * COVERAGE_MAX_AGE_MS old.
 */
export function complianceReport(store: FleetStore, catalog: Catalog, scope: Scope, query: ListQuery & { asOf: string }): ComplianceRow[] {
  const rows = selectRows(fleetReport(store, catalog, query.asOf), scope, query)
  return page(rows, query)
}

/** rows[offset, offset + limit) */
export function page<T>(rows: T[], { limit, offset }: { limit?: number | undefined; offset?: number | undefined }): T[] {
  if (limit === undefined && (offset === undefined || offset === 0)) return rows
  const from = offset ?? 0
  return rows.slice(from, limit === undefined ? undefined : from + limit)
}

/** The CSV columns, in order: the JSON row's fields, with sanction split into its two languages. */
export const COMPLIANCE_CSV_COLUMNS = [
  'siteId', 'siteName', 'siteType', 'jurisdiction', 'enterpriseName', 'ruleId', 'clause', 'system', 'appliesFrom', 'deadline',
  'installedOn', 'verified', 'coverage', 'status', 'daysOverdue', 'daysLeft', 'sanctionZh', 'sanctionEn',
] as const

/** RFC 4180: a field holding a comma, a quote or a line break is quoted, inner quotes doubled. */
function csvField(value: string | number | boolean | null): string {
  const text = value === null ? '' : String(value)
  return /[",\r\n]/u.test(text) ? `"${text.replace(/"/gu, '""')}"` : text
}

/** UTF-8 with a byte-order mark (so spreadsheet programs read the Chinese names), CRLF line ends, a header line. */
export function complianceCsv(rows: readonly ComplianceRow[]): string {
  const lines = [COMPLIANCE_CSV_COLUMNS.join(',')]
  for (const row of rows) {
    const values: Record<(typeof COMPLIANCE_CSV_COLUMNS)[number], string | number | boolean | null> = {
      ...row, sanctionZh: row.sanction?.zh ?? null, sanctionEn: row.sanction?.en ?? null,
    }
    lines.push(COMPLIANCE_CSV_COLUMNS.map((c) => csvField(values[c])).join(','))
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`
}
