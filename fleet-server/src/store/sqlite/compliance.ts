import type { Database, Statement } from 'better-sqlite3'
import type { Scope, SiteType } from '../../model/index.ts'
import type {
  CommissioningInput, CommissioningRecord, CommissioningRejection, ComplianceSite, DeviceCoverage, DeviceDayMinutes, FirstDataDay, RejectionInput, SystemCoverage,
} from '../types.ts'
import { scopeCondition } from './scope.ts'
import { shanghaiMidnight } from '../../../../protocols/calendar/index.ts'

const DAY_MS = 86_400_000
const COVERAGE_WINDOW_DAYS = 7
/** the minutes of the 7-day window: 7 × 1,440 */
const WINDOW_MINUTES = COVERAGE_WINDOW_DAYS * 1440

interface CommissioningRow {
  id: number; site_id: string; system: string; commissioned_on: string; by: string; devices: string; note: string | null; accepted: number; created_at: number
  replaces: number | null; evidence: CommissioningRecord['evidence']; run_ids: string | null
}
interface RejectionRow { id: number; record_id: number; by: string; reason: string; created_at: number }
interface SiteRow {
  id: string; name: string; type: SiteType; jurisdiction: string; enterprise_id: string; enterprise_name: string
  in_town_near_homes: number | null; rules_from: string | null
}

/** [from, to) in epoch ms: the `days` calendar days (Asia/Shanghai) ending with `asOf` (YYYY-MM-DD) included. */
export function windowEndingOn(asOf: string, days = COVERAGE_WINDOW_DAYS): { from: number; to: number } {
  const [y, m, d] = asOf.split('-').map(Number) as [number, number, number]
  const to = shanghaiMidnight(y, m, d + 1)
  return { from: to - days * DAY_MS, to }
}

const commissioningOf = (r: CommissioningRow): CommissioningRecord => ({
  id: r.id, siteId: r.site_id, system: r.system, commissionedOn: r.commissioned_on, by: r.by,
  devices: JSON.parse(r.devices) as string[], ...(r.note !== null && { note: r.note }), accepted: r.accepted === 1, createdAt: r.created_at,
  ...(r.replaces !== null && { replaces: r.replaces }), evidence: r.evidence, ...(r.run_ids !== null && { runIds: JSON.parse(r.run_ids) as string[] }),
})
const rejectionOf = (r: RejectionRow): CommissioningRejection => ({ id: r.id, recordId: r.record_id, by: r.by, reason: r.reason, createdAt: r.created_at })

/** Commissioning records, the sites' compliance facts and the live evidence (device_minutes, migration 6) of each system. */
export class ComplianceReader {
  private readonly cache = new Map<string, Statement>()

  private generation = 0

  /** `flushAggregates` writes the device minutes the store still holds in memory */
  constructor(private readonly db: Database, private readonly flushAggregates: () => void) {}

  private prepare(sql: string): Statement {
    let statement = this.cache.get(sql)
    if (!statement) this.cache.set(sql, (statement = this.db.prepare(sql)))
    return statement
  }

  /** Append a record (a correction names the record it replaces; the database refuses a second correction of one). */
  addCommissioning(c: CommissioningInput): CommissioningRecord {
    const row = this.prepare(`INSERT INTO commissioning (site_id, system, commissioned_on, by, devices, note, accepted, created_at, replaces, evidence, run_ids)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`)
      .get(c.siteId, c.system, c.commissionedOn, c.by, JSON.stringify(c.devices ?? []), c.note ?? null, c.accepted === false ? 0 : 1, c.createdAt,
        c.replaces ?? null, c.evidence ?? 'entered', c.runIds === undefined ? null : JSON.stringify(c.runIds)) as CommissioningRow
    this.changed()
    return commissioningOf(row)
  }

