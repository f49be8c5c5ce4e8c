import { QUALITIES } from '../../../protocols/quality.ts'
import type { SequencedSample } from '../../../protocols/mqtt/index.ts'
import type { PackedTelemetry } from './packed-telemetry.ts'

export const MINUTE_MS = 60_000
export const HOUR_MS = 3_600_000
const QUALITY_INDEX = new Map(QUALITIES.map((q, i) => [q, i]))

/** One roll-up bucket of one channel: all samples, bad ones, and min/max/sum of the `n` good numeric values. */
export interface Bucket { bucket: number; count: number; bad: number; n: number; min: number; max: number; sum: number }

const numeric = (value: unknown): number | undefined =>
  typeof value === 'number' ? (Number.isFinite(value) ? value : undefined) : typeof value === 'boolean' ? Number(value) : undefined

/**
 * The buckets of one resolution, as columns indexed by channel id (ids are small dense integers, the
 * channels table's rowid): a channel's current bucket lives in typed arrays — no object per channel,
 * so tens of thousands of channels cost the garbage collector nothing — and the rare second bucket
 * between two flushes (a minute boundary, a gateway's backlog) in `extra`.
 */
class BucketColumns {
  bucket = new Float64Array(0)
  count = new Float64Array(0)
  bad = new Float64Array(0)
  n = new Float64Array(0)
  min = new Float64Array(0)
  max = new Float64Array(0)
  sum = new Float64Array(0)
  readonly extra = new Map<number, Bucket[]>()

  constructor(private readonly stepMs: number) {}

  grow(capacity: number): void {
    for (const key of ['bucket', 'count', 'bad', 'n', 'min', 'max', 'sum'] as const) {
      const next = new Float64Array(capacity)
      next.set(this[key])
      this[key] = next
    }
  }

  /** a channel's first sample since the flush */
  open(id: number, ts: number): void {
    this.bucket[id] = ts - (ts % this.stepMs)
    this.count[id] = 0
    this.bad[id] = 0
    this.n[id] = 0
    this.min[id] = Infinity
    this.max[id] = -Infinity
    this.sum[id] = 0
  }

  add(id: number, ts: number, good: boolean, value: number | undefined): void {
    const bucket = ts - (ts % this.stepMs)
    if (bucket !== this.bucket[id]) {
      this.addExtra(id, bucket, good, value)
      return
    }
    this.count[id] = this.count[id]! + 1
    if (!good) this.bad[id] = this.bad[id]! + 1
    if (value !== undefined) {
      this.n[id] = this.n[id]! + 1
      this.sum[id] = this.sum[id]! + value
      if (value < this.min[id]!) this.min[id] = value
      if (value > this.max[id]!) this.max[id] = value
    }
  }

  private addExtra(id: number, bucket: number, good: boolean, value: number | undefined): void {
    let list = this.extra.get(id)
    if (!list) this.extra.set(id, (list = []))
    let b = list.find((x) => x.bucket === bucket)
    if (!b) list.push((b = { bucket, count: 0, bad: 0, n: 0, min: Infinity, max: -Infinity, sum: 0 }))
    b.count++
    if (!good) b.bad++
    if (value !== undefined) {
      b.n++
      b.sum += value
      if (value < b.min) b.min = value
      if (value > b.max) b.max = value
    }
  }

  /** every bucket of a channel */
  buckets(id: number, each: (b: Bucket) => void): void {
    each({ bucket: this.bucket[id]!, count: this.count[id]!, bad: this.bad[id]!, n: this.n[id]!, min: this.min[id]!, max: this.max[id]!, sum: this.sum[id]! })
    for (const b of this.extra.get(id) ?? []) each(b)
  }
}

/**
 * What the stored raw telemetry adds to the derived tables (latest value per channel, 1-minute and
 * 1-hour roll-ups, a device's last good sample), accumulated in memory between flushes. Pure: the
 * same raw rows give the same aggregates, which is what lets a restart replay the rows after the
 * watermark. `watermark` is the last raw row added.
 */
export class Aggregates {
  /** channels with samples since the last flush, in order of their first one */
  readonly channels: number[] = []
  private touched = new Uint8Array(0)
  private latestTs = new Float64Array(0)
  private latestQuality = new Uint8Array(0)
  private latestValue: unknown[] = []
  readonly minutes = new BucketColumns(MINUTE_MS)
  readonly hours = new BucketColumns(HOUR_MS)
  /** gateway → device → time of its last good sample */
  readonly lastGood = new Map<string, Map<string, number>>()
  watermark = 0
  samples = 0

