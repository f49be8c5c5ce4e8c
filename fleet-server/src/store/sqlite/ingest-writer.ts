import type { Database, Statement } from 'better-sqlite3'
import { QUALITIES } from '../../../../protocols/quality.ts'
import type { AgentEvent, AlarmEvent, Inventory, SeqRange, SequencedSample, Status } from '../../../../protocols/mqtt/index.ts'
import type { IngestRejectReason, IngestStats } from '../../ingest/types.ts'
import { BatchedInsert } from './batched-insert.ts'
import { addDays, profileFacts } from './profiles.ts'

const QUALITY_INDEX = new Map(QUALITIES.map((q, i) => [q, i]))
const DEVICE_STATES = new Set(['online', 'offline', 'fault'])
const MINUTE_MS = 60_000
/** precision of a device's last good sample time; the reporting window is 5 minutes */
const GOOD_TS_STEP_MS = 15_000
const HOUR_MS = 3_600_000

interface Aggregate { channelId: number; bucket: number; count: number; bad: number; n: number; min: number | null; max: number | null; sum: number }

const numeric = (value: unknown): number | undefined =>
  typeof value === 'number' ? (Number.isFinite(value) ? value : undefined) : typeof value === 'boolean' ? Number(value) : undefined

const ROLLUP_COLUMNS = 'channel_id, bucket, count, bad, n, vmin, vmax, sum'
const ROLLUP_MERGE = `ON CONFLICT (channel_id, bucket) DO UPDATE SET count = count + excluded.count, bad = bad + excluded.bad, n = n + excluded.n,
      vmin = min(coalesce(vmin, excluded.vmin), coalesce(excluded.vmin, vmin)),
      vmax = max(coalesce(vmax, excluded.vmax), coalesce(excluded.vmax, vmax)), sum = sum + excluded.sum`
const LATEST_MERGE = `ON CONFLICT (channel_id) DO UPDATE SET ts = excluded.ts, value = excluded.value, quality = excluded.quality WHERE excluded.ts >= latest.ts`

/** The ingest's writes: prepared once, one transaction per message. */
export class IngestWriter {
  private readonly channelIds = new Map<string, Map<string, Map<string, number>>>()
  private channelsAdded = 0
  private readonly stats: IngestStats = { messages: 0, accepted: 0, duplicates: 0, rejected: {} }
  private readonly sql: Record<string, Statement>
  private pruneCursor = 0
  /** last_good_ts as last written, per gateway and device: rewritten only when it moved on by GOOD_TS_STEP_MS */
  private readonly goodWritten = new Map<string, Map<string, number>>()
  private readonly samples: BatchedInsert
  private readonly latest: BatchedInsert
  private readonly rollup1m: BatchedInsert
  private readonly rollup1h: BatchedInsert

