import type { Database, Statement } from 'better-sqlite3'
import { performance } from 'node:perf_hooks'
import { decodeTelemetry, type TelemetryBatch } from '../../../../protocols/mqtt/index.ts'
import {
  Aggregates, countMinutes, dayName, emptyDayBitmap, hasMinute, localDayOfMinute, minuteOf, setMinute, type PackedTelemetry,
} from '../../telemetry/index.ts'
import { BatchedInsert } from './batched-insert.ts'

/**
 * How long committed telemetry's latest values and roll-ups may wait in memory before they are
 * written. Every read of those tables writes them first, so this bounds only the work a restart
 * replays (the raw rows after the watermark), not how fresh the API is.
 */
export const AGGREGATE_FLUSH_MS = 5000

const ROLLUP_COLUMNS = 'channel_id, bucket, count, bad, n, vmin, vmax, sum'
const ROLLUP_MERGE = `ON CONFLICT (channel_id, bucket) DO UPDATE SET count = count + excluded.count, bad = bad + excluded.bad, n = n + excluded.n,
      vmin = min(coalesce(vmin, excluded.vmin), coalesce(excluded.vmin, vmin)),
      vmax = max(coalesce(vmax, excluded.vmax), coalesce(excluded.vmax, vmax)), sum = sum + excluded.sum`
const LATEST_MERGE = `ON CONFLICT (channel_id) DO UPDATE SET ts = excluded.ts, value = excluded.value, quality = excluded.quality WHERE excluded.ts >= latest.ts`
/** day bitmaps kept in memory between flushes, at most */
const BITMAP_CACHE_LIMIT = 200_000

/** A device's minutes with good data of one local day (day number), changed by a flush. */
interface DayBitmap { gatewayId: string; device: string; day: number; bits: Buffer }

/**
 * What telemetry adds to the derived tables — channels, latest values, 1-minute and 1-hour roll-ups,
 * each device's last good sample and its minutes with good data per day (device_minutes) — kept in
 * memory once the raw rows committed, and written by flush() in one transaction with the last raw
 * row it includes (ingest_watermark). At construction it replays the raw rows past the watermark, so
 * a crash loses nothing and counts nothing twice. Channel ids are handed out here and their rows
 * written with the first flush that uses them, so a new channel costs the message no write.
 */
export class AggregateStore {
  private readonly aggregates = new Aggregates()
  /** gateway → `device/channel` (the telemetry dictionary's key) → id */
  private readonly channelIds = new Map<string, Map<string, number>>()
  /** per gateway, its last telemetry dictionary resolved: the next batch mostly has the same one */
  private readonly dictionaries = new Map<string, { ch: readonly string[]; ids: number[]; devices: string[]; unresolved: number }>()
  private nextChannelId = 1
  /** channels handed out and not yet written: id, gateway, device, channel, flat */
  private readonly newChannels: (string | number)[] = []
  /** the last raw row whose aggregates are written (ingest_watermark) */
  private flushedThroughId = 0
  private flushTimer: NodeJS.Timeout | undefined
  private readonly bitmaps = new Map<string, Buffer>()
  /** flushes that wrote something since the store opened, their total time and channels written */
  readonly flushStats = { count: 0, ms: 0, channels: 0 }
  private readonly sql: Record<'channelsOf' | 'maxChannel' | 'deviceGood' | 'watermark' | 'setWatermark' | 'replay' | 'bitmap' | 'saveBitmap' | 'backfillDone' | 'backfillRows' | 'setBackfilled', Statement>
  private readonly channels: BatchedInsert
  private readonly latest: BatchedInsert
  private readonly rollup1m: BatchedInsert
  private readonly rollup1h: BatchedInsert

