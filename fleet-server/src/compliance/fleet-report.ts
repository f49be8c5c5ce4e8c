import type { ComplianceRow, ComplianceState, ComplianceSummary, Scope } from '../model/index.ts'
import type { CommissioningRecord, ComplianceSite, FleetStore } from '../store/types.ts'
import type { Catalog } from './catalog-schema.ts'
import { endOfDayMs, installationRecords, recordStandings, siteSystemKey, type RecordStanding } from './commissioning.ts'
import { requiredSystems, type RequiredSystem } from './required.ts'
import { complianceStatus, verified } from './status.ts'

/**
 * The compliance report of the whole fleet on one day, computed with a few set-based reads (every
 * site, every commissioning record and rejection, every (site, system)'s worst
 * device coverage) instead of queries per site, and kept per asOf:
 *
 * - sites, enterprises and commissioning records are exact: any change through the store, or any
 *   commit to the database file by another connection (`fleet-server import --sites` while the server
 *   runs), changes store.complianceVersion() and the next request recomputes;
 * - live coverage (and devices appearing with their system) may be up to COVERAGE_MAX_AGE_MS old.
 *
 * Every reader (GET /api/compliance, its CSV, the summary, a site's evidence, the monthly report)
 * filters this one report by scope and query, so they agree with each other; list-answer.ts makes
 * GET /api/compliance's body of it, summary.ts the counts.
 */

/** how stale the live coverage of a cached report may be */
export const COVERAGE_MAX_AGE_MS = 60_000
/** reports kept (distinct asOf), least recently computed dropped first */
const MAX_REPORTS = 3

export interface SiteReport {
  site: ComplianceSite
  /** one per required system, in catalog order; empty when the catalog binds the site to nothing */
  rows: ComplianceRow[]
  /** the worst status of its rows (overdue > late > due-soon > on-track > compliant); undefined without rows */
  worst: ComplianceState | undefined
  /** how many of its rows have each status */
  counts: Readonly<Record<ComplianceState, number>>
  /** each row as UTF-8 JSON, made on first use (rowsJson()) */
  json?: Buffer[]
}

export interface FleetReport {
  asOf: string
  /** every site, by id */
  sites: SiteReport[]
  byId: Map<string, SiteReport>
  byJurisdiction: Map<string, SiteReport[]>
  byEnterprise: Map<string, SiteReport[]>
  rowCount: number
  /** store.complianceVersion() read before the data */
  version: string
  /** performance.now() when its coverage was read (the global one, so tests may fake it) */
  computedAtMs: number
  /** every commissioning record recorded by the end of asOf, as it stood then (commissioning.ts recordStandings) */
  standings: Map<number, { record: CommissioningRecord } & RecordStanding>
  /** per (site, system) (siteSystemKey) the record counted as its installation */
  installedRecords: Map<string, CommissioningRecord>
  /** the coverage it was computed with: site → system → worst device's share */
  coverage: Map<string, Map<string, number>>
  /** summaries by scope, computed on first use */
  summaries: Map<string, ComplianceSummary>
  /** large list answers by scope and query, kept with the report (at most RESPONSE_CACHE_BYTES) */
  responses: Map<string, ListAnswer>
  responseBytes: number
}

/** a list answer this large (bytes) is kept with its report: encoding 37 MB of rows costs more than 100 ms */
export const RESPONSE_CACHE_MIN_BYTES = 1 << 20
/** at most this many bytes of answers kept per report; the oldest are dropped first */
export const RESPONSE_CACHE_BYTES = 64 << 20

/** Severity order for a site's worst row: a higher rank is worse. */
const SEVERITY: Readonly<Record<ComplianceState, number>> = { compliant: 0, 'on-track': 1, 'due-soon': 2, late: 3, overdue: 4 }

/** site → system → value, from a list of per-(site, system) facts (nested: a look-up builds no key string) */
function bySiteSystem<T extends { siteId: string; system: string }, V>(items: readonly T[], value: (item: T) => V): Map<string, Map<string, V>> {
  const map = new Map<string, Map<string, V>>()
  for (const item of items) {
    let systems = map.get(item.siteId)
    if (!systems) map.set(item.siteId, (systems = new Map()))
    systems.set(item.system, value(item))
  }
  return map
}

