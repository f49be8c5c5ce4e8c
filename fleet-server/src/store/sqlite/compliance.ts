import type { Database, Statement } from 'better-sqlite3'
import type { Commissioning, SiteType } from '../../api/schemas.ts'
import type { CommissioningInput, ComplianceSite, DeviceCoverage, Scope } from '../types.ts'
import { flushPendingAggregates } from './ingest-writer.ts'
import { scopeCondition } from './scope.ts'

const MINUTE_MS = 60_000
const DAY_MS = 86_400_000
/** Asia/Shanghai is UTC+8 all year (no daylight saving) */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000
export const COVERAGE_WINDOW_DAYS = 7

interface CommissioningRow {
  id: number; site_id: string; system: string; commissioned_on: string; by: string; devices: string; note: string | null; accepted: number; created_at: number
}
interface SiteRow {
  id: string; name: string; type: SiteType; jurisdiction: string; enterprise_id: string; enterprise_name: string
  in_town_near_homes: number | null; rules_from: string | null
}

/** [from, to) in epoch ms: the `days` calendar days (Asia/Shanghai) ending with `asOf` (YYYY-MM-DD) included. */
export function windowEndingOn(asOf: string, days = COVERAGE_WINDOW_DAYS): { from: number; to: number } {
  const [y, m, d] = asOf.split('-').map(Number) as [number, number, number]
  const to = Date.UTC(y, m - 1, d + 1) - SHANGHAI_OFFSET_MS
  return { from: to - days * DAY_MS, to }
}

const commissioningOf = (r: CommissioningRow): Commissioning => ({
  id: r.id, siteId: r.site_id, system: r.system, commissionedOn: r.commissioned_on, by: r.by,
  devices: JSON.parse(r.devices) as string[], ...(r.note !== null && { note: r.note }), accepted: r.accepted === 1, createdAt: r.created_at,
})

/** Commissioning records, the sites' compliance facts and the live evidence (1-minute roll-ups) of each system. */
export class ComplianceReader {
  private readonly cache = new Map<string, Statement>()

  constructor(private readonly db: Database) {}

  private prepare(sql: string): Statement {
    let statement = this.cache.get(sql)
    if (!statement) this.cache.set(sql, (statement = this.db.prepare(sql)))
    return statement
  }

  addCommissioning(c: CommissioningInput): Commissioning {
    const row = this.prepare(`INSERT INTO commissioning (site_id, system, commissioned_on, by, devices, note, accepted, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`)
      .get(c.siteId, c.system, c.commissionedOn, c.by, JSON.stringify(c.devices ?? []), c.note ?? null, c.accepted === false ? 0 : 1, c.createdAt) as CommissioningRow
    return commissioningOf(row)
  }

  /** a site's records, oldest commissioning date first */
  commissioningOf(siteId: string): Commissioning[] {
    return (this.prepare('SELECT * FROM commissioning WHERE site_id = ? ORDER BY commissioned_on, id').all(siteId) as CommissioningRow[]).map(commissioningOf)
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
   * Per device of `system` on the site's gateways: the share of the minutes of the 7 days ending with
   * `asOf` (Asia/Shanghai) whose 1-minute roll-up holds at least one good sample (any channel).
   */
  systemCoverage7d(siteId: string, system: string, asOf: string): DeviceCoverage[] {
    flushPendingAggregates(this.db)
    const { from, to } = windowEndingOn(asOf)
    const rows = this.prepare(`SELECT d.gateway_id, d.id,
        (SELECT count(DISTINCT r.bucket) FROM channels c JOIN rollup_1m r ON r.channel_id = c.id
         WHERE c.gateway_id = d.gateway_id AND c.device = d.id AND r.bucket >= ? AND r.bucket < ? AND r.count > r.bad) AS minutes
      FROM devices d JOIN gateways g ON g.id = d.gateway_id WHERE g.site_id = ? AND d.system = ? ORDER BY d.gateway_id, d.id`)
      .all(from, to, siteId, system) as { gateway_id: string; id: string; minutes: number }[]
    const total = (to - from) / MINUTE_MS
    return rows.map((r) => ({ gatewayId: r.gateway_id, device: r.id, coverage: r.minutes / total }))
  }
}
