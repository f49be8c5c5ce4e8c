import type { Database, Statement } from 'better-sqlite3'
import type { AlarmEvent } from '../../../../protocols/mqtt/index.ts'

/**
 * The stored alarms' lifecycle: an agent's alarm events (raised, escalated, de-escalated, changed,
 * acknowledged, cleared) kept as one row per alarm occurrence of a (gateway, device, channel, kind),
 * active until it is cleared. The agent decides; this only records what it reported, also when an
 * event was lost on the way (a raise while a row is still active, a level change without a raise).
 * An occurrence raised during a declared test of its device (`test: true`) stays marked as a test.
 */
export class AlarmLifecycle {
  private readonly sql: Record<'active' | 'last' | 'raise' | 'supersede' | 'level' | 'acknowledge' | 'clear', Statement>

  constructor(db: Database) {
    const p = (sql: string) => db.prepare(sql)
    this.sql = {
      active: p(`SELECT id FROM alarms WHERE gateway_id = ? AND device = ? AND channel = ? AND kind = ? AND state = 'active' ORDER BY id DESC LIMIT 1`),
      last: p('SELECT id FROM alarms WHERE gateway_id = ? AND device = ? AND channel = ? AND kind = ? ORDER BY id DESC LIMIT 1'),
      raise: p(`INSERT INTO alarms (site_id, gateway_id, device, channel, kind, level, state, acknowledged, acknowledged_by, acknowledged_at,
        raised_at, value, threshold, unit, interlock, reason, test) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      supersede: p(`UPDATE alarms SET state = 'cleared', cleared_at = ? WHERE id = ?`),
      level: p(`UPDATE alarms SET level = ?, value = coalesce(?, value), threshold = coalesce(?, threshold) WHERE id = ?`),
      acknowledge: p('UPDATE alarms SET acknowledged = 1, acknowledged_by = coalesce(?, acknowledged_by), acknowledged_at = coalesce(acknowledged_at, ?) WHERE id = ?'),
      clear: p(`UPDATE alarms SET state = 'cleared', cleared_at = ?, acknowledged = max(acknowledged, ?) WHERE id = ?`),
    }
  }

  /** Records one alarm event of gateway `gatewayId` (of site `siteId`); runs inside the caller's transaction. */
  apply(gatewayId: string, siteId: string, e: AlarmEvent): void {
    const key = [gatewayId, e.device, e.channel, e.kind] as const
    const active = (this.sql.active.get(...key) as { id: number } | undefined)?.id
    const value = e.value === undefined ? null : JSON.stringify(e.value)
    const raise = () => this.sql.raise.run(siteId, gatewayId, e.device, e.channel, e.kind, e.level, e.acknowledged ? 1 : 0,
      e.acknowledged ? (e.by ?? null) : null, e.acknowledged ? e.ts : null, e.ts, value,
      e.threshold ?? null, e.unit ?? null, e.interlock ?? null, e.reason ?? null, e.test === true ? 1 : 0)
    switch (e.state) {
      case 'raised':
        // a raise while a row is still active means its clear was lost: that row ends here
        if (active !== undefined) this.sql.supersede.run(e.ts, active)
        raise()
        break
      case 'escalated':
      case 'de-escalated':
      case 'changed':
        if (active === undefined) raise()
        else this.sql.level.run(e.level, value, e.threshold ?? null, active)
        break
      case 'acknowledged': {
        const id = active ?? (this.sql.last.get(...key) as { id: number } | undefined)?.id
        if (id !== undefined) this.sql.acknowledge.run(e.by ?? null, e.ts, id)
        break
      }
      case 'cleared':
        if (active !== undefined) this.sql.clear.run(e.ts, e.acknowledged ? 1 : 0, active)
        break
    }
  }
}