  constructor(private readonly db: Database, private readonly retentionMs: number) {
    const p = (sql: string) => db.prepare(sql)
    this.samples = new BatchedInsert(db, 'INSERT INTO samples (channel_id, ts, value, quality)', 4, '', 100)
    this.latest = new BatchedInsert(db, 'INSERT INTO latest (channel_id, ts, value, quality)', 4, LATEST_MERGE)
    this.rollup1m = new BatchedInsert(db, `INSERT INTO rollup_1m (${ROLLUP_COLUMNS})`, 8, ROLLUP_MERGE)
    this.rollup1h = new BatchedInsert(db, `INSERT INTO rollup_1h (${ROLLUP_COLUMNS})`, 8, ROLLUP_MERGE)
    this.sql = {
      gatewaySite: p('SELECT site_id FROM gateways WHERE id = ?'),
      seqRanges: p('SELECT ranges FROM gateway_seq WHERE gateway_id = ?'),
      saveRanges: p('INSERT INTO gateway_seq (gateway_id, ranges) VALUES (?, ?) ON CONFLICT (gateway_id) DO UPDATE SET ranges = excluded.ranges'),
      channelId: p('SELECT id FROM channels WHERE gateway_id = ? AND device = ? AND channel = ?'),
      addChannel: p('INSERT INTO channels (gateway_id, device, channel) VALUES (?, ?, ?)'),
      deviceGood: p('UPDATE devices SET last_good_ts = max(coalesce(last_good_ts, 0), ?) WHERE gateway_id = ? AND id = ?'),
      seen: p('UPDATE gateways SET last_seen = max(coalesce(last_seen, 0), ?) WHERE id = ?'),
      seenOnline: p(`UPDATE gateways SET last_seen = max(coalesce(last_seen, 0), ?), state = 'online' WHERE id = ?`),
      stat: p('INSERT INTO ingest_stats (key, count) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET count = count + excluded.count'),
      event: p('INSERT OR IGNORE INTO events (gateway_id, seq, ts, type, body) VALUES (?, ?, ?, ?, ?)'),
      deviceState: p('UPDATE devices SET state = ? WHERE gateway_id = ? AND id = ?'),
      calibration: p('UPDATE devices SET calibrated_on = ?, calibration_due = ? WHERE gateway_id = ? AND id = ?'),
      agentStarted: p('UPDATE gateways SET agent_version = ?, config_hash = ? WHERE id = ?'),
      interlock: p(`INSERT OR IGNORE INTO interlock_actions (gateway_id, seq, site_id, ts, interlock, state, phase, cause, reason, by, until)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      activeAlarm: p(`SELECT id FROM alarms WHERE gateway_id = ? AND device = ? AND channel = ? AND kind = ? AND state = 'active' ORDER BY id DESC LIMIT 1`),
      lastAlarm: p('SELECT id FROM alarms WHERE gateway_id = ? AND device = ? AND channel = ? AND kind = ? ORDER BY id DESC LIMIT 1'),
      raise: p(`INSERT INTO alarms (site_id, gateway_id, device, channel, kind, level, state, acknowledged, acknowledged_by, acknowledged_at,
        raised_at, value, threshold, unit, interlock, reason) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      supersede: p(`UPDATE alarms SET state = 'cleared', cleared_at = ? WHERE id = ?`),
      level: p(`UPDATE alarms SET level = ?, value = coalesce(?, value), threshold = coalesce(?, threshold) WHERE id = ?`),
      ack: p('UPDATE alarms SET acknowledged = 1, acknowledged_by = coalesce(?, acknowledged_by), acknowledged_at = coalesce(acknowledged_at, ?) WHERE id = ?'),
      clear: p(`UPDATE alarms SET state = 'cleared', cleared_at = ?, acknowledged = max(acknowledged, ?) WHERE id = ?`),
      status: p(`UPDATE gateways SET state = ?, agent_version = coalesce(?, agent_version), config_hash = coalesce(?, config_hash),
        buffer_depth = coalesce(?, buffer_depth), uptime_s = coalesce(?, uptime_s), last_seen = max(coalesce(last_seen, 0), ?) WHERE id = ?`),
      device: p(`INSERT INTO devices (gateway_id, id, site_id, profile, profile_version, bus, unit, location, system, vendor, model, firmware, calibrated_on, calibration_due)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (gateway_id, id) DO UPDATE SET site_id = excluded.site_id, profile = excluded.profile,
        profile_version = excluded.profile_version, bus = excluded.bus, unit = excluded.unit, location = excluded.location, system = excluded.system,
        vendor = excluded.vendor, model = excluded.model, firmware = excluded.firmware,
        calibrated_on = coalesce(excluded.calibrated_on, calibrated_on), calibration_due = coalesce(excluded.calibration_due, calibration_due)`),
      devicesOf: p('SELECT id FROM devices WHERE gateway_id = ?'),
      dropDevice: p('DELETE FROM devices WHERE gateway_id = ? AND id = ?'),
      commandResult: p('UPDATE commands SET result_ok = ?, result_message = ?, result_at = ? WHERE id = ? AND gateway_id = ?'),
      silent: p(`UPDATE gateways SET state = 'offline' WHERE state = 'online' AND coalesce(last_seen, 0) < ? RETURNING id`),
      pruneWindow: p('SELECT rowid AS r, ts FROM samples WHERE rowid > ? ORDER BY rowid LIMIT ?'),
      pruneRow: p('DELETE FROM samples WHERE rowid = ?'),
      loadStats: p('SELECT key, count FROM ingest_stats'),
    }
    for (const { key, count } of this.sql.loadStats!.all() as { key: string; count: number }[]) {
      if (key.startsWith('reject:')) this.stats.rejected[key.slice(7)] = count
      else if (key === 'messages' || key === 'accepted' || key === 'duplicates') this.stats[key] = count
    }
  }

  gatewaySite(gatewayId: string): string | undefined {
    return (this.sql.gatewaySite!.get(gatewayId) as { site_id: string } | undefined)?.site_id
  }

  seqRanges(gatewayId: string): SeqRange[] {
    const row = this.sql.seqRanges!.get(gatewayId) as { ranges: string } | undefined
    return row ? (JSON.parse(row.ranges) as SeqRange[]) : []
  }

  ingestStats(): IngestStats {
    return { ...this.stats, rejected: { ...this.stats.rejected } }
  }

  countReject(reason: IngestRejectReason): void {
    this.sql.stat!.run(`reject:${reason}`, 1)
    this.stats.rejected[reason] = (this.stats.rejected[reason] ?? 0) + 1
  }

  /** Runs `write` in one transaction with the counters; the in-memory caches follow only a commit. */
  private message(gatewayId: string, records: number, duplicates: number, ranges: readonly SeqRange[] | undefined, now: number, write: () => void, online = true): void {
    const channelsBefore = this.channelsAdded
    try {
      this.db.transaction(() => {
        write()
        if (ranges) this.sql.saveRanges!.run(gatewayId, JSON.stringify(ranges))
        const seen = online ? this.sql.seenOnline! : this.sql.seen!
        seen.run(now, gatewayId)
        this.sql.stat!.run('messages', 1)
        if (records > 0) this.sql.stat!.run('accepted', records)
        if (duplicates > 0) this.sql.stat!.run('duplicates', duplicates)
      })()
    } catch (error) {
      // channel ids handed out inside the rolled-back transaction do not exist
      if (this.channelsAdded !== channelsBefore) this.channelIds.clear()
      for (const batch of [this.samples, this.latest, this.rollup1m, this.rollup1h]) batch.discard()
      this.goodWritten.delete(gatewayId)
      throw error
    }
    this.stats.messages++
    this.stats.accepted += records
    this.stats.duplicates += duplicates
  }

  /** channel ids by gateway, device and channel: nested maps, so a lookup allocates no key string */
  private channelId(gatewayId: string, device: string, channel: string): number {
    let devices = this.channelIds.get(gatewayId)
    if (!devices) this.channelIds.set(gatewayId, (devices = new Map()))
    let channels = devices.get(device)
    if (!channels) devices.set(device, (channels = new Map()))
    let id = channels.get(channel)
    if (id === undefined) {
      const row = this.sql.channelId!.get(gatewayId, device, channel) as { id: number } | undefined
      id = row ? row.id : Number(this.sql.addChannel!.run(gatewayId, device, channel).lastInsertRowid)
      channels.set(channel, id)
      this.channelsAdded++
    }
    return id
  }

  storeTelemetry(gatewayId: string, _siteId: string, samples: readonly SequencedSample[], ranges: readonly SeqRange[], duplicates: number, now: number): void {
    this.message(gatewayId, samples.length, duplicates, samples.length > 0 ? ranges : undefined, now, () => {
      const latest = new Map<number, SequencedSample>()
      const minutes = new Map<number, Aggregate[]>()
      const hours = new Map<number, Aggregate[]>()
      const goodByDevice = new Map<string, number>()
      for (const s of samples) {
        const channelId = this.channelId(gatewayId, s.device, s.channel)
        const quality = QUALITY_INDEX.get(s.quality) ?? 0
        const value = typeof s.value === 'boolean' ? Number(s.value) : s.value
        this.samples.push(channelId, s.ts, value, quality)
        const previous = latest.get(channelId)
        if (!previous || s.ts >= previous.ts) latest.set(channelId, s)
        const good = s.quality === 'good'
        const number = good ? numeric(s.value) : undefined
        aggregate(minutes, channelId, s.ts - (s.ts % MINUTE_MS), good, number)
        aggregate(hours, channelId, s.ts - (s.ts % HOUR_MS), good, number)
        if (good && s.ts > (goodByDevice.get(s.device) ?? -1)) goodByDevice.set(s.device, s.ts)
      }
      this.samples.flush()
      for (const [channelId, s] of latest) this.latest.push(channelId, s.ts, JSON.stringify(s.value), QUALITY_INDEX.get(s.quality) ?? 0)
      this.latest.flush()
      for (const [rollup, buckets] of [[this.rollup1m, minutes], [this.rollup1h, hours]] as const) {
        for (const list of buckets.values()) for (const a of list) rollup.push(a.channelId, a.bucket, a.count, a.bad, a.n, a.min, a.max, a.sum)
        rollup.flush()
      }
      let written = this.goodWritten.get(gatewayId)
      if (!written) this.goodWritten.set(gatewayId, (written = new Map()))
      for (const [device, ts] of goodByDevice) {
        if (ts - (written.get(device) ?? -Infinity) < GOOD_TS_STEP_MS) continue
        this.sql.deviceGood!.run(ts, gatewayId, device)
        written.set(device, ts)
      }
    })
  }

  storeEvents(gatewayId: string, siteId: string, events: readonly AgentEvent[], ranges: readonly SeqRange[], duplicates: number, now: number): void {
    this.message(gatewayId, events.length, duplicates, events.length > 0 ? ranges : undefined, now, () => {
      for (const event of events) {
        this.sql.event!.run(gatewayId, event.seq, event.ts, event.type, JSON.stringify(event))
        switch (event.type) {
          case 'device-state':
            this.sql.deviceState!.run(DEVICE_STATES.has(event.to) ? event.to : 'unknown', gatewayId, event.device)
            break
          case 'calibration':
            this.sql.calibration!.run(event.calibratedOn, event.dueOn, gatewayId, event.device)
            break
          case 'agent-started':
            this.sql.agentStarted!.run(event.version, event.configHash, gatewayId)
            break
          case 'interlock':
            this.sql.interlock!.run(gatewayId, event.seq, siteId, event.ts, event.interlock, event.state, event.phase ?? null,
              event.cause ?? null, event.reason ?? null, event.by ?? null, event.until ?? null)
            break
          case 'alarm':
            this.alarmTransition(gatewayId, siteId, event)
            break
          default:
            break
        }
      }
    })
  }

  private alarmTransition(gatewayId: string, siteId: string, e: AlarmEvent): void {
    const key = [gatewayId, e.device, e.channel, e.kind] as const
    const active = (this.sql.activeAlarm!.get(...key) as { id: number } | undefined)?.id
    const raise = () => Number(this.sql.raise!.run(siteId, gatewayId, e.device, e.channel, e.kind, e.level, e.acknowledged ? 1 : 0,
      e.acknowledged ? (e.by ?? null) : null, e.acknowledged ? e.ts : null, e.ts, e.value === undefined ? null : JSON.stringify(e.value),
      e.threshold ?? null, e.unit ?? null, e.interlock ?? null, e.reason ?? null).lastInsertRowid)
    const value = e.value === undefined ? null : JSON.stringify(e.value)
    switch (e.state) {
      case 'raised':
        // a raise while a row is still active means its clear was lost: that row ends here
        if (active !== undefined) this.sql.supersede!.run(e.ts, active)
        raise()
        break
      case 'escalated':
      case 'de-escalated':
        if (active === undefined) raise()
        else this.sql.level!.run(e.level, value, e.threshold ?? null, active)
        break
      case 'acknowledged': {
        const id = active ?? (this.sql.lastAlarm!.get(...key) as { id: number } | undefined)?.id
        if (id !== undefined) this.sql.ack!.run(e.by ?? null, e.ts, id)
        break
      }
      case 'cleared':
        if (active !== undefined) this.sql.clear!.run(e.ts, e.acknowledged ? 1 : 0, active)
        break
    }
  }

  storeStatus(gatewayId: string, status: Status, retained: boolean, now: number): void {
    // a retained status or a last will was written earlier: it tells when it was sent, not now
    const seenAt = retained || status.state === 'offline' ? Math.min(status.ts, now) : now
    this.message(gatewayId, 0, 0, undefined, seenAt, () => {
      this.sql.status!.run(status.state, status.agentVersion ?? null, status.configHash ?? null, status.bufferDepth ?? null,
        status.uptimeS ?? null, seenAt, gatewayId)
    }, false)
  }

  storeInventory(gatewayId: string, siteId: string, inventory: Inventory, now: number): void {
    // devices may be new: their last good sample time is written again from the next telemetry
    this.goodWritten.delete(gatewayId)
    this.message(gatewayId, 0, 0, undefined, now, () => {
      const listed = new Set<string>()
      for (const d of inventory.devices) {
        listed.add(d.device)
        const interval = profileFacts(d.profile)?.calibrationIntervalDays
        const due = d.calibratedOn !== undefined && interval !== undefined ? addDays(d.calibratedOn, interval) : null
        const identity = d.identity ?? {}
        const firmware = identity.firmware ?? identity.revision ?? identity.majorMinorRevision ?? null
        this.sql.device!.run(gatewayId, d.device, siteId, d.profile, d.profileVersion, d.bus, d.unit, d.location ?? null, d.system ?? null,
          d.vendor, d.model, firmware, d.calibratedOn ?? null, due)
      }
      // the inventory is the gateway's whole device list (retained): what it no longer names is gone
      for (const { id } of this.sql.devicesOf!.all(gatewayId) as { id: string }[]) if (!listed.has(id)) this.sql.dropDevice!.run(gatewayId, id)
    })
  }

  storeCommandResult(gatewayId: string, id: string, result: { ok: boolean; message?: string; at: number }, now: number): void {
    this.message(gatewayId, 0, 0, undefined, now, () => {
      this.sql.commandResult!.run(result.ok ? 1 : 0, result.message ?? null, result.at, id, gatewayId)
    })
  }

  markSilentGatewaysOffline(before: number): string[] {
    return (this.sql.silent!.all(before) as { id: string }[]).map((r) => r.id)
  }

  pruneSamples(now: number, limit = 5000): { deleted: number; done: boolean } {
    const cutoff = now - this.retentionMs
    const rows = this.sql.pruneWindow!.all(this.pruneCursor, limit) as { r: number; ts: number }[]
    let deleted = 0
    this.db.transaction(() => {
      for (const row of rows) if (row.ts < cutoff) deleted += this.sql.pruneRow!.run(row.r).changes
    })()
    const done = rows.length < limit
    this.pruneCursor = done ? 0 : rows[rows.length - 1]!.r
    return { deleted, done }
  }
}

/** Adds a sample to its channel's bucket; a message spans few buckets, so each channel keeps a short list. */
function aggregate(into: Map<number, Aggregate[]>, channelId: number, bucket: number, good: boolean, value: number | undefined): void {
  let list = into.get(channelId)
  if (!list) into.set(channelId, (list = []))
  let a = list.find((x) => x.bucket === bucket)
  if (!a) list.push((a = { channelId, bucket, count: 0, bad: 0, n: 0, min: null, max: null, sum: 0 }))
  a.count++
  if (!good) a.bad++
  if (value !== undefined) {
    a.n++
    a.sum += value
    a.min = a.min === null || value < a.min ? value : a.min
    a.max = a.max === null || value > a.max ? value : a.max
  }
}
