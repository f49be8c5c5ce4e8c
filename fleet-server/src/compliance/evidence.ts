import type { Commissioning, ComplianceEvidence, Scope } from '../model/index.ts'
import type { CommissioningRecord, FleetStore } from '../store/types.ts'
import type { Catalog } from './catalog-schema.ts'
import { corroborated, endOfDayMs, recordStandings, type RecordStanding } from './commissioning.ts'
import { fleetReport, inScope } from './fleet-report.ts'
import { systemCoverage } from './status.ts'
import { addDays } from '../../../protocols/calendar/index.ts'

const EVIDENCE_DEFAULT_DAYS = 30
const DAY_MINUTES = 1440

/**
 * GET /api/compliance/sites/{siteId}: what a regulator acts on for one site — its rows of the report
 * (the same as GET /api/compliance's), its commissioning records dated on or before asOf (accepted or
 * not), and per required system the worst device's share of each day's 1,440 minutes with a good
 * sample, for the `days` days ending asOf (read fresh from device_minutes). Undefined when the site is
 * unknown or outside the scope: the caller answers 404 either way.
 */
export function complianceEvidence(
  store: FleetStore, catalog: Catalog, scope: Scope, siteId: string, { asOf, days = EVIDENCE_DEFAULT_DAYS }: { asOf: string; days?: number },
): ComplianceEvidence | undefined {
  const entry = fleetReport(store, catalog, asOf).byId.get(siteId)
  if (!entry || !inScope(scope, entry.site)) return undefined
  const { site, rows } = entry
  const firstDay = addDays(asOf, -(days - 1))
  const dayList = Array.from({ length: days }, (_, i) => addDays(firstDay, i))
  const devices = store.deviceMinutesByDay(siteId, firstDay, asOf)
  const coverage = rows.map(({ system }) => {
    const own = devices.filter((d) => d.system === system)
    return {
      system,
      days: dayList.map((day) => ({ day, coverage: systemCoverage(own.map((d) => (d.days[day] ?? 0) / DAY_MINUTES)) })),
    }
  })
  return {
    site: { id: site.id, name: site.name, type: site.type, jurisdiction: site.jurisdiction, enterpriseName: site.enterpriseName },
    asOf,
    rows,
    commissioning: siteCommissioning(store, siteId, asOf),
    coverage,
  }
}

/** A stored record as the API answers it: its standing on asOf and whether live data corroborates it. */
export function commissioningAnswer(record: CommissioningRecord, standing: RecordStanding, firstDataDay: string | undefined, asOf: string): Commissioning {
  const { state, rejection, replacedBy } = standing
  return {
    ...record, state, accepted: state === 'effective', ...(rejection !== undefined && { rejection }), ...(replacedBy !== undefined && { replacedBy }),
    corroborated: corroborated(record.commissionedOn, firstDataDay, asOf),
  }
}

/** A site's records recorded by the end of asOf and dated on or before it, as they stood on asOf, oldest date first. */
export function siteCommissioning(store: FleetStore, siteId: string, asOf: string): Commissioning[] {
  const standings = recordStandings(store.commissioningOf(siteId), store.commissioningRejections(siteId), endOfDayMs(asOf))
  const firstDay = new Map(store.firstDataDays(siteId).map((f) => [f.system, f.day]))
  const answers: Commissioning[] = []
  for (const { record, ...standing } of standings.values()) {
    if (record.commissionedOn <= asOf) answers.push(commissioningAnswer(record, standing, firstDay.get(record.system), asOf))
  }
  return answers
}