  /** `busy()` is true while a transaction that may still roll back holds aggregates: no flush then */
  constructor(private readonly db: Database, private readonly busy: () => boolean, private readonly flushMs = AGGREGATE_FLUSH_MS) {
    const p = (sql: string) => db.prepare(sql)
    this.channels = new BatchedInsert(db, 'INSERT INTO channels (id, gateway_id, device, channel)', 4)
    this.latest = new BatchedInsert(db, 'INSERT INTO latest (channel_id, ts, value, quality)', 4, LATEST_MERGE)
    this.rollup1m = new BatchedInsert(db, `INSERT INTO rollup_1m (${ROLLUP_COLUMNS})`, 8, ROLLUP_MERGE)
    this.rollup1h = new BatchedInsert(db, `INSERT INTO rollup_1h (${ROLLUP_COLUMNS})`, 8, ROLLUP_MERGE)
    this.sql = {
      channelsOf: p('SELECT id, device, channel FROM channels WHERE gateway_id = ?'),
      maxChannel: p('SELECT coalesce(max(id), 0) AS id FROM channels'),
      deviceGood: p('UPDATE devices SET last_good_ts = max(coalesce(last_good_ts, 0), ?) WHERE gateway_id = ? AND id = ?'),
      watermark: p('SELECT raw_id FROM ingest_watermark WHERE id = 1'),
      setWatermark: p('INSERT INTO ingest_watermark (id, raw_id) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET raw_id = excluded.raw_id'),
      replay: p('SELECT r.id, r.gateway_id, r.body, h.bytes AS head FROM telemetry_raw r LEFT JOIN telemetry_heads h ON h.id = r.head_id WHERE r.id > ? ORDER BY r.id'),
      bitmap: p('SELECT bits FROM device_minutes WHERE gateway_id = ? AND device = ? AND day = ?'),
      saveBitmap: p(`INSERT INTO device_minutes (gateway_id, device, day, minutes, bits) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (gateway_id, device, day) DO UPDATE SET minutes = excluded.minutes, bits = excluded.bits`),
      backfillDone: p('SELECT done FROM device_minutes_backfill WHERE id = 1'),
      backfillRows: p(`SELECT c.gateway_id, c.device, r.bucket FROM rollup_1m r JOIN channels c ON c.id = r.channel_id WHERE r.count > r.bad`),
      setBackfilled: p('UPDATE device_minutes_backfill SET done = 1 WHERE id = 1'),
    }
    this.backfillDeviceMinutes()
    this.resetChannels()
    this.replay()
  }

  get flushedThrough(): number {
    return this.flushedThroughId
  }

  /** The channel's id, handed out now when it is new (its row is written by the next flush). */
  channelId(gatewayId: string, device: string, channel: string): number {
    return this.idOf(gatewayId, `${device}/${channel}`, device, channel)
  }

  private idOf(gatewayId: string, key: string, device: string, channel: string): number {
    let ids = this.channelIds.get(gatewayId)
    if (!ids) {
      this.channelIds.set(gatewayId, (ids = new Map()))
      for (const row of this.sql.channelsOf.iterate(gatewayId) as Iterable<{ id: number; device: string; channel: string }>) ids.set(`${row.device}/${row.channel}`, row.id)
    }
    let id = ids.get(key)
    if (id === undefined) {
      id = this.nextChannelId++
      ids.set(key, id)
      this.newChannels.push(id, gatewayId, device, channel)
    }
    return id
  }

  /**
   * The channel id and device of each entry of a telemetry dictionary (`device/channel` keys) that
   * `used` marks (0 and '' for the others). A gateway sends the same dictionary batch after batch:
   * then the last answer is reused, entry by entry.
   */
  dictionary(gatewayId: string, ch: readonly string[], used: Uint8Array): { ids: number[]; devices: string[] } {
    let entry = this.dictionaries.get(gatewayId)
    if (!(entry && (entry.ch === ch || (entry.ch.length === ch.length && entry.ch.every((key, i) => key === ch[i]))))) {
      if (this.dictionaries.size > 100_000) this.dictionaries.clear()
      entry = { ch, ids: new Array<number>(ch.length).fill(0), devices: new Array<string>(ch.length).fill(''), unresolved: ch.length }
      this.dictionaries.set(gatewayId, entry)
    }
    const { ids, devices } = entry
    // every entry resolved: the usual case from a gateway's second batch on
    if (entry.unresolved === 0) return entry
    for (let i = 0; i < ch.length; i++) {
      if (used[i] !== 1 || ids[i] !== 0) continue
      const key = ch[i]!
      const slash = key.indexOf('/')
      const device = key.slice(0, slash)
      devices[i] = device
      ids[i] = this.idOf(gatewayId, key, device, key.slice(slash + 1))
      entry.unresolved--
    }
    return entry
  }