  get empty(): boolean {
    return this.channels.length === 0 && this.lastGood.size === 0
  }

  /** the latest sample of a channel */
  latest(id: number): { ts: number; value: unknown; quality: number } {
    return { ts: this.latestTs[id]!, value: this.latestValue[id], quality: this.latestQuality[id]! }
  }

  /** Adds the samples of raw row `rawId`; `channelIds[i]` is the channel of `samples[i]`. */
  add(gatewayId: string, samples: readonly SequencedSample[], channelIds: ArrayLike<number>, rawId: number): void {
    const good = this.goodOf(gatewayId)
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!
      this.sample(good, channelIds[i]!, s.device, s.ts, s.value, s.quality)
    }
    this.samples += samples.length
    if (rawId > this.watermark) this.watermark = rawId
  }

  /** Adds the kept samples of a packed batch (raw row `rawId`); `channelIds` and `devices` by dictionary index. */
  addPacked(gatewayId: string, packed: PackedTelemetry, channelIds: ArrayLike<number>, devices: readonly string[], rawId: number): void {
    const good = this.goodOf(gatewayId)
    const { keep } = packed
    let k = 0
    for (const group of packed.batch.g) {
      const { values, q, ts, ch0 } = group
      for (let i = 0; i < values.length; i++, k++) {
        if (keep[k] !== 1) continue
        this.sample(good, channelIds[ch0 + i]!, devices[ch0 + i]!, ts, values[i], q === undefined ? 'good' : (q[String(i)] ?? 'good'))
      }
    }
    this.samples += packed.count
    if (rawId > this.watermark) this.watermark = rawId
  }

  private goodOf(gatewayId: string): Map<string, number> {
    let good = this.lastGood.get(gatewayId)
    if (!good) this.lastGood.set(gatewayId, (good = new Map()))
    return good
  }

  private lastDevice = ''
  private lastDeviceTs = -Infinity
  private lastGoodMap: Map<string, number> | undefined

  private sample(good: Map<string, number>, channelId: number, device: string, ts: number, value: unknown, qualityName: string): void {
    const isGood = qualityName === 'good'
    const quality = isGood ? 0 : (QUALITY_INDEX.get(qualityName as never) ?? 0)
    if (channelId >= this.touched.length) this.grow(channelId)
    if (this.touched[channelId] === 0) {
      this.touched[channelId] = 1
      this.channels.push(channelId)
      this.latestTs[channelId] = -Infinity
      this.minutes.open(channelId, ts)
      this.hours.open(channelId, ts)
    }
    if (ts >= this.latestTs[channelId]!) {
      this.latestTs[channelId] = ts
      this.latestValue[channelId] = value
      this.latestQuality[channelId] = quality
    }
    const number = isGood ? numeric(value) : undefined
    this.minutes.add(channelId, ts, isGood, number)
    this.hours.add(channelId, ts, isGood, number)
    if (!isGood) return
    // consecutive samples mostly come from one device at one time: skip the map then
    if (good === this.lastGoodMap && device === this.lastDevice && ts <= this.lastDeviceTs) return
    const before = good.get(device)
    if (before === undefined || ts > before) good.set(device, ts)
    this.lastGoodMap = good
    this.lastDevice = device
    this.lastDeviceTs = Math.max(before ?? -Infinity, ts)
  }

  private grow(channelId: number): void {
    const capacity = Math.max(1024, 2 ** Math.ceil(Math.log2(channelId + 1)))
    const touched = new Uint8Array(capacity)
    touched.set(this.touched)
    this.touched = touched
    const latestTs = new Float64Array(capacity)
    latestTs.set(this.latestTs)
    this.latestTs = latestTs
    const latestQuality = new Uint8Array(capacity)
    latestQuality.set(this.latestQuality)
    this.latestQuality = latestQuality
    this.minutes.grow(capacity)
    this.hours.grow(capacity)
  }

  clear(): void {
    this.lastGoodMap = undefined
    for (const id of this.channels) {
      this.touched[id] = 0
      this.latestValue[id] = undefined
    }
    this.channels.length = 0
    this.minutes.extra.clear()
    this.hours.extra.clear()
    this.lastGood.clear()
    this.samples = 0
  }
}