/**
 * Compute the fleet's report for `asOf`, uncached; with `reuse`, that report's coverage (read at
 * reuse.computedAtMs) instead of reading it again.
 */
export function computeFleetReport(store: FleetStore, catalog: Catalog, asOf: string, reuse?: Pick<FleetReport, 'coverage' | 'computedAtMs'>): FleetReport {
  const version = store.complianceVersion()
  const computedAtMs = reuse?.computedAtMs ?? performance.now()
  const sites = store.complianceSites({ role: 'admin' })
  const standings = recordStandings(store.commissioningOf(), store.commissioningRejections(), endOfDayMs(asOf))
  const installedRecords = installationRecords(standings, asOf)
  const coverage = reuse?.coverage ?? bySiteSystem(store.systemsCoverage7d(asOf), (c) => c.coverage)
  // many sites share their duties (same type, jurisdiction, facts)
  const duties = new Map<string, RequiredSystem[]>()
  const report: FleetReport = {
    asOf, sites: [], byId: new Map(), byJurisdiction: new Map(), byEnterprise: new Map(), rowCount: 0, version, computedAtMs, standings, installedRecords, coverage, summaries: new Map(),
    responses: new Map(), responseBytes: 0,
  }
  for (const site of sites) {
    const dutyKey = `${site.type}|${String(site.inTownNearHomes)}|${site.rulesFrom ?? ''}|${site.jurisdiction}`
    let required = duties.get(dutyKey)
    if (!required) duties.set(dutyKey, (required = requiredSystems(catalog, site, site.jurisdiction)))
    const rows: ComplianceRow[] = []
    let worst: ComplianceState | undefined
    const siteCoverage = coverage.get(site.id)
    for (const duty of required) {
      const installedOn = installedRecords.get(siteSystemKey(site.id, duty.system))?.commissionedOn
      const state = complianceStatus({ appliesFrom: duty.appliesFrom, periodYears: duty.periodYears, installedOn, asOf })
      const share = siteCoverage?.get(duty.system) ?? 0
      rows.push({
        siteId: site.id, siteName: site.name, siteType: site.type, jurisdiction: site.jurisdiction, enterpriseName: site.enterpriseName,
        ruleId: duty.rule.id, clause: duty.rule.clause, system: duty.system, appliesFrom: duty.appliesFrom, deadline: state.deadline,
        installedOn: installedOn ?? null, verified: verified(share), coverage: share, status: state.status,
        daysOverdue: state.daysOverdue ?? null, daysLeft: state.daysLeft ?? null, sanction: duty.sanction,
      })
      if (worst === undefined || SEVERITY[state.status] > SEVERITY[worst]) worst = state.status
    }
    const counts = { compliant: 0, late: 0, overdue: 0, 'due-soon': 0, 'on-track': 0 }
    for (const row of rows) counts[row.status]++
    const entry: SiteReport = { site, rows, worst, counts }
    report.sites.push(entry)
    report.byId.set(site.id, entry)
    push(report.byJurisdiction, site.jurisdiction, entry)
    push(report.byEnterprise, site.enterpriseId, entry)
    report.rowCount += rows.length
  }
  return report
}

/**
 * The same report with its live coverage read anew (one grouped query): rows whose coverage changed
 * are new objects with their new coverage and verified, the rest are shared; statuses (and so the
 * summaries) are unchanged. What a stale report costs when nothing but telemetry changed.
 */
export function withFreshCoverage(store: FleetStore, report: FleetReport): FleetReport {
  const computedAtMs = performance.now()
  const coverage = bySiteSystem(store.systemsCoverage7d(report.asOf), (c) => c.coverage)
  const next: FleetReport = {
    ...report, sites: [], byId: new Map(), byJurisdiction: new Map(), byEnterprise: new Map(), computedAtMs, coverage, responses: new Map(), responseBytes: 0,
  }
  for (const old of report.sites) {
    const siteCoverage = coverage.get(old.site.id)
    let changed = false
    const rows = old.rows.map((row) => {
      const share = siteCoverage?.get(row.system) ?? 0
      if (share === row.coverage) return row
      changed = true
      return { ...row, coverage: share, verified: verified(share) }
    })
    const entry: SiteReport = changed ? { site: old.site, rows, worst: old.worst, counts: old.counts } : old
    next.sites.push(entry)
    next.byId.set(entry.site.id, entry)
    push(next.byJurisdiction, entry.site.jurisdiction, entry)
    push(next.byEnterprise, entry.site.enterpriseId, entry)
  }
  return next
}