  /** A mark to drop the channels handed out after it, should the message that needed them fail. */
  channelMark(): number {
    return this.newChannels.length
  }

  /** Forgets the channels handed out since `mark` (their message was not stored). */
  dropChannelsSince(mark: number): void {
    const c = this.newChannels
    if (c.length <= mark) return
    for (let i = mark; i < c.length; i += 4) this.channelIds.get(c[i + 1] as string)?.delete(`${c[i + 2] as string}/${c[i + 3] as string}`)
    // a cached dictionary may hold the dropped ids
    this.dictionaries.clear()
    this.nextChannelId = c[mark] as number
    c.length = mark
  }

  /** Takes in the kept samples of raw row `rawId` (committed, or in a group that rolls back through forget()). */
  addPacked(gatewayId: string, packed: PackedTelemetry, channelIds: ArrayLike<number>, devices: readonly string[], rawId: number): void {
    this.aggregates.addPacked(gatewayId, packed, channelIds, devices, rawId)
    this.scheduleFlush()
  }

  /** A group of messages rolled back: drop what memory holds beyond the last flush and rebuild it from the raw rows. */
  forget(): void {
    this.aggregates.clear()
    this.aggregates.watermark = this.flushedThroughId
    this.resetChannels()
    this.replay()
  }

  private resetChannels(): void {
    this.channelIds.clear()
    this.dictionaries.clear()
    this.newChannels.length = 0
    this.nextChannelId = (this.sql.maxChannel.get() as { id: number }).id + 1
  }

  /** Rebuilds in memory what the raw rows past the watermark add (written before a crash, not yet flushed) and writes it. */
  private replay(): void {
    this.flushedThroughId = (this.sql.watermark.get() as { raw_id: number } | undefined)?.raw_id ?? 0
    for (const row of this.sql.replay.iterate(this.flushedThroughId) as Iterable<{ id: number; gateway_id: string; body: Buffer; head: Buffer | null }>) {
      const payload = row.head === null ? row.body : Buffer.concat([row.head, row.body])
      const samples = decodeTelemetry(JSON.parse(payload.toString('utf8')) as TelemetryBatch)
      this.aggregates.add(row.gateway_id, samples, samples.map((s) => this.channelId(row.gateway_id, s.device, s.channel)), row.id)
    }
    this.flush()
  }

  /** Writes the aggregates in memory and the watermark in one transaction; on failure they stay in memory for the next try. */
  flush(): void {
    // not amid a group: it may still roll back
    if (this.busy()) return
    if (this.flushTimer) {
      clearTimeout(this.flushTimer)
      this.flushTimer = undefined
    }
    const a = this.aggregates
    if (a.empty && a.watermark <= this.flushedThroughId && this.newChannels.length === 0) return
    let bitmaps: Map<string, DayBitmap> | undefined
    const started = performance.now()
    try {
      this.db.transaction(() => {
        for (let i = 0; i < this.newChannels.length; i += 4) {
          const c = this.newChannels
          this.channels.push4(c[i], c[i + 1], c[i + 2], c[i + 3])
        }
        this.channels.flush()
        // in key order: each page of the tables is then visited once
        a.channels.sort((x, y) => x - y)
        for (const id of a.channels) {
          const latest = a.latest(id)
          this.latest.push4(id, latest.ts, JSON.stringify(latest.value), latest.quality)
          a.minutes.buckets(id, (b) => this.rollup1m.push8(id, b.bucket, b.count, b.bad, b.n, b.n > 0 ? b.min : null, b.n > 0 ? b.max : null, b.sum))
          a.minutes.hours(id, (b) => this.rollup1h.push8(id, b.bucket, b.count, b.bad, b.n, b.n > 0 ? b.min : null, b.n > 0 ? b.max : null, b.sum))
        }
        for (const batch of [this.latest, this.rollup1m, this.rollup1h]) batch.flush()
        for (const [gatewayId, devices] of a.lastGood) {
          for (const [device, good] of devices) {
            this.sql.deviceGood.run(good.ts, gatewayId, device)
            bitmaps = this.markMinutes(gatewayId, device, good.minutes, bitmaps)
          }
        }
        for (const { gatewayId, device, day, bits } of bitmaps?.values() ?? []) this.sql.saveBitmap.run(gatewayId, device, dayName(day), countMinutes(bits), bits)
        this.sql.setWatermark.run(a.watermark)
      })()
    } catch (error) {
      for (const batch of [this.channels, this.latest, this.rollup1m, this.rollup1h]) batch.discard()
      this.scheduleFlush()
      throw error
    }
    if (bitmaps) {
      if (this.bitmaps.size + bitmaps.size > BITMAP_CACHE_LIMIT) this.bitmaps.clear()
      for (const [key, { bits }] of bitmaps) this.bitmaps.set(key, bits)
    }
    this.newChannels.length = 0
    this.flushedThroughId = a.watermark
    this.flushStats.count++
    this.flushStats.ms += performance.now() - started
    this.flushStats.channels += a.channels.length
    a.clear()
  }

