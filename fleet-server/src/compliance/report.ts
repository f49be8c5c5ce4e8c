import type { ComplianceQuery, ComplianceRow } from '../api/schemas.ts'
import type { FleetStore, Scope } from '../store/types.ts'
import type { Catalog } from './catalog-schema.ts'
import { requiredSystems } from './required.ts'
import { complianceStatus, systemCoverage, verified } from './status.ts'

/**
 * GET /api/compliance: one row per (site the scope sees, system the catalog requires of it), by site id
 * then catalog order, as it stood on `asOf`. installedOn is the first accepted commissioning record of the
 * system dated on or before asOf; coverage is the worst device's share of the 7 days ending asOf.
 */
export function complianceReport(store: FleetStore, catalog: Catalog, scope: Scope, query: ComplianceQuery & { asOf: string }): ComplianceRow[] {
  const { asOf } = query
  const rows: ComplianceRow[] = []
  for (const site of store.complianceSites(scope)) {
    if (query.siteType !== undefined && site.type !== query.siteType) continue
    if (query.jurisdiction !== undefined && site.jurisdiction !== query.jurisdiction) continue
    const required = requiredSystems(catalog, site, site.jurisdiction)
    if (required.length === 0) continue
    const installed = new Map<string, string>()
    for (const record of store.commissioningOf(site.id)) {
      if (!record.accepted || record.commissionedOn > asOf) continue
      const first = installed.get(record.system)
      if (first === undefined || record.commissionedOn < first) installed.set(record.system, record.commissionedOn)
    }
    for (const duty of required) {
      const installedOn = installed.get(duty.system)
      const state = complianceStatus({ appliesFrom: duty.appliesFrom, periodYears: duty.periodYears, installedOn, asOf })
      if (query.status !== undefined && state.status !== query.status) continue
      const coverage = systemCoverage(store.systemCoverage7d(site.id, duty.system, asOf).map((d) => d.coverage))
      rows.push({
        siteId: site.id, siteName: site.name, siteType: site.type, jurisdiction: site.jurisdiction, enterpriseName: site.enterpriseName,
        ruleId: duty.rule.id, clause: duty.rule.clause, system: duty.system, appliesFrom: duty.appliesFrom, deadline: state.deadline,
        installedOn: installedOn ?? null, verified: verified(coverage), coverage, status: state.status,
        daysOverdue: state.daysOverdue ?? null, daysLeft: state.daysLeft ?? null, sanction: duty.sanction,
      })
    }
  }
  return rows
}

/** The CSV columns, in order: the JSON row's fields, with sanction split into its two languages. */
export const COMPLIANCE_CSV_COLUMNS = [
  'siteId', 'siteName', 'siteType', 'jurisdiction', 'enterpriseName', 'ruleId', 'clause', 'system', 'appliesFrom', 'deadline',
  'installedOn', 'verified', 'coverage', 'status', 'daysOverdue', 'daysLeft', 'sanctionZh', 'sanctionEn',
] as const

/** RFC 4180: a field holding a comma, a quote or a line break is quoted, inner quotes doubled. */
export function csvField(value: string | number | boolean | null): string {
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
