import type { Database, Statement } from 'better-sqlite3'
import { encodeTelemetry, type AgentEvent, type Inventory, type SeqRange, type SequencedSample, type Status } from '../../../../protocols/mqtt/index.ts'
import { keptSamples, packSamples, scanKept, type PackedTelemetry } from '../../telemetry/index.ts'
import type { AuditTrail } from '../../audit/chain.ts'
import type { SentCommand } from '../../ingest/attribution.ts'
import type { IngestRejectReason, IngestStats, RunVerdicts, TelemetryWrite } from '../../ingest/types.ts'
import { AggregateStore } from './aggregate-store.ts'
import { CommissioningRunWrites, type CommissioningRunDeps } from './commissioning-run-writes.ts'
import { EventWrites } from './event-writes.ts'
import { InventoryWrites } from './inventory-writes.ts'
import { Retention, type RetentionDays } from './retention.ts'
import { TelemetryHeads } from './telemetry-heads.ts'

export interface IngestWriterOptions {
  /** latest values and roll-ups held in memory are written at least this often (default AGGREGATE_FLUSH_MS) */
  aggregateFlushMs?: number | undefined
  retentionDays?: RetentionDays
  /** where a gateway's first result of a command, and refused commissioning runs, are recorded (the store's audit log) */
  audit?: AuditTrail
  /** appends a commissioning record: the 'tested' ones accepted runs call for (CommissioningRunWrites) */
  addCommissioning?: CommissioningRunDeps['addCommissioning']
}

const isPacked = (samples: readonly SequencedSample[] | PackedTelemetry): samples is PackedTelemetry => !Array.isArray(samples)

interface GatewayFacts { site: string; enrolledAt: number | undefined; signingKey: string | undefined }

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