  /** Append a rejection of a record (the database refuses a second rejection of one). */
  addCommissioningRejection(r: RejectionInput): CommissioningRejection {
    const row = this.prepare('INSERT INTO commissioning_rejections (record_id, by, reason, created_at) VALUES (?, ?, ?, ?) RETURNING *')
      .get(r.recordId, r.by, r.reason, r.createdAt) as RejectionRow
    this.changed()
    return rejectionOf(row)
  }

  commissioningRecord(id: number): CommissioningRecord | undefined {
    const row = this.prepare('SELECT * FROM commissioning WHERE id = ?').get(id) as CommissioningRow | undefined
    return row && commissioningOf(row)
  }

  /** a site's records (every site's without one), oldest commissioning date first */
  commissioningOf(siteId?: string): CommissioningRecord[] {
    const rows = siteId === undefined
      ? this.prepare('SELECT * FROM commissioning ORDER BY commissioned_on, id').all()
      : this.prepare('SELECT * FROM commissioning WHERE site_id = ? ORDER BY commissioned_on, id').all(siteId)
    return (rows as CommissioningRow[]).map(commissioningOf)
  }

  /** the rejections of a site's records (every site's without one), oldest first */
  commissioningRejections(siteId?: string): CommissioningRejection[] {
    const rows = siteId === undefined
      ? this.prepare('SELECT * FROM commissioning_rejections ORDER BY id').all()
      : this.prepare(`SELECT r.* FROM commissioning_rejections r JOIN commissioning c ON c.id = r.record_id WHERE c.site_id = ? ORDER BY r.id`).all(siteId)
    return (rows as RejectionRow[]).map(rejectionOf)
  }

  /**
   * Per (site, system) with devices that reported: the earliest calendar day (Asia/Shanghai) with a
   * good minute of any of its devices (device_minutes; one index seek per device).
   */
  firstDataDays(siteId?: string): FirstDataDay[] {
    this.flushAggregates()
    const first = `(SELECT m.day FROM device_minutes m WHERE m.gateway_id = d.gateway_id AND m.device = d.id AND m.minutes > 0 ORDER BY m.day LIMIT 1)`
    const sql = `SELECT site_id, system, min(day) FROM (SELECT g.site_id, d.system, ${first} AS day FROM devices d JOIN gateways g ON g.id = d.gateway_id
      WHERE d.system IS NOT NULL${siteId === undefined ? '' : ' AND g.site_id = ?'}) WHERE day IS NOT NULL GROUP BY site_id, system`
    const rows = this.prepare(sql).raw().all(...(siteId === undefined ? [] : [siteId])) as [string, string, string][]
    return rows.map(([site, system, day]) => ({ siteId: site, system, day }))
  }

  /** The sites a scope may see with what the catalog needs of them, by id. */
  complianceSites(scope: Scope): ComplianceSite[] {
    const condition = scopeCondition(scope)
    const rows = this.prepare(`SELECT s.id, s.name, s.type, s.jurisdiction, s.enterprise_id, e.name AS enterprise_name, s.in_town_near_homes, s.rules_from
      FROM sites s JOIN enterprises e ON e.id = s.enterprise_id WHERE ${condition.sql} ORDER BY s.id`).all(...condition.params) as SiteRow[]
    return rows.map((r) => ({
      id: r.id, name: r.name, type: r.type, jurisdiction: r.jurisdiction, enterpriseId: r.enterprise_id, enterpriseName: r.enterprise_name,
      ...(r.in_town_near_homes !== null && { inTownNearHomes: r.in_town_near_homes === 1 }), ...(r.rules_from !== null && { rulesFrom: r.rules_from }),
    }))
  }

