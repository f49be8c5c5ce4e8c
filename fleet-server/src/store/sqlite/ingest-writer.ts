import type { Database, Statement } from 'better-sqlite3'
import { encodeTelemetry, type AgentEvent, type AlarmEvent, type Inventory, type SeqRange, type SequencedSample, type Status } from '../../../../protocols/mqtt/index.ts'
import { keptSamples, packSamples, scanKept, type PackedTelemetry } from '../../ingest/packed-telemetry.ts'
import type { IngestRejectReason, IngestStats } from '../../ingest/types.ts'
import { AggregateStore } from './aggregate-store.ts'
import { TelemetryHeads } from './telemetry-heads.ts'
import { profileFacts } from './profiles.ts'
import { addDays } from '../../../../protocols/calendar/index.ts'

export { AGGREGATE_FLUSH_MS } from './aggregate-store.ts'

const DEVICE_STATES = new Set(['online', 'offline', 'fault'])
/** 1-minute roll-ups are kept this long (the dashboard's trends); 1-hour roll-ups and device_minutes are kept */
export const DEFAULT_MINUTE_ROLLUP_RETENTION_DAYS = 35

const isPacked = (samples: readonly SequencedSample[] | PackedTelemetry): samples is PackedTelemetry => !Array.isArray(samples)

/** the writer of each open database, so its reader can flush pending aggregates before reading them */
const writers = new WeakMap<Database, IngestWriter>()

/** Writes the latest values and roll-ups still in memory (a no-op when none are pending or no writer is attached). */
export function flushPendingAggregates(db: Database): void {
  writers.get(db)?.flushAggregates()
}