function push<K, V>(map: Map<K, V[]>, k: K, v: V): void {
  const list = map.get(k)
  if (list) list.push(v)
  else map.set(k, [v])
}

const caches = new WeakMap<FleetStore, WeakMap<Catalog, Map<string, FleetReport>>>()

/**
 * The fleet's report for `asOf`: the cached one while the store's compliance version is unchanged
 * and its coverage younger than COVERAGE_MAX_AGE_MS; with the version unchanged but the coverage
 * older, the cached one with its coverage read anew (withFreshCoverage); with the version changed,
 * computed anew (keeping the cached coverage while it is young enough).
 */
export function fleetReport(store: FleetStore, catalog: Catalog, asOf: string): FleetReport {
  let byCatalog = caches.get(store)
  if (!byCatalog) caches.set(store, (byCatalog = new WeakMap()))
  let reports = byCatalog.get(catalog)
  if (!reports) byCatalog.set(catalog, (reports = new Map()))
  const cached = reports.get(asOf)
  const fresh = cached !== undefined && performance.now() - cached.computedAtMs < COVERAGE_MAX_AGE_MS
  let report: FleetReport
  if (cached !== undefined && cached.version === store.complianceVersion()) {
    if (fresh) return cached
    report = withFreshCoverage(store, cached)
  } else {
    // sites or records changed: statuses anew; coverage younger than COVERAGE_MAX_AGE_MS is kept
    report = computeFleetReport(store, catalog, asOf, fresh ? cached : undefined)
  }
  reports.delete(asOf)
  reports.set(asOf, report)
  for (const old of reports.keys()) {
    if (reports.size <= MAX_REPORTS) break
    reports.delete(old)
  }
  return report
}

/** Whether `scope` may see `site` (the same rule as the store's scopeCondition). */
export function inScope(scope: Scope, site: ComplianceSite): boolean {
  switch (scope.role) {
    case 'admin': return true
    case 'regulator': return scope.jurisdiction === '*' || site.jurisdiction === scope.jurisdiction
    case 'enterprise': return site.enterpriseId === scope.enterpriseId
    case 'installer': return scope.siteIds.includes(site.id)
  }
}

/** The sites of the report a scope may see, by id. */
export function scopedSites(report: FleetReport, scope: Scope): readonly SiteReport[] {
  switch (scope.role) {
    case 'admin': return report.sites
    case 'regulator': return scope.jurisdiction === '*' ? report.sites : (report.byJurisdiction.get(scope.jurisdiction) ?? [])
    case 'enterprise': return report.byEnterprise.get(scope.enterpriseId) ?? []
    case 'installer': {
      const ids = new Set(scope.siteIds)
      return report.sites.filter((s) => ids.has(s.site.id))
    }
  }
}

export interface RowFilter {
  status?: ComplianceState | undefined
  siteType?: string | undefined
  jurisdiction?: string | undefined
}

/** The rows of the sites a scope sees that pass the filters, by site id then catalog order. */
export function selectRows(report: FleetReport, scope: Scope, filter: RowFilter): ComplianceRow[] {
  const { status, siteType, jurisdiction } = filter
  const rows: ComplianceRow[] = []
  for (const { site, rows: own } of scopedSites(report, scope)) {
    if (siteType !== undefined && site.type !== siteType) continue
    if (jurisdiction !== undefined && site.jurisdiction !== jurisdiction) continue
    if (status === undefined) {
      for (const row of own) rows.push(row)
    } else {
      for (const row of own) if (row.status === status) rows.push(row)
    }
  }
  return rows
}

export type ListQuery = RowFilter & { limit?: number | undefined; offset?: number | undefined }

export interface ListAnswer {
  /** UTF-8 JSON */
  body: Buffer
  /** rows of all pages */
  total: number
  /** the body gzipped, made on first use (gzipped()) for an answer kept with its report */
  gzip?: Buffer
}
