import type { Database, Statement } from 'better-sqlite3'
import { keyIdOf } from '../../../../protocols/commissioning/index.ts'
import { QUALITIES } from '../../../../protocols/quality.ts'
import type { Alarm, Device, Gateway, InterlockAction, Reading, Scope, Series, SiteDetail, SiteSummary } from '../../model/index.ts'
import { MAX_FUTURE_SKEW_MS } from '../../ingest/time-bounds.ts'
import type { SeriesQuery } from '../types.ts'
import { calibrationState, profileFacts } from './profiles.ts'
import { scopeCondition } from './scope.ts'

/** a device reports when it sent a good sample this recently */
const REPORTING_WINDOW_MS = 5 * 60_000

const SUMMARY = `SELECT s.id, s.name, s.type, s.enterprise_id, e.name AS enterprise_name, s.jurisdiction, s.address, s.licence_no,
  (SELECT json_array(count(*), total(g.state = 'online'), max(g.last_seen)) FROM gateways g WHERE g.site_id = s.id) AS gw,
  (SELECT json_array(count(*), total(d.state = 'online'), total(d.state = 'fault'), total(d.state = 'offline')) FROM devices d WHERE d.site_id = s.id) AS dev,
  (SELECT json_array(count(*), total(a.acknowledged = 0 AND a.test = 0)) FROM alarms a WHERE a.site_id = s.id AND a.state = 'active') AS al
  FROM sites s JOIN enterprises e ON e.id = s.enterprise_id`

interface SummaryRow {
  id: string; name: string; type: SiteSummary['type']; enterprise_id: string; enterprise_name: string; jurisdiction: string
  address: string | null; licence_no: string | null; gw: string; dev: string; al: string
}
interface GatewayRow {
  id: string; site_id: string; name: string | null; state: Gateway['state']; agent_version: string | null; config_hash: string | null
  buffer_depth: number | null; uptime_s: number | null; last_seen: number | null; password_hash: string | null
  signing_key: string | null
}
interface DeviceRow {
  gateway_id: string; id: string; site_id: string; profile: string; profile_version: string | null; bus: string | null; unit: number | null
  location: string | null; system: string | null; vendor: string | null; model: string | null; firmware: string | null
  state: Device['state']; calibrated_on: string | null; calibration_due: string | null; last_good_ts: number | null
}
interface ReadingRow { gateway_id: string; device: string; channel: string; ts: number; value: string; quality: number }
export interface AlarmRow {
  id: number; site_id: string; gateway_id: string; device: string; channel: string; kind: Alarm['kind']; level: string; state: Alarm['state']
  acknowledged: number; acknowledged_by: string | null; acknowledged_at: number | null; raised_at: number; cleared_at: number | null
  value: string | null; threshold: number | null; unit: string | null; interlock: string | null; reason: string | null; test: number
}
export interface InterlockRow {
  gateway_id: string; site_id: string; seq: number; ts: number; interlock: string; state: string; phase: string | null
  cause: string | null; reason: string | null; by: string | null; until: number | null; test: number
}

/** Optional columns: absent from the body when NULL. */
export function present<K extends string, V>(key: K, value: V | null): { [P in K]?: V } {
  return (value === null ? {} : { [key]: value }) as { [P in K]?: V }
}

function summary(r: SummaryRow): SiteSummary {
  const [gwTotal, gwOnline, lastSeen] = JSON.parse(r.gw) as [number, number, number | null]
  const [devTotal, online, fault, offline] = JSON.parse(r.dev) as number[]
  const [active, unacknowledged] = JSON.parse(r.al) as number[]
  return {
    id: r.id, name: r.name, type: r.type, enterpriseId: r.enterprise_id, enterpriseName: r.enterprise_name, jurisdiction: r.jurisdiction,
    ...present('address', r.address), ...present('licenceNo', r.licence_no),
    gateways: { total: gwTotal, online: gwOnline }, devices: { total: devTotal!, online: online!, fault: fault!, offline: offline! },
    activeAlarms: active!, unacknowledgedAlarms: unacknowledged!, lastSeen,
  }
}

function gatewayOf(r: GatewayRow): Gateway {
  return {
    id: r.id, siteId: r.site_id, ...present('name', r.name), state: r.state, agentVersion: r.agent_version, configHash: r.config_hash,
    bufferDepth: r.buffer_depth, uptimeS: r.uptime_s, lastSeen: r.last_seen, enrolled: r.password_hash !== null,
    ...(r.signing_key !== null && { signingKeyId: keyIdOf(r.signing_key) }),
  }
}