  /**
   * Sets the device's minutes in its day bitmaps. The bitmaps of the days that changed are copies,
   * returned in `changed` (written once each by flush()), that join the cache once the transaction commits.
   */
  private markMinutes(gatewayId: string, device: string, minutes: readonly number[], changed: Map<string, DayBitmap> | undefined): Map<string, DayBitmap> | undefined {
    for (const minute of minutes) {
      const { day, minuteOfDay } = localDayOfMinute(minute)
      const key = `${gatewayId}\u0000${device}\u0000${day}`
      const copy = changed?.get(key)
      const current = copy?.bits ?? this.bitmap(key, gatewayId, device, day)
      if (hasMinute(current, minuteOfDay)) continue
      const bits = copy?.bits ?? Buffer.from(current)
      setMinute(bits, minuteOfDay)
      if (!copy) (changed ??= new Map()).set(key, { gatewayId, device, day, bits })
    }
    return changed
  }

  private bitmap(key: string, gatewayId: string, device: string, day: number): Buffer {
    let bits = this.bitmaps.get(key)
    if (!bits) {
      bits = (this.sql.bitmap.get(gatewayId, device, dayName(day)) as { bits: Buffer } | undefined)?.bits ?? emptyDayBitmap()
      this.bitmaps.set(key, bits)
    }
    return bits
  }

  /** Once, for a database that had 1-minute roll-ups before device_minutes existed (schema 6). */
  private backfillDeviceMinutes(): void {
    if ((this.sql.backfillDone.get() as { done: number } | undefined)?.done !== 0) return
    const days = new Map<string, { gatewayId: string; device: string; day: string; bits: Buffer }>()
    for (const row of this.sql.backfillRows.iterate() as Iterable<{ gateway_id: string; device: string; bucket: number }>) {
      const { day, minuteOfDay } = localDayOfMinute(minuteOf(row.bucket))
      const key = `${row.gateway_id}\u0000${row.device}\u0000${day}`
      let entry = days.get(key)
      if (!entry) days.set(key, (entry = { gatewayId: row.gateway_id, device: row.device, day: dayName(day), bits: emptyDayBitmap() }))
      setMinute(entry.bits, minuteOfDay)
    }
    this.db.transaction(() => {
      for (const e of days.values()) this.sql.saveBitmap.run(e.gatewayId, e.device, e.day, countMinutes(e.bits), e.bits)
      this.sql.setBackfilled.run()
    })()
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined
      if (!this.db.open) return
      try {
        this.flush()
      } catch {
        // kept in memory and tried again (scheduled by flush()); the raw rows are committed
      }
    }, this.flushMs)
    this.flushTimer.unref()
  }

  /** Stops the flush timer (the store is closing). */
  stop(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer)
    this.flushTimer = undefined
  }
}
