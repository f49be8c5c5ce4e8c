import type { Database, Statement } from 'better-sqlite3'
import type { CalibrationFact, GatewayHours, MonthlyFacts, MonthlyQuery, MonthlySite } from '../../model/index.ts'
import { alarmOf, interlockOf, present, type AlarmRow, type InterlockRow } from './reads.ts'
import { scopeCondition } from './scope.ts'

/** Read-only: what the monthly risk report (fleet-server/src/reports) needs of one enterprise's month. */

interface DeviceRow { site_id: string; gateway_id: string; id: string; profile: string; location: string | null; system: string | null; calibration_due: string }

export class MonthlyReader {
  private readonly cache = new Map<string, Statement>()

  /** `flushAggregates` writes the roll-ups the store still holds in memory */
  constructor(private readonly db: Database, private readonly flushAggregates: () => void) {}

  private prepare(sql: string): Statement {
    let statement = this.cache.get(sql)
    if (!statement) this.cache.set(sql, (statement = this.db.prepare(sql)))
    return statement
  }

  /**
   * Undefined when the enterprise does not exist or the scope sees none of its sites (an admin, or the
   * enterprise itself, sees an enterprise without sites).
   */
  monthlyFacts(q: MonthlyQuery): MonthlyFacts | undefined {
    const enterprise = this.prepare('SELECT id, name, name_en FROM enterprises WHERE id = ?').get(q.enterpriseId) as
      { id: string; name: string; name_en: string | null } | undefined
    if (!enterprise) return undefined
    const condition = scopeCondition(q.scope)
    const sites = this.prepare(`SELECT s.id, s.name, s.type, s.jurisdiction FROM sites s WHERE s.enterprise_id = ? AND ${condition.sql} ORDER BY s.id`)
      .all(q.enterpriseId, ...condition.params) as MonthlySite[]
    const ownsAll = q.scope.role === 'admin' || (q.scope.role === 'enterprise' && q.scope.enterpriseId === q.enterpriseId)
    if (sites.length === 0 && !ownsAll) return undefined
    const siteIds = JSON.stringify(sites.map((s) => s.id))

    // alarms and trips of a declared test (commissioning, periodic tests) are no risk of the month
    const alarms = (this.prepare(`SELECT * FROM alarms WHERE site_id IN (SELECT value FROM json_each(?)) AND raised_at >= ? AND raised_at < ? AND test = 0
      ORDER BY raised_at, id`).all(siteIds, q.from, q.to) as AlarmRow[]).map(alarmOf)
    const interlockActions = (this.prepare(`SELECT * FROM interlock_actions WHERE site_id IN (SELECT value FROM json_each(?)) AND ts >= ? AND ts < ?
      AND state IN ('tripped', 'failed') AND test = 0 ORDER BY ts, gateway_id, seq`).all(siteIds, q.from, q.to) as InterlockRow[]).map(interlockOf)

    // the hourly roll-ups are written from memory about once a second: before reading them, now
    this.flushAggregates()
    const gatewayRows = this.prepare('SELECT id, site_id, name FROM gateways WHERE site_id IN (SELECT value FROM json_each(?)) ORDER BY id')
      .all(siteIds) as { id: string; site_id: string; name: string | null }[]
    const first = this.prepare('SELECT min(r.bucket) AS first FROM channels c JOIN rollup_1h r ON r.channel_id = c.id WHERE c.gateway_id = ? AND r.count > 0')
    const hours = this.prepare(`SELECT DISTINCT r.bucket FROM channels c JOIN rollup_1h r ON r.channel_id = c.id
      WHERE c.gateway_id = ? AND r.bucket >= ? AND r.bucket < ? AND r.count > 0 ORDER BY r.bucket`)
    const gateways: GatewayHours[] = gatewayRows.map((g) => ({
      id: g.id, siteId: g.site_id, ...present('name', g.name),
      firstSampleAt: (first.get(g.id) as { first: number | null }).first,
      onlineHours: (hours.all(g.id, q.from, q.to) as { bucket: number }[]).map((r) => r.bucket),
    }))

    const calibrations: CalibrationFact[] = (this.prepare(`SELECT site_id, gateway_id, id, profile, location, system, calibration_due FROM devices
      WHERE site_id IN (SELECT value FROM json_each(?)) AND calibration_due IS NOT NULL AND calibration_due < ? ORDER BY calibration_due, gateway_id, id`)
      .all(siteIds, q.calibrationDueBefore) as DeviceRow[]).map((d) => ({
      siteId: d.site_id, gatewayId: d.gateway_id, device: d.id, profile: d.profile, ...present('location', d.location), ...present('system', d.system),
      calibrationDue: d.calibration_due,
    }))

    return {
      enterprise: { id: enterprise.id, name: enterprise.name, ...(enterprise.name_en !== null && { nameEn: enterprise.name_en }) },
      sites, alarms, interlockActions, gateways, calibrations,
    }
  }
}
