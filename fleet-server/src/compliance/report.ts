import type { ComplianceRow, Scope } from '../model/index.ts'
import type { FleetStore } from '../store/types.ts'
import type { Catalog } from './catalog-schema.ts'
import { corroborated, siteSystemKey } from './commissioning.ts'
import { fleetReport, selectRows, type FleetReport, type ListQuery } from './fleet-report.ts'

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

/**
 * The CSV columns, in order: the JSON row's fields, with sanction split into its two languages, then
 * what stands behind installedOn (commissioningColumns()).
 */
export const COMPLIANCE_CSV_COLUMNS = [
  'siteId', 'siteName', 'siteType', 'jurisdiction', 'enterpriseName', 'ruleId', 'clause', 'system', 'appliesFrom', 'deadline',
  'installedOn', 'verified', 'coverage', 'status', 'daysOverdue', 'daysLeft', 'sanctionZh', 'sanctionEn',
  'installedRecordId', 'installedBy', 'corroborated', 'rejectedRecords',
] as const

type Cell = string | number | boolean | null

/** Per row: the record counted as its installation, who entered it, whether live data corroborates it, and the records a regulator rejected. */
export interface CommissioningColumns {
  installedRecordId: number | null
  installedBy: string | null
  corroborated: boolean | null
  /** `#id date by user, rejected by regulator: reason`, joined by `; ` */
  rejectedRecords: string
}

/** a site count above which the first data days of the whole fleet are read at once rather than per site */
const PER_SITE_READS_MAX = 50

/** commissioningColumns() for each (site, system) of `rows` (siteSystemKey), as the report stood on its asOf. */
export function commissioningColumns(store: FleetStore, report: FleetReport, rows: readonly ComplianceRow[]): Map<string, CommissioningColumns> {
  const siteIds = [...new Set(rows.map((r) => r.siteId))]
  const firstDays = siteIds.length > PER_SITE_READS_MAX ? store.firstDataDays() : siteIds.flatMap((id) => store.firstDataDays(id))
  const firstDay = new Map(firstDays.map((f) => [siteSystemKey(f.siteId, f.system), f.day]))
  const rejected = new Map<string, string[]>()
  for (const { record, state, rejection } of report.standings.values()) {
    if (state !== 'rejected' || record.commissionedOn > report.asOf) continue
    const key = siteSystemKey(record.siteId, record.system)
    const why = rejection ? `rejected by ${rejection.by}: ${rejection.reason}` : 'not accepted'
    rejected.set(key, [...(rejected.get(key) ?? []), `#${record.id} ${record.commissionedOn} by ${record.by}, ${why}`])
  }
  const columns = new Map<string, CommissioningColumns>()
  for (const row of rows) {
    const key = siteSystemKey(row.siteId, row.system)
    const installed = report.installedRecords.get(key)
    columns.set(key, {
      installedRecordId: installed?.id ?? null, installedBy: installed?.by ?? null,
      corroborated: installed ? corroborated(installed.commissionedOn, firstDay.get(key), report.asOf) : null,
      rejectedRecords: (rejected.get(key) ?? []).join('; '),
    })
  }
  return columns
}

/**
 * A cell a spreadsheet would read as a formula (beginning with = + - @, a tab or a carriage return)
 * gets a leading single quote, so an enterprise named =HYPERLINK(…) stays text (OWASP "CSV injection").
 */
export function neutralisedCell(text: string): string {
  return /^[=+\-@\t\r]/u.test(text) ? `'${text}` : text
}

/** RFC 4180: a field holding a comma, a quote or a line break is quoted, inner quotes doubled; formulas neutralised first. */
function csvField(value: Cell): string {
  const text = value === null ? '' : neutralisedCell(String(value))
  return /[",\r\n]/u.test(text) ? `"${text.replace(/"/gu, '""')}"` : text
}

const NO_RECORD: CommissioningColumns = { installedRecordId: null, installedBy: null, corroborated: null, rejectedRecords: '' }

/** UTF-8 with a byte-order mark (so spreadsheet programs read the Chinese names), CRLF line ends, a header line. */
export function complianceCsv(rows: readonly ComplianceRow[], commissioning: ReadonlyMap<string, CommissioningColumns> = new Map()): string {
  const lines = [COMPLIANCE_CSV_COLUMNS.join(',')]
  for (const row of rows) {
    const values: Record<(typeof COMPLIANCE_CSV_COLUMNS)[number], Cell> = {
      ...row, sanctionZh: row.sanction?.zh ?? null, sanctionEn: row.sanction?.en ?? null,
      ...(commissioning.get(siteSystemKey(row.siteId, row.system)) ?? NO_RECORD),
    }
    lines.push(COMPLIANCE_CSV_COLUMNS.map((c) => csvField(values[c])).join(','))
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`
}