export function alarmOf(r: AlarmRow): Alarm {
  return {
    id: r.id, siteId: r.site_id, gatewayId: r.gateway_id, device: r.device, channel: r.channel, kind: r.kind, level: r.level, state: r.state,
    acknowledged: r.acknowledged === 1, ...present('acknowledgedBy', r.acknowledged_by), ...present('acknowledgedAt', r.acknowledged_at),
    raisedAt: r.raised_at, ...present('clearedAt', r.cleared_at), ...(r.value !== null && { value: JSON.parse(r.value) as Alarm['value'] }),
    ...present('threshold', r.threshold), ...present('unit', r.unit), ...present('interlock', r.interlock), ...present('reason', r.reason),
    ...(r.test === 1 && { test: true }),
  }
}

export function interlockOf(r: InterlockRow): InterlockAction {
  return {
    gatewayId: r.gateway_id, siteId: r.site_id, seq: r.seq, ts: r.ts, interlock: r.interlock, state: r.state, ...present('phase', r.phase),
    ...present('cause', r.cause), ...present('reason', r.reason), ...present('by', r.by), ...present('until', r.until),
    ...(r.test === 1 && { test: true }),
  }
}

/** The read side of the store; every query is limited by a Scope and served by an index. */
export class SiteReader {
  private readonly cache = new Map<string, Statement>()

  /** `flushAggregates` writes the latest values and roll-ups the store still holds in memory */
  constructor(private readonly db: Database, private readonly clock: () => number, private readonly flushAggregates: () => void) {}

  private all<T>(sql: string, ...params: unknown[]): T[] {
    let statement = this.cache.get(sql)
    if (!statement) this.cache.set(sql, (statement = this.db.prepare(sql)))
    return statement.all(...params) as T[]
  }

  private scoped<T>(scope: Scope, base: string, where: string, params: unknown[], tail = ''): T[] {
    const condition = scopeCondition(scope)
    return this.all<T>(`${base} WHERE ${condition.sql}${where ? ` AND ${where}` : ''} ${tail}`, ...condition.params, ...params)
  }

  listSites(scope: Scope): SiteSummary[] {
    return this.scoped<SummaryRow>(scope, SUMMARY, '', [], 'ORDER BY s.id').map(summary)
  }

  getSite(scope: Scope, id: string): SiteDetail | undefined {
    const row = this.scoped<SummaryRow>(scope, SUMMARY, 's.id = ?', [id])[0]
    if (!row) return undefined
    const devices = this.devices('d.site_id = ?', [id])
    const since = this.clock() - REPORTING_WINDOW_MS
    const systems = new Map<string, { system: string; devices: number; reporting: number }>()
    for (const { device, lastGood } of devices) {
      if (device.system === undefined) continue
      const entry = systems.get(device.system) ?? { system: device.system, devices: 0, reporting: 0 }
      entry.devices++
      if (lastGood !== null && lastGood >= since) entry.reporting++
      systems.set(device.system, entry)
    }
    return {
      site: summary(row),
      systems: [...systems.values()].sort((a, b) => a.system.localeCompare(b.system)),
      gateways: this.all<GatewayRow>('SELECT * FROM gateways WHERE site_id = ? ORDER BY id', id).map(gatewayOf),
      devices: devices.map((d) => d.device),
      activeAlarms: this.all<AlarmRow>(`SELECT * FROM alarms WHERE site_id = ? AND state = 'active' ORDER BY id DESC`, id).map(alarmOf),
      interlockActions: this.all<InterlockRow>('SELECT * FROM interlock_actions WHERE site_id = ? ORDER BY ts DESC, seq DESC LIMIT 100', id).map(interlockOf),
    }
  }

  listGateways(scope: Scope, filter: { siteId?: string } = {}): Gateway[] {
    const base = 'SELECT g.* FROM gateways g JOIN sites s ON s.id = g.site_id'
    return this.scoped<GatewayRow>(scope, base, filter.siteId === undefined ? '' : 'g.site_id = ?', filter.siteId === undefined ? [] : [filter.siteId], 'ORDER BY g.id').map(gatewayOf)
  }

  listDevices(scope: Scope, filter: { siteId?: string } = {}): Device[] {
    const condition = scopeCondition(scope)
    const where = `d.site_id IN (SELECT s.id FROM sites s WHERE ${condition.sql})${filter.siteId === undefined ? '' : ' AND d.site_id = ?'}`
    return this.devices(where, [...condition.params, ...(filter.siteId === undefined ? [] : [filter.siteId])]).map((d) => d.device)
  }