  /**
   * Per device of `system` on the site's gateways: the share of the minutes of the 7 calendar days
   * (Asia/Shanghai) ending with `asOf` with at least one good sample (any channel), from device_minutes:
   * the sum of its rows over those days ÷ 10,080. A device without rows: 0.
   */
  systemCoverage7d(siteId: string, system: string, asOf: string): DeviceCoverage[] {
    this.flushAggregates()
    const rows = this.prepare(`SELECT d.gateway_id, d.id,
        (SELECT coalesce(sum(m.minutes), 0) FROM device_minutes m WHERE m.gateway_id = d.gateway_id AND m.device = d.id AND m.day >= ? AND m.day <= ?) AS minutes
      FROM devices d JOIN gateways g ON g.id = d.gateway_id WHERE g.site_id = ? AND d.system = ? ORDER BY d.gateway_id, d.id`)
      .all(firstDayOf(asOf), asOf, siteId, system) as { gateway_id: string; id: string; minutes: number }[]
    return rows.map((r) => ({ gatewayId: r.gateway_id, device: r.id, coverage: r.minutes / WINDOW_MINUTES }))
  }

  /**
   * The whole fleet at once: per (site, system) that has devices, how many and the worst device's
   * 7-day coverage as systemCoverage7d computes it — one grouped query (a primary-key range of at most
   * 7 rows per device), for the report of every site.
   */
  systemsCoverage7d(asOf: string): SystemCoverage[] {
    this.flushAggregates()
    const rows = this.prepare(`SELECT site_id, system, count(*) AS devices, min(minutes) AS worst FROM (
        SELECT g.site_id, d.system,
          (SELECT coalesce(sum(m.minutes), 0) FROM device_minutes m WHERE m.gateway_id = d.gateway_id AND m.device = d.id AND m.day >= ? AND m.day <= ?) AS minutes
        FROM devices d JOIN gateways g ON g.id = d.gateway_id WHERE d.system IS NOT NULL
      ) GROUP BY site_id, system`).raw().all(firstDayOf(asOf), asOf) as [string, string, number, number][]
    return rows.map(([siteId, system, devices, worst]) => ({ siteId, system, devices, coverage: worst / WINDOW_MINUTES }))
  }

  /**
   * Per device of a regulatory system on the site's gateways, the good minutes of each calendar day
   * from `fromDay` to `toDay` (both included) that has any; days without a row had none.
   */
  deviceMinutesByDay(siteId: string, fromDay: string, toDay: string): DeviceDayMinutes[] {
    this.flushAggregates()
    const rows = this.prepare(`SELECT d.gateway_id, d.id, d.system, m.day, m.minutes
      FROM devices d JOIN gateways g ON g.id = d.gateway_id
      LEFT JOIN device_minutes m ON m.gateway_id = d.gateway_id AND m.device = d.id AND m.day >= ? AND m.day <= ?
      WHERE g.site_id = ? AND d.system IS NOT NULL ORDER BY d.gateway_id, d.id, m.day`).all(fromDay, toDay, siteId) as
      { gateway_id: string; id: string; system: string; day: string | null; minutes: number | null }[]
    const devices = new Map<string, DeviceDayMinutes>()
    for (const r of rows) {
      const key = `${r.gateway_id}\u0000${r.id}`
      let device = devices.get(key)
      if (!device) devices.set(key, (device = { gatewayId: r.gateway_id, device: r.id, system: r.system, days: {} }))
      if (r.day !== null) device.days[r.day] = r.minutes!
    }
    return [...devices.values()]
  }

  /**
   * Changes when what the report is computed from, other than live coverage, may have changed: a
   * commissioning record or site written through this store (changed()), or any commit by another
   * connection to the same file (PRAGMA data_version: e.g. `fleet-server import --sites` while the
   * server runs).
   */
  complianceVersion(): string {
    return `${this.generation}/${String(this.db.pragma('data_version', { simple: true }))}`
  }

  /** the compliance inputs changed through this connection (sites, enterprises, commissioning) */
  changed(): void {
    this.generation++
  }
}

/** the first of the `days` calendar days ending with `asOf` (YYYY-MM-DD, Asia/Shanghai) */
function firstDayOf(asOf: string, days = COVERAGE_WINDOW_DAYS): string {
  const [y, m, d] = asOf.split('-').map(Number) as [number, number, number]
  return new Date(Date.UTC(y, m - 1, d - days + 1)).toISOString().slice(0, 10)
}