/** How many flushes of the aggregates wrote something since the store opened, their time and channels (zeros without a writer). */
export function aggregateFlushStats(db: Database): { count: number; ms: number; channels: number } {
  const stats = writers.get(db)?.aggregateFlushStats()
  return stats ? { ...stats } : { count: 0, ms: 0, channels: 0 }
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

/** One message's write (IngestWriter.message). */
interface MessageWrite {
  gatewayId: string
  /** records stored and duplicates skipped, for the counters */
  records?: number
  duplicates?: number
  /** the gateway's accepted sequence ranges after it, when it carries sequence numbers */
  ranges?: readonly SeqRange[] | undefined
  now: number
  write: () => void
  /** false for a status: the message must not mark the gateway online */
  online?: boolean
  /** run when the write failed (forget what it handed out in memory) */
  undo?: () => void
  /** write() makes at most one change */
  oneStatement?: boolean
}

/** What the messages of a group change of one gateway, written once when the group ends. */
interface GatewayTail { ranges: string | undefined; seen: number }

/**
 * The ingest's writes, prepared once. Each message is one transaction (a savepoint when the caller
 * already opened one): its raw row — telemetry is one row per message, the samples a blob — the
 * gateway's accepted sequence ranges and the counters; inside a group the ranges, the gateway's
 * last-seen time and the counters are written once per gateway when the group ends, in the same
 * transaction. What telemetry adds to the derived tables is kept in memory by AggregateStore and
 * written by flushAggregates(): every AGGREGATE_FLUSH_MS, before a read of those tables, before
 * pruning, and at construction after replaying the raw rows past the watermark.
 */
export class IngestWriter {
  private readonly stats: IngestStats = { messages: 0, accepted: 0, duplicates: 0, rejected: {} }
  private readonly sql: Record<string, Statement>
  private pruneCursor = 0
  /** a sweep starts with the rows of the former samples table, while there are any */
  private prunePhase: 'legacy' | 'raw'
  private readonly aggregates: AggregateStore
  private readonly heads: TelemetryHeads
  /** inside group(): what the messages change in memory, applied once the group committed */
  private grouped: (() => void)[] | undefined
  /** inside group(): per gateway, what its messages change of it; and the counters */
  private readonly tails = new Map<string, GatewayTail>()
  private readonly tailStats = { messages: 0, accepted: 0, duplicates: 0 }
  /** gateway → site (undefined: not registered), until upsertGateway changes a gateway */
  private readonly sites = new Map<string, string | undefined>()

  private rollupCursor = 0

  constructor(private readonly db: Database, private readonly retentionMs: number, flushMs?: number, private readonly minuteRollupRetentionMs = DEFAULT_MINUTE_ROLLUP_RETENTION_DAYS * 86_400_000) {
    const p = (sql: string) => db.prepare(sql)
    this.sql = {
      gatewaySite: p('SELECT site_id FROM gateways WHERE id = ?'),
      seqRanges: p('SELECT ranges FROM gateway_seq WHERE gateway_id = ?'),
      saveRanges: p('INSERT INTO gateway_seq (gateway_id, ranges) VALUES (?, ?) ON CONFLICT (gateway_id) DO UPDATE SET ranges = excluded.ranges'),
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
      raw: p('INSERT INTO telemetry_raw (gateway_id, first_seq, last_seq, count, min_ts, max_ts, body, head_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      pruneRawWindow: p('SELECT id AS r, max_ts AS ts, count, head_id AS head FROM telemetry_raw WHERE id > ? AND id <= ? ORDER BY id LIMIT ?'),
      pruneRawRow: p('DELETE FROM telemetry_raw WHERE id = ?'),
      // rows of the samples table (schema 1 and 2), no longer written
      anyLegacy: p('SELECT 1 AS one FROM samples LIMIT 1'),
      pruneWindow: p('SELECT rowid AS r, ts, 1 AS count, NULL AS head FROM samples WHERE rowid > ? ORDER BY rowid LIMIT ?'),
      pruneRow: p('DELETE FROM samples WHERE rowid = ?'),
      loadStats: p('SELECT key, count FROM ingest_stats'),
      quarantine: p('INSERT INTO ingest_quarantine (topic, payload, error, attempts, quarantined_at) VALUES (?, ?, ?, ?, ?)'),
      channelWindow: p('SELECT id FROM channels WHERE id > ? ORDER BY id LIMIT ?'),
      pruneMinutes: p('DELETE FROM rollup_1m WHERE channel_id = ? AND bucket < ?'),
    }
    for (const { key, count } of this.sql.loadStats!.all() as { key: string; count: number }[]) {
      if (key.startsWith('reject:')) this.stats.rejected[key.slice(7)] = count
      else if (key === 'messages' || key === 'accepted' || key === 'duplicates') this.stats[key] = count
    }
    this.prunePhase = this.sql.anyLegacy!.get() !== undefined ? 'legacy' : 'raw'
    writers.set(db, this)
    this.aggregates = new AggregateStore(db, () => this.grouped !== undefined, flushMs)
    this.heads = new TelemetryHeads(db)
  }

  aggregateFlushStats(): { count: number; ms: number; channels: number } {
    return this.aggregates.flushStats
  }

  /** Writes the latest values and roll-ups held in memory (not amid a group: it may still roll back). */
  flushAggregates(): void {
    this.aggregates.flush()
  }

  gatewaySite(gatewayId: string): string | undefined {
    if (this.sites.has(gatewayId)) return this.sites.get(gatewayId)
    const site = (this.sql.gatewaySite!.get(gatewayId) as { site_id: string } | undefined)?.site_id
    if (this.sites.size > 100_000) this.sites.clear()
    this.sites.set(gatewayId, site)
    return site
  }

  /** A gateway was added or moved to another site. */
  forgetGatewaySites(): void {
    this.sites.clear()
  }

  seqRanges(gatewayId: string): SeqRange[] {
    const row = this.sql.seqRanges!.get(gatewayId) as { ranges: string } | undefined
    return row ? (JSON.parse(row.ranges) as SeqRange[]) : []
  }

  ingestStats(): IngestStats {
    return { ...this.stats, rejected: { ...this.stats.rejected } }
  }

  quarantine(topic: string, payload: Buffer, error: string, attempts: number, now: number): void {
    this.db.transaction(() => {
      this.sql.quarantine!.run(topic, payload, error.slice(0, 2000), attempts, now)
      this.countReject('store-failed')
    })()
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
    this.grouped = effects
    let result: T
    try {
      result = this.db.transaction(() => {
        const done = work()
        this.writeTails()
        return done
      })()
    } catch (error) {
      this.grouped = undefined
      this.tails.clear()
      this.tailStats.messages = this.tailStats.accepted = this.tailStats.duplicates = 0
      // the aggregates took in messages that are not stored after all: rebuild them from what is
      this.aggregates.forget()
      this.heads.clear()
      throw error
    }
    this.grouped = undefined
    for (const effect of effects) effect()
    return result
  }

  /** The ranges, last-seen times and counters the group's messages left pending (all, or one gateway's). */
  private writeTails(only?: string): void {
    for (const [gatewayId, tail] of this.tails) {
      if (only !== undefined && gatewayId !== only) continue
      if (tail.ranges !== undefined) this.sql.saveRanges!.run(gatewayId, tail.ranges)
      this.sql.seenOnline!.run(tail.seen, gatewayId)
      this.tails.delete(gatewayId)
    }
    if (only !== undefined) return
    const t = this.tailStats
    if (t.messages > 0) this.sql.stat!.run('messages', t.messages)
    if (t.accepted > 0) this.sql.stat!.run('accepted', t.accepted)
    if (t.duplicates > 0) this.sql.stat!.run('duplicates', t.duplicates)
    t.messages = t.accepted = t.duplicates = 0
  }

  private afterCommit(effect: () => void): void {
    if (this.grouped) this.grouped.push(effect)
    else effect()
  }

  /**
   * Runs `m.write` in one transaction with the gateway's ranges, last-seen time and the counters (in a
   * group: a savepoint, and those written once per gateway when the group ends); the in-memory
   * counters follow only a commit.
   */
  private message(m: MessageWrite): void {
    const { gatewayId, records = 0, duplicates = 0, ranges, now, write, online = true } = m
    try {
      if (this.grouped && online) {
        // one statement is atomic by itself: no savepoint needed
        if (m.oneStatement) write()
        else this.db.transaction(write)()
        let tail = this.tails.get(gatewayId)
        if (!tail) this.tails.set(gatewayId, (tail = { ranges: undefined, seen: now }))
        if (ranges) tail.ranges = JSON.stringify(ranges)
        if (now > tail.seen) tail.seen = now
        this.tailStats.messages++
        this.tailStats.accepted += records
        this.tailStats.duplicates += duplicates
      } else {
        // a status may set the gateway offline: what its earlier messages of the group left pending goes first
        if (this.grouped) this.writeTails(gatewayId)
        this.db.transaction(() => {
          write()
          if (ranges) this.sql.saveRanges!.run(gatewayId, JSON.stringify(ranges))
          ;(online ? this.sql.seenOnline! : this.sql.seen!).run(now, gatewayId)
          this.sql.stat!.run('messages', 1)
          if (records > 0) this.sql.stat!.run('accepted', records)
          if (duplicates > 0) this.sql.stat!.run('duplicates', duplicates)
        })()
      }
    } catch (error) {
      m.undo?.()
      throw error
    }
    this.afterCommit(() => {
      this.stats.messages++
      this.stats.accepted += records
      this.stats.duplicates += duplicates
    })
  }

  /**
   * One raw row for the message: `payload` as received when given (every sample in it is new) — the
   * bytes after the gateway's head when it began with it (packed.head) — else the new samples encoded
   * again. Their aggregates are added once the row is written.
   */
  storeTelemetry(gatewayId: string, _siteId: string, samples: readonly SequencedSample[] | PackedTelemetry, ranges: readonly SeqRange[], duplicates: number, now: number, payload?: Uint8Array): void {
    const packed = isPacked(samples) ? samples : packSamples(gatewayId, samples)
    const { batch, keep, count } = packed
    let channelIds: number[] = []
    let devices: string[] = []
    let rawId = 0
    const mark = this.aggregates.channelMark()
    const undo = () => {
      this.aggregates.dropChannelsSince(mark)
      this.heads.forget(gatewayId)
    }
    // one statement but for a new head's row, which the rollback of a failed message may leave: unused, the sweep deletes it
    this.message({ gatewayId, records: count, duplicates, ranges: count > 0 ? ranges : undefined, now, oneStatement: true, undo, write: () => {
      if (count === 0) return
      const { firstSeq, lastSeq, minTs, maxTs, used } = scanKept(packed)
      ;({ ids: channelIds, devices } = this.aggregates.dictionary(gatewayId, batch.ch, used))
      const head = payload !== undefined ? packed.head : undefined
      const headId = head !== undefined ? this.heads.idOf(gatewayId, head) : null
      const body = head !== undefined ? payload!.subarray(head.length) : payload ?? Buffer.from(JSON.stringify(count === keep.length ? batch : encodeTelemetry(gatewayId, keptSamples(packed))))
      rawId = Number(this.sql.raw!.run(gatewayId, firstSeq, lastSeq, count, minTs, maxTs, body, headId).lastInsertRowid)
    } })
    if (count === 0) return
    // at once, also inside a group: should the group's commit fail, the aggregates are rebuilt from the raw rows
    this.aggregates.addPacked(gatewayId, packed, channelIds, devices, rawId)
  }

  storeEvents(gatewayId: string, siteId: string, events: readonly AgentEvent[], ranges: readonly SeqRange[], duplicates: number, now: number): void {
    this.message({ gatewayId, records: events.length, duplicates, ranges: events.length > 0 ? ranges : undefined, now, write: () => {
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
    } })
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
      case 'changed':
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
    this.message({ gatewayId, now: seenAt, online: false, write: () => {
      this.sql.status!.run(status.state, status.agentVersion ?? null, status.configHash ?? null, status.bufferDepth ?? null,
        status.uptimeS ?? null, seenAt, gatewayId)
    } })
  }

  storeInventory(gatewayId: string, siteId: string, inventory: Inventory, now: number): void {
    this.message({ gatewayId, now, write: () => {
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
    } })
  }

  storeCommandResult(gatewayId: string, id: string, result: { ok: boolean; message?: string; at: number }, now: number): void {
    this.message({ gatewayId, now, write: () => {
      this.sql.commandResult!.run(result.ok ? 1 : 0, result.message ?? null, result.at, id, gatewayId)
    } })
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
    if (!legacy && this.pruneCursor === 0) this.heads.sweepStarted()
    const through = this.aggregates.flushedThrough
    const rows = (legacy ? this.sql.pruneWindow!.all(this.pruneCursor, limit) : this.sql.pruneRawWindow!.all(this.pruneCursor, through, limit)) as { r: number; ts: number; count: number; head: number | null }[]
    const remove = legacy ? this.sql.pruneRow! : this.sql.pruneRawRow!
    const swept = rows.length < limit
    let deleted = 0
    this.db.transaction(() => {
      for (const row of rows) {
        if (row.ts < cutoff && remove.run(row.r).changes > 0) deleted += row.count
        else this.heads.keptRowUses(row.head)
      }
      // every raw row up to `through` seen: the heads none of them uses go
      if (swept && !legacy) this.heads.sweepDone(through)
    })()
    this.pruneCursor = swept ? 0 : rows[rows.length - 1]!.r
    if (!swept) return { deleted, done: false }
    if (legacy) {
      this.prunePhase = 'raw'
      return { deleted, done: false }
    }
    this.prunePhase = this.sql.anyLegacy!.get() !== undefined ? 'legacy' : 'raw'
    return { deleted, done: true }
  }

  /** 1-minute roll-ups older than their retention, `channels` channels at a time; `deleted` counts rows. */
  pruneMinuteRollups(now: number, channels = 2000): { deleted: number; done: boolean } {
    this.flushAggregates()
    const cutoff = now - this.minuteRollupRetentionMs
    const ids = this.sql.channelWindow!.all(this.rollupCursor, channels) as { id: number }[]
    let deleted = 0
    this.db.transaction(() => {
      for (const { id } of ids) deleted += this.sql.pruneMinutes!.run(id, cutoff).changes
    })()
    const done = ids.length < channels
    this.rollupCursor = done ? 0 : ids[ids.length - 1]!.id
    return { deleted, done }
  }
}
