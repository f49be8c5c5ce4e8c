import type { Database, Statement } from 'better-sqlite3'
import { decodeTelemetry, encodeTelemetry, type AgentEvent, type AlarmEvent, type Inventory, type SeqRange, type SequencedSample, type Status, type TelemetryBatch } from '../../../../protocols/mqtt/index.ts'
import { Aggregates } from '../../ingest/aggregates.ts'
import { keptSamples, packSamples, scanKept, type PackedTelemetry } from '../../ingest/packed-telemetry.ts'
import type { IngestRejectReason, IngestStats } from '../../ingest/types.ts'
import { BatchedInsert } from './batched-insert.ts'
import { addDays, profileFacts } from './profiles.ts'

const DEVICE_STATES = new Set(['online', 'offline', 'fault'])
/** how long committed telemetry waits in memory before its latest values and roll-ups are written */
export const AGGREGATE_FLUSH_MS = 1000

const ROLLUP_COLUMNS = 'channel_id, bucket, count, bad, n, vmin, vmax, sum'
const ROLLUP_MERGE = `ON CONFLICT (channel_id, bucket) DO UPDATE SET count = count + excluded.count, bad = bad + excluded.bad, n = n + excluded.n,
      vmin = min(coalesce(vmin, excluded.vmin), coalesce(excluded.vmin, vmin)),
      vmax = max(coalesce(vmax, excluded.vmax), coalesce(excluded.vmax, vmax)), sum = sum + excluded.sum`
const LATEST_MERGE = `ON CONFLICT (channel_id) DO UPDATE SET ts = excluded.ts, value = excluded.value, quality = excluded.quality WHERE excluded.ts >= latest.ts`

const isPacked = (samples: readonly SequencedSample[] | PackedTelemetry): samples is PackedTelemetry => !Array.isArray(samples)

/** the writer of each open database, so its reader can flush pending aggregates before reading them */
const writers = new WeakMap<Database, IngestWriter>()

/** Writes the latest values and roll-ups still in memory (a no-op when none are pending or no writer is attached). */
export function flushPendingAggregates(db: Database): void {
  writers.get(db)?.flushAggregates()
}

/** flushPendingAggregates for a sink that is a SqliteStore (a no-op for any other sink). */
export function flushSinkAggregates(sink: unknown): void {
  const db = (sink as { db?: unknown } | null)?.db
  if (typeof db === 'object' && db !== null && (db as Database).open) writers.get(db as Database)?.flushAggregates()
}

/**
 * Group commit for a sink that is a SqliteStore (its `db` has a writer). SqliteStore does not
 * forward IngestWriter.group() (store/sqlite/index.ts is outside this change): looked up here.
 */
export function sqliteGroupCommit(sink: unknown): (<T>(work: () => T) => T) | undefined {
  const db = (sink as { db?: unknown } | null)?.db
  const writer = typeof db === 'object' && db !== null ? writers.get(db as Database) : undefined
  return writer && ((work) => writer.group(work))
}

/**
 * The ingest's writes, prepared once. Each message is one transaction (a savepoint when the caller
 * already opened one): its raw row — telemetry is one row per message, the samples a blob — the
 * gateway's accepted sequence ranges and the counters. What telemetry adds to the derived tables
 * (latest values, roll-ups, last good sample) is kept in memory once the message committed and
 * written by flushAggregates() in one transaction with the last raw row it includes
 * (ingest_watermark): about once a second, before a read of those tables, before pruning, and at
 * construction after replaying the raw rows past the watermark — so a crash loses nothing and
 * counts nothing twice.
 */
export class IngestWriter {
  private readonly channelIds = new Map<string, Map<string, Map<string, number>>>()
  private channelsAdded = 0
  private readonly stats: IngestStats = { messages: 0, accepted: 0, duplicates: 0, rejected: {} }
  private readonly sql: Record<string, Statement>
  private pruneCursor = 0
  /** a sweep starts with the rows of the former samples table, while there are any */
  private prunePhase: 'legacy' | 'raw'
  private readonly aggregates = new Aggregates()
  /** the last raw row whose aggregates are written (ingest_watermark) */
  private flushedThrough = 0
  private flushTimer: NodeJS.Timeout | undefined
  /** inside group(): what the messages change in memory, applied once the group committed */
  private grouped: (() => void)[] | undefined
  private readonly latest: BatchedInsert
  private readonly rollup1m: BatchedInsert
  private readonly rollup1h: BatchedInsert