/** What the messages of a group change of one gateway — its accepted ranges (JSON) and last-seen time —, written once when the group ends. */
interface PendingGatewayWrite { ranges: string | undefined; seen: number }

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
  private readonly sql: Record<'gatewaySite' | 'sentCommands' | 'seqRanges' | 'saveRanges' | 'seen' | 'seenOnline' | 'stat' | 'status'
    | 'commandResult' | 'silent' | 'raw' | 'loadStats' | 'quarantine', Statement>
  private readonly aggregates: AggregateStore
  private readonly heads: TelemetryHeads
  private readonly events: EventWrites
  private readonly runs: CommissioningRunWrites
  private readonly inventories: InventoryWrites
  /** what is past its retention: pruned in batches (the ingest's timer) */
  readonly retention: Retention
  /** inside group(): what the messages change in memory, applied once the group committed */
  private grouped: (() => void)[] | undefined
  /** inside group(): per gateway, what its messages change of it; and the counters */
  private readonly pendingGateways = new Map<string, PendingGatewayWrite>()
  private readonly pendingCounts = { messages: 0, accepted: 0, duplicates: 0 }
  /** gateway → its site, enrolment time and signing key (undefined: not registered), until a gateway is changed (forgetGatewaySites) */
  private readonly gateways = new Map<string, GatewayFacts | undefined>()

  private readonly audit: AuditTrail | undefined

  constructor(private readonly db: Database, options: IngestWriterOptions = {}) {
    this.audit = options.audit
    const p = (sql: string) => db.prepare(sql)
    this.sql = {
      gatewaySite: p('SELECT site_id, enrolled_at, signing_key FROM gateways WHERE id = ?'),
      sentCommands: p(`SELECT name, by, args FROM commands WHERE gateway_id = ? AND sent_at BETWEEN ? AND ?
        AND (by = ? OR (json_valid(args) AND json_extract(args, '$.by') = ?)) ORDER BY sent_at`),
      seqRanges: p('SELECT ranges FROM gateway_seq WHERE gateway_id = ?'),
      saveRanges: p('INSERT INTO gateway_seq (gateway_id, ranges) VALUES (?, ?) ON CONFLICT (gateway_id) DO UPDATE SET ranges = excluded.ranges'),
      seen: p('UPDATE gateways SET last_seen = max(coalesce(last_seen, 0), ?) WHERE id = ?'),
      seenOnline: p(`UPDATE gateways SET last_seen = max(coalesce(last_seen, 0), ?), state = 'online' WHERE id = ?`),
      stat: p('INSERT INTO ingest_stats (key, count) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET count = count + excluded.count'),
      status: p(`UPDATE gateways SET state = ?, agent_version = coalesce(?, agent_version), config_hash = coalesce(?, config_hash),
        buffer_depth = coalesce(?, buffer_depth), uptime_s = coalesce(?, uptime_s), last_seen = max(coalesce(last_seen, 0), ?) WHERE id = ?`),
      // the first result is kept: a repeat (a redelivery, or a gateway answering twice) never rewrites it
      commandResult: p('UPDATE commands SET result_ok = ?, result_message = ?, result_at = ? WHERE id = ? AND gateway_id = ? AND result_at IS NULL'),
      silent: p(`UPDATE gateways SET state = 'offline' WHERE state = 'online' AND coalesce(last_seen, 0) < ? RETURNING id`),
      raw: p('INSERT INTO telemetry_raw (gateway_id, first_seq, last_seq, count, min_ts, max_ts, body, head_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      loadStats: p('SELECT key, count FROM ingest_stats'),
      quarantine: p('INSERT INTO ingest_quarantine (topic, payload, error, attempts, quarantined_at) VALUES (?, ?, ?, ?, ?)'),
    }
    for (const { key, count } of this.sql.loadStats.all() as { key: string; count: number }[]) {
      if (key.startsWith('reject:')) this.stats.rejected[key.slice(7)] = count
      else if (key === 'messages' || key === 'accepted' || key === 'duplicates') this.stats[key] = count
    }
    this.aggregates = new AggregateStore(db, () => this.grouped !== undefined, options.aggregateFlushMs)
    this.heads = new TelemetryHeads(db)
    this.runs = new CommissioningRunWrites(db, {
      audit: this.audit,
      countReject: (reason) => this.countReject(reason),
      addCommissioning: options.addCommissioning ?? (() => { throw new Error('this store keeps no commissioning records') }),
    })
    this.events = new EventWrites(db, this.runs)
    this.inventories = new InventoryWrites(db)
    this.retention = new Retention(db, this.aggregates, this.heads, options.retentionDays)
  }

  /** How many flushes of the aggregates wrote something since the store opened, their time and channels (a copy). */
  aggregateFlushStats(): { count: number; ms: number; channels: number } {
    return { ...this.aggregates.flushStats }
  }

  /** Writes the latest values and roll-ups held in memory (not amid a group: it may still roll back). */
  flushAggregates(): void {
    this.aggregates.flush()
  }

  private gateway(gatewayId: string): GatewayFacts | undefined {
    if (this.gateways.has(gatewayId)) return this.gateways.get(gatewayId)
    const row = this.sql.gatewaySite.get(gatewayId) as { site_id: string; enrolled_at: number | null; signing_key: string | null } | undefined
    const gateway = row && { site: row.site_id, enrolledAt: row.enrolled_at ?? undefined, signingKey: row.signing_key ?? undefined }
    if (this.gateways.size > 100_000) this.gateways.clear()
    this.gateways.set(gatewayId, gateway)
    return gateway
  }

  gatewaySite(gatewayId: string): string | undefined {
    return this.gateway(gatewayId)?.site
  }

  gatewayEnrolledAt(gatewayId: string): number | undefined {
    return this.gateway(gatewayId)?.enrolledAt
  }

  gatewaySigningKey(gatewayId: string): string | undefined {
    return this.gateway(gatewayId)?.signingKey
  }

  /** A gateway was added, moved to another site or enrolled. */
  forgetGatewaySites(): void {
    this.gateways.clear()
  }

  sentCommands(gatewayId: string, by: string, from: number, to: number): SentCommand[] {
    return (this.sql.sentCommands.all(gatewayId, from, to, by, by) as { name: string; by: string; args: string }[])
      .map((r) => ({ name: r.name, by: r.by, args: JSON.parse(r.args) as Record<string, unknown> }))
  }

  seqRanges(gatewayId: string): SeqRange[] {
    const row = this.sql.seqRanges.get(gatewayId) as { ranges: string } | undefined
    return row ? (JSON.parse(row.ranges) as SeqRange[]) : []
  }

  ingestStats(): IngestStats {
    return { ...this.stats, rejected: { ...this.stats.rejected } }
  }

  quarantine(topic: string, payload: Buffer, error: string, attempts: number, now: number): void {
    this.db.transaction(() => {
      this.sql.quarantine.run(topic, payload, error.slice(0, 2000), attempts, now)
      this.countReject('store-failed')
    })()
  }

  countReject(reason: IngestRejectReason, n = 1): void {
    this.sql.stat.run(`reject:${reason}`, n)
    this.afterCommit(() => {
      this.stats.rejected[reason] = (this.stats.rejected[reason] ?? 0) + n
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
        this.writePending()
        return done
      })()
    } catch (error) {
      this.grouped = undefined
      this.pendingGateways.clear()
      this.pendingCounts.messages = this.pendingCounts.accepted = this.pendingCounts.duplicates = 0
      // the aggregates took in messages that are not stored after all: rebuild them from what is
      this.aggregates.forget()
      this.heads.clear()
      throw error
    }
    this.grouped = undefined
    for (const effect of effects) effect()
    return result
  }

  /** What the group's messages left pending: the gateways' ranges and last-seen times (all, or one gateway's), and the counters (with all). */
  private writePending(only?: string): void {
    for (const [gatewayId, pending] of this.pendingGateways) {
      if (only !== undefined && gatewayId !== only) continue
      if (pending.ranges !== undefined) this.sql.saveRanges.run(gatewayId, pending.ranges)
      this.sql.seenOnline.run(pending.seen, gatewayId)
      this.pendingGateways.delete(gatewayId)
    }
    if (only !== undefined) return
    const counts = this.pendingCounts
    if (counts.messages > 0) this.sql.stat.run('messages', counts.messages)
    if (counts.accepted > 0) this.sql.stat.run('accepted', counts.accepted)
    if (counts.duplicates > 0) this.sql.stat.run('duplicates', counts.duplicates)
    counts.messages = counts.accepted = counts.duplicates = 0
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
        let pending = this.pendingGateways.get(gatewayId)
        if (!pending) this.pendingGateways.set(gatewayId, (pending = { ranges: undefined, seen: now }))
        if (ranges) pending.ranges = JSON.stringify(ranges)
        if (now > pending.seen) pending.seen = now
        this.pendingCounts.messages++
        this.pendingCounts.accepted += records
        this.pendingCounts.duplicates += duplicates
      } else {
        // a status may set the gateway offline: what its earlier messages of the group left pending goes first
        if (this.grouped) this.writePending(gatewayId)
        this.db.transaction(() => {
          write()
          if (ranges) this.sql.saveRanges.run(gatewayId, JSON.stringify(ranges))
          ;(online ? this.sql.seenOnline : this.sql.seen).run(now, gatewayId)
          this.sql.stat.run('messages', 1)
          if (records > 0) this.sql.stat.run('accepted', records)
          if (duplicates > 0) this.sql.stat.run('duplicates', duplicates)
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
  storeTelemetry({ gatewayId, samples, ranges, duplicates, now, payload }: TelemetryWrite): void {
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
      rawId = Number(this.sql.raw.run(gatewayId, firstSeq, lastSeq, count, minTs, maxTs, body, headId).lastInsertRowid)
    } })
    if (count === 0) return
    // at once, also inside a group: should the group's commit fail, the aggregates are rebuilt from the raw rows
    this.aggregates.addPacked(gatewayId, packed, channelIds, devices, rawId)
  }

  storeEvents(gatewayId: string, siteId: string, events: readonly AgentEvent[], ranges: readonly SeqRange[], duplicates: number, now: number, verdicts?: RunVerdicts): void {
    const runs = this.runs.classify(gatewayId, events, verdicts)
    let kept = events.length
    let again = duplicates
    for (const run of runs.values()) {
      if (run.kind === 'store') continue
      kept--
      if (run.kind === 'duplicate') again++
    }
    this.message({ gatewayId, records: kept, duplicates: again, ranges: events.length > 0 ? ranges : undefined, now, write: () => this.events.write(gatewayId, siteId, events, runs, now) })
  }

  storeStatus(gatewayId: string, status: Status, retained: boolean, now: number): void {
    // a retained status or a last will was written earlier: it tells when it was sent, not now
    const seenAt = retained || status.state === 'offline' ? Math.min(status.ts, now) : now
    this.message({ gatewayId, now: seenAt, online: false, write: () => {
      this.sql.status.run(status.state, status.agentVersion ?? null, status.configHash ?? null, status.bufferDepth ?? null,
        status.uptimeS ?? null, seenAt, gatewayId)
    } })
  }

  storeInventory(gatewayId: string, siteId: string, inventory: Inventory, now: number): void {
    this.message({ gatewayId, now, write: () => {
      this.inventories.write(gatewayId, siteId, inventory)
      // a run may have arrived before the inventory that tells which system its devices belong to
      this.runs.installByTests(siteId, now)
    } })
  }

  storeCommandResult(gatewayId: string, id: string, result: { ok: boolean; message?: string; at: number }, now: number): void {
    this.message({ gatewayId, now, write: () => {
      const first = this.sql.commandResult.run(result.ok ? 1 : 0, result.message ?? null, result.at, id, gatewayId).changes > 0
      if (first) this.audit?.record({ at: now, actor: `gateway:${gatewayId}`, action: 'command-result', siteId: this.gatewaySite(gatewayId), subject: id, detail: { ok: result.ok, message: result.message ?? null, at: result.at } })
    } })
  }

  markSilentGatewaysOffline(before: number): string[] {
    return (this.sql.silent.all(before) as { id: string }[]).map((r) => r.id)
  }
}