  private devices(where: string, params: unknown[]): { device: Device; lastGood: number | null }[] {
    // latest values and last good samples are written from memory about once a second: before reading them, now
    this.flushAggregates()
    const rows = this.all<DeviceRow>(`SELECT d.* FROM devices d WHERE ${where} ORDER BY d.gateway_id, d.id`, ...params)
    if (rows.length === 0) return []
    const readings = new Map<string, Reading[]>()
    const now = this.clock()
    // the ingest refuses times past it; rows stored before it did never show as the latest
    const notAfter = now + MAX_FUTURE_SKEW_MS
    const readingRows = this.all<ReadingRow>(`SELECT c.gateway_id, c.device, c.channel, l.ts, l.value, l.quality FROM channels c
      JOIN latest l ON l.channel_id = c.id AND l.ts <= ? WHERE c.gateway_id IN (SELECT DISTINCT d.gateway_id FROM devices d WHERE ${where}) ORDER BY c.id`, notAfter, ...params)
    const facts = new Map(rows.map((r) => [`${r.gateway_id}\u0000${r.id}`, profileFacts(r.profile)]))
    for (const r of readingRows) {
      const key = `${r.gateway_id}\u0000${r.device}`
      if (!facts.has(key)) continue
      const unit = facts.get(key)?.units.get(r.channel)
      const role = facts.get(key)?.roles.get(r.channel)
      const list = readings.get(key) ?? []
      list.push({
        channel: r.channel, value: JSON.parse(r.value) as Reading['value'], quality: QUALITIES[r.quality] ?? 'good', ts: r.ts,
        ...(unit !== undefined && { unit }), ...(role !== undefined && { role }),
      })
      readings.set(key, list)
    }
    return rows.map((r) => ({
      lastGood: r.last_good_ts !== null && r.last_good_ts <= notAfter ? r.last_good_ts : null,
      device: {
        gatewayId: r.gateway_id, id: r.id, siteId: r.site_id, profile: r.profile, ...present('profileVersion', r.profile_version),
        ...present('bus', r.bus), ...present('unit', r.unit), ...present('location', r.location), ...present('system', r.system),
        ...present('vendor', r.vendor), ...present('model', r.model), ...present('firmware', r.firmware), state: r.state,
        ...present('calibratedOn', r.calibrated_on), ...present('calibrationDue', r.calibration_due),
        ...(r.calibration_due !== null && { calibrationState: calibrationState(r.calibration_due, now) }),
        readings: readings.get(`${r.gateway_id}\u0000${r.id}`) ?? [],
      },
    }))
  }

  listAlarms(scope: Scope, filter: { active?: boolean; siteId?: string; limit?: number } = {}): Alarm[] {
    const where: string[] = []
    const params: unknown[] = []
    if (filter.active !== undefined) where.push(filter.active ? `a.state = 'active'` : `a.state = 'cleared'`)
    if (filter.siteId !== undefined) {
      where.push('a.site_id = ?')
      params.push(filter.siteId)
    }
    const base = 'SELECT a.* FROM alarms a JOIN sites s ON s.id = a.site_id'
    return this.scoped<AlarmRow>(scope, base, where.join(' AND '), [...params, filter.limit ?? 1000], 'ORDER BY a.id DESC LIMIT ?').map(alarmOf)
  }

  getAlarm(scope: Scope, id: number): Alarm | undefined {
    const row = this.scoped<AlarmRow>(scope, 'SELECT a.* FROM alarms a JOIN sites s ON s.id = a.site_id', 'a.id = ?', [id])[0]
    return row && alarmOf(row)
  }

  interlockActions(scope: Scope, filter: { siteId?: string; limit?: number } = {}): InterlockAction[] {
    const base = 'SELECT i.* FROM interlock_actions i JOIN sites s ON s.id = i.site_id'
    // latest first: an action the ingest would now refuse as in the future (stored before it did) never heads them
    const where = ['i.ts <= ?', ...(filter.siteId === undefined ? [] : ['i.site_id = ?'])].join(' AND ')
    const params = [this.clock() + MAX_FUTURE_SKEW_MS, ...(filter.siteId === undefined ? [] : [filter.siteId]), filter.limit ?? 100]
    return this.scoped<InterlockRow>(scope, base, where, params, 'ORDER BY i.ts DESC, i.seq DESC LIMIT ?').map(interlockOf)
  }

  series(scope: Scope, q: SeriesQuery): Series | undefined {
    const visible = this.scoped<{ id: string }>(scope, 'SELECT g.id FROM gateways g JOIN sites s ON s.id = g.site_id', 'g.id = ?', [q.gatewayId])
    if (visible.length === 0) return undefined
    this.flushAggregates()
    const table = q.stepMs === 60_000 ? 'rollup_1m' : 'rollup_1h'
    const points = this.all<{ bucket: number; count: number; bad: number; n: number; vmin: number | null; vmax: number | null; sum: number }>(
      `SELECT r.* FROM channels c JOIN ${table} r ON r.channel_id = c.id
       WHERE c.gateway_id = ? AND c.device = ? AND c.channel = ? AND r.bucket >= ? AND r.bucket <= ? ORDER BY r.bucket`,
      q.gatewayId, q.device, q.channel, q.from - (q.from % q.stepMs), q.to)
    return {
      gatewayId: q.gatewayId, device: q.device, channel: q.channel, stepMs: q.stepMs,
      points: points.map((p) => ({ ts: p.bucket, min: p.vmin, max: p.vmax, avg: p.n > 0 ? p.sum / p.n : null, count: p.count, bad: p.bad })),
    }
  }
}