  constructor(private readonly db: Database, private readonly retentionMs: number, private readonly flushMs = AGGREGATE_FLUSH_MS) {
    const p = (sql: string) => db.prepare(sql)
    this.latest = new BatchedInsert(db, 'INSERT INTO latest (channel_id, ts, value, quality)', 4, LATEST_MERGE)
    this.rollup1m = new BatchedInsert(db, `INSERT INTO rollup_1m (${ROLLUP_COLUMNS})`, 8, ROLLUP_MERGE)
    this.rollup1h = new BatchedInsert(db, `INSERT INTO rollup_1h (${ROLLUP_COLUMNS})`, 8, ROLLUP_MERGE)
    this.sql = {
      gatewaySite: p('SELECT site_id FROM gateways WHERE id = ?'),
      seqRanges: p('SELECT ranges FROM gateway_seq WHERE gateway_id = ?'),
      saveRanges: p('INSERT INTO gateway_seq (gateway_id, ranges) VALUES (?, ?) ON CONFLICT (gateway_id) DO UPDATE SET ranges = excluded.ranges'),
      channelsOf: p('SELECT id, device, channel FROM channels WHERE gateway_id = ?'),
      addChannel: p('INSERT INTO channels (gateway_id, device, channel) VALUES (?, ?, ?)'),
      deviceGood: p('UPDATE devices SET last_good_ts = max(coalesce(last_good_ts, 0), ?) WHERE gateway_id = ? AND id = ?'),
      seen: p('UPDATE gateways SET last_seen = max(coalesce(last_seen, 0), ?) WHERE id = ?'),
      seenOnline: p(`UPDATE gateways SET last_seen = max(coalesce(last_seen, 0), ?), state = 'online' WHERE id = ?`),
      stat: p('INSERT INTO ingest_stats (key, count) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET count = count + excluded.count'),
      event: p('INSERT OR IGNORE INTO events (gateway_id, seq, ts, type, body) VALUES (?, ?, ?, ?, ?)'),
      // the agent reports a device's state as soon as it has polled it, before its first inventory: keep a
      // placeholder row the inventory completes, rather than lose the state
      deviceState: p(`INSERT INTO devices (state, gateway_id, id, site_id, profile) VALUES (?, ?, ?, ?, '')
        ON CONFLICT (gateway_id, id) DO UPDATE SET state = excluded.state`),
      calibration: p(`INSERT INTO devices (calibrated_on, calibration_due, gateway_id, id, site_id, profile) VALUES (?, ?, ?, ?, ?, '')
        ON CONFLICT (gateway_id, id) DO UPDATE SET calibrated_on = excluded.calibrated_on, calibration_due = excluded.calibration_due`),
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
      raw: p('INSERT INTO telemetry_raw (gateway_id, first_seq, last_seq, count, min_ts, max_ts, body) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      watermark: p('SELECT raw_id FROM ingest_watermark WHERE id = 1'),
      setWatermark: p('INSERT INTO ingest_watermark (id, raw_id) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET raw_id = excluded.raw_id'),
      replay: p('SELECT id, gateway_id, body FROM telemetry_raw WHERE id > ? ORDER BY id'),
      pruneRawWindow: p('SELECT id AS r, max_ts AS ts, count FROM telemetry_raw WHERE id > ? AND id <= ? ORDER BY id LIMIT ?'),
      pruneRawRow: p('DELETE FROM telemetry_raw WHERE id = ?'),
      // rows of the samples table (schema 1 and 2), no longer written
      anyLegacy: p('SELECT 1 AS one FROM samples LIMIT 1'),
      pruneWindow: p('SELECT rowid AS r, ts, 1 AS count FROM samples WHERE rowid > ? ORDER BY rowid LIMIT ?'),
      pruneRow: p('DELETE FROM samples WHERE rowid = ?'),
      loadStats: p('SELECT key, count FROM ingest_stats'),
    }
    for (const { key, count } of this.sql.loadStats!.all() as { key: string; count: number }[]) {
      if (key.startsWith('reject:')) this.stats.rejected[key.slice(7)] = count
      else if (key === 'messages' || key === 'accepted' || key === 'duplicates') this.stats[key] = count
    }
    this.prunePhase = this.sql.anyLegacy!.get() !== undefined ? 'legacy' : 'raw'
    writers.set(db, this)
    this.replay()
  }

  /** Rebuilds in memory what the raw rows past the watermark add (written before a crash, not yet flushed) and writes it. */
  private replay(): void {
    this.flushedThrough = (this.sql.watermark!.get() as { raw_id: number } | undefined)?.raw_id ?? 0
    for (const row of this.sql.replay!.iterate(this.flushedThrough) as Iterable<{ id: number; gateway_id: string; body: Buffer }>) {
      const samples = decodeTelemetry(JSON.parse(row.body.toString('utf8')) as TelemetryBatch)
      this.aggregates.add(row.gateway_id, samples, samples.map((s) => this.channelId(row.gateway_id, s.device, s.channel)), row.id)
    }
    this.flushAggregates()
  }

  /** Writes the aggregates in memory and the watermark in one transaction; on failure they stay in memory for the next try. */
  flushAggregates(): void {
    // not amid a group: it may still roll back
    if (this.grouped) return
    if (this.flushTimer) {
      clearTimeout(this.flushTimer)
      this.flushTimer = undefined
    }
    const a = this.aggregates
    if (a.empty && a.watermark <= this.flushedThrough) return
    try {
      this.db.transaction(() => {
        for (const id of a.channels) {
          const latest = a.latest(id)
          this.latest.push4(id, latest.ts, JSON.stringify(latest.value), latest.quality)
          a.minutes.buckets(id, (b) => this.rollup1m.push8(id, b.bucket, b.count, b.bad, b.n, b.n > 0 ? b.min : null, b.n > 0 ? b.max : null, b.sum))
          a.hours.buckets(id, (b) => this.rollup1h.push8(id, b.bucket, b.count, b.bad, b.n, b.n > 0 ? b.min : null, b.n > 0 ? b.max : null, b.sum))
        }
        for (const batch of [this.latest, this.rollup1m, this.rollup1h]) batch.flush()
        for (const [gatewayId, devices] of a.lastGood) for (const [device, ts] of devices) this.sql.deviceGood!.run(ts, gatewayId, device)
        this.sql.setWatermark!.run(a.watermark)
      })()
    } catch (error) {
      for (const batch of [this.latest, this.rollup1m, this.rollup1h]) batch.discard()
      this.scheduleFlush()
      throw error
    }
    this.flushedThrough = a.watermark
    a.clear()
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined
      if (!this.db.open) return
      try {
        this.flushAggregates()
      } catch {
        // kept in memory and tried again (scheduled by flushAggregates); the raw rows are committed
      }
    }, this.flushMs)
    this.flushTimer.unref()
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
    this.afterCommit(() => {
      this.stats.rejected[reason] = (this.stats.rejected[reason] ?? 0) + 1
    })
  }

  /**
   * Runs `work` — several messages' store* calls — in one transaction (group commit): each message
   * is then a savepoint, rolled back alone when it fails. What they change in memory (counters,
   * aggregates) follows only the commit; when the commit fails, nothing of the group is stored.
   */
  group<T>(work: () => T): T {
    if (this.grouped) return work()
    const effects: (() => void)[] = []
    const channelsBefore = this.channelsAdded
    this.grouped = effects
    let result: T
    try {
      result = this.db.transaction(work)()
    } catch (error) {
      this.grouped = undefined
      if (this.channelsAdded !== channelsBefore) this.channelIds.clear()
      // the aggregates took in messages that are not stored after all: rebuild them from what is
      this.aggregates.clear()
      this.aggregates.watermark = this.flushedThrough
      this.replay()
      throw error
    }
    this.grouped = undefined
    for (const effect of effects) effect()
    return result
  }

  private afterCommit(effect: () => void): void {
    if (this.grouped) this.grouped.push(effect)
    else effect()
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
      throw error
    }
    this.afterCommit(() => {
      this.stats.messages++
      this.stats.accepted += records
      this.stats.duplicates += duplicates
    })
  }

  /** channel ids by gateway, device and channel: nested maps, so a lookup allocates no key string */
  /** a gateway's channels are all loaded at its first telemetry: a channel missing then is new, inserted without a look-up */
  private channelsOf(gatewayId: string, device: string): Map<string, number> {
    let devices = this.channelIds.get(gatewayId)
    if (!devices) {
      this.channelIds.set(gatewayId, (devices = new Map()))
      for (const row of this.sql.channelsOf!.iterate(gatewayId) as Iterable<{ id: number; device: string; channel: string }>) {
        let list = devices.get(row.device)
        if (!list) devices.set(row.device, (list = new Map()))
        list.set(row.channel, row.id)
      }
    }
    let channels = devices.get(device)
    if (!channels) devices.set(device, (channels = new Map()))
    return channels
  }

  private channelId(gatewayId: string, device: string, channel: string): number {
    const channels = this.channelsOf(gatewayId, device)
    let id = channels.get(channel)
    if (id === undefined) {
      id = Number(this.sql.addChannel!.run(gatewayId, device, channel).lastInsertRowid)
      channels.set(channel, id)
      this.channelsAdded++
    }
    return id
  }

  /**
   * One raw row for the message: `payload` as received when given (every sample in it is new), else
   * the new samples encoded again. Their aggregates are added once the row is written.
   */
  storeTelemetry(gatewayId: string, _siteId: string, samples: readonly SequencedSample[] | PackedTelemetry, ranges: readonly SeqRange[], duplicates: number, now: number, payload?: Uint8Array): void {
    const packed = isPacked(samples) ? samples : packSamples(gatewayId, samples)
    const { batch, keep, count } = packed
    let channelIds: number[] = []
    let devices: string[] = []
    let rawId = 0
    this.message(gatewayId, count, duplicates, count > 0 ? ranges : undefined, now, () => {
      if (count === 0) return
      const span = scanKept(packed, (device, channel) => this.channelId(gatewayId, device, channel))
      ;({ channelIds, devices } = span)
      const { firstSeq, lastSeq, minTs, maxTs } = span
      const body = payload ?? Buffer.from(JSON.stringify(count === keep.length ? batch : encodeTelemetry(gatewayId, keptSamples(packed))))
      rawId = Number(this.sql.raw!.run(gatewayId, firstSeq, lastSeq, count, minTs, maxTs, body).lastInsertRowid)
    })
    if (count === 0) return
    // at once, also inside a group: should the group's commit fail, the aggregates are rebuilt from the raw rows
    this.aggregates.addPacked(gatewayId, packed, channelIds, devices, rawId)
    this.scheduleFlush()
  }

  storeEvents(gatewayId: string, siteId: string, events: readonly AgentEvent[], ranges: readonly SeqRange[], duplicates: number, now: number): void {
    this.message(gatewayId, events.length, duplicates, events.length > 0 ? ranges : undefined, now, () => {
      for (const event of events) {
        this.sql.event!.run(gatewayId, event.seq, event.ts, event.type, JSON.stringify(event))
        switch (event.type) {
          case 'device-state':
            this.sql.deviceState!.run(DEVICE_STATES.has(event.to) ? event.to : 'unknown', gatewayId, event.device, siteId)
            break
          case 'calibration':
            this.sql.calibration!.run(event.calibratedOn, event.dueOn, gatewayId, event.device, siteId)
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

  /**
   * Deletes raw telemetry older than the retention: messages whose newest sample is past it, only
   * among rows whose aggregates are written; then the rows of the former samples table. `deleted`
   * counts samples.
   */
  pruneSamples(now: number, limit = 5000): { deleted: number; done: boolean } {
    this.flushAggregates()
    const cutoff = now - this.retentionMs
    const legacy = this.prunePhase === 'legacy'
    const rows = (legacy ? this.sql.pruneWindow!.all(this.pruneCursor, limit) : this.sql.pruneRawWindow!.all(this.pruneCursor, this.flushedThrough, limit)) as { r: number; ts: number; count: number }[]
    const remove = legacy ? this.sql.pruneRow! : this.sql.pruneRawRow!
    let deleted = 0
    this.db.transaction(() => {
      for (const row of rows) if (row.ts < cutoff && remove.run(row.r).changes > 0) deleted += row.count
    })()
    const swept = rows.length < limit
    this.pruneCursor = swept ? 0 : rows[rows.length - 1]!.r
    if (!swept) return { deleted, done: false }
    if (legacy) {
      this.prunePhase = 'raw'
      return { deleted, done: false }
    }
    this.prunePhase = this.sql.anyLegacy!.get() !== undefined ? 'legacy' : 'raw'
    return { deleted, done: true }
  }
}
