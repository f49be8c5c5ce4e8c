import { QUALITIES } from '../../../protocols/quality.ts'
import type { SequencedSample } from '../../../protocols/mqtt/index.ts'
import { minuteOf } from './device-minutes.ts'
import { MINUTE_MS, MinuteColumns } from './minute-columns.ts'
import type { PackedTelemetry } from './packed-telemetry.ts'

export { HOUR_MS, MINUTE_MS, type Bucket } from './minute-columns.ts'
const QUALITY_INDEX = new Map(QUALITIES.map((q, i) => [q, i]))

/** A device's good samples since the flush: the time of the last one, and the epoch minutes they fell in. */
export interface DeviceGood { ts: number; minutes: number[]; lastMinute: number }

/** a good sample of the device of `entry` at `ts` */
function markGood(entry: DeviceGood, ts: number): void {
  if (ts > entry.ts) entry.ts = ts
  const minute = minuteOf(ts)
  if (minute !== entry.lastMinute) {
    if (!entry.minutes.includes(minute)) entry.minutes.push(minute)
    entry.lastMinute = minute
  }
}

const numeric = (value: unknown): number | undefined =>
  typeof value === 'number' ? (Number.isFinite(value) ? value : undefined) : typeof value === 'boolean' ? Number(value) : undefined

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
  /** a numeric latest value lives in latestNumber (no heap number kept alive per channel), any other in latestValue */
  private latestNumber = new Float64Array(0)
  private latestIsNumber = new Uint8Array(0)
  private latestValue: unknown[] = []
  readonly minutes = new MinuteColumns()
  /** gateway → device → its last good sample and the minutes it had good samples in */
  readonly lastGood = new Map<string, Map<string, DeviceGood>>()
  watermark = 0
  samples = 0

  get empty(): boolean {
    return this.channels.length === 0 && this.lastGood.size === 0
  }

  /** the latest sample of a channel */
  latest(id: number): { ts: number; value: unknown; quality: number } {
    return { ts: this.latestTs[id]!, value: this.latestIsNumber[id] === 1 ? this.latestNumber[id] : this.latestValue[id], quality: this.latestQuality[id]! }
  }

  /** Adds the samples of raw row `rawId`; `channelIds[i]` is the channel of `samples[i]`. */
  add(gatewayId: string, samples: readonly SequencedSample[], channelIds: ArrayLike<number>, rawId: number): void {
    const good = this.goodOf(gatewayId)
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!
      const isGood = s.quality === 'good'
      this.sample(channelIds[i]!, s.ts, s.ts - (s.ts % MINUTE_MS), s.value, isGood, isGood ? 0 : (QUALITY_INDEX.get(s.quality) ?? 0))
      if (isGood) markGood(this.goodEntry(good, s.device, s.ts), s.ts)
    }
    this.samples += samples.length
    if (rawId > this.watermark) this.watermark = rawId
  }

  /** Adds the kept samples of a packed batch (raw row `rawId`); `channelIds` and `devices` by dictionary index. */
  addPacked(gatewayId: string, packed: PackedTelemetry, channelIds: ArrayLike<number>, devices: readonly string[], rawId: number): void {
    const good = this.goodOf(gatewayId)
    const entries = this.goodEntriesOf(gatewayId, devices)
    const { keep } = packed
    let k = 0
    for (const group of packed.batch.g) {
      // a group is one poll: one time for all its samples
      const { values, q, ts, ch0 } = group
      const bucket = ts - (ts % MINUTE_MS)
      let goodEntry: DeviceGood | undefined
      for (let i = 0; i < values.length; i++, k++) {
        if (keep[k] !== 1) continue
        const value = values[i]
        const id = channelIds[ch0 + i]!
        if (q === undefined && typeof value === 'number') {
          // the common case, kept free of calls that would box the number
          if (id < this.touched.length && this.touched[id] === 1 && this.minutes.current.bucket[id] === bucket && ts >= this.latestTs[id]! && Number.isFinite(value)) {
            this.setLatestNumber(id, ts, value, 0)
            this.minutes.current.add(id, true, value)
          } else {
            this.sample(id, ts, bucket, value, true, 0)
          }
        } else {
          const qualityName = q === undefined ? 'good' : (q[String(i)] ?? 'good')
          const isGood = qualityName === 'good'
          this.sample(id, ts, bucket, value, isGood, isGood ? 0 : (QUALITY_INDEX.get(qualityName as never) ?? 0))
          if (!isGood) continue
        }
        const entry = entries[ch0 + i] ?? (entries[ch0 + i] = this.goodEntry(good, devices[ch0 + i]!, ts))
        if (entry !== goodEntry) {
          markGood(entry, ts)
          goodEntry = entry
        }
      }
    }
    this.samples += packed.count
    if (rawId > this.watermark) this.watermark = rawId
  }

  /** a gateway's DeviceGood entries by index of its dictionary (`devices`), filled as they are met, until clear() */
  private goodEntriesOf(gatewayId: string, devices: readonly string[]): (DeviceGood | undefined)[] {
    let slots = this.goodSlots.get(gatewayId)
    if (slots === undefined || slots.devices !== devices) this.goodSlots.set(gatewayId, (slots = { devices, entries: [] }))
    return slots.entries
  }

  private goodOf(gatewayId: string): Map<string, DeviceGood> {
    let good = this.lastGood.get(gatewayId)
    if (!good) this.lastGood.set(gatewayId, (good = new Map()))
    return good
  }

  private sample(channelId: number, ts: number, bucket: number, value: unknown, isGood: boolean, quality: number): void {
    if (channelId >= this.touched.length) this.grow(channelId)
    if (this.touched[channelId] === 0) {
      this.touched[channelId] = 1
      this.channels.push(channelId)
      this.latestTs[channelId] = -Infinity
      this.minutes.open(channelId, bucket)
    }
    if (ts >= this.latestTs[channelId]!) {
      if (typeof value === 'number') this.setLatestNumber(channelId, ts, value, quality)
      else {
        this.latestTs[channelId] = ts
        this.latestValue[channelId] = value
        this.latestIsNumber[channelId] = 0
        this.latestQuality[channelId] = quality
      }
    }
    this.minutes.add(channelId, bucket, isGood, isGood ? numeric(value) : undefined)
  }

  private setLatestNumber(id: number, ts: number, value: number, quality: number): void {
    this.latestTs[id] = ts
    this.latestNumber[id] = value
    this.latestIsNumber[id] = 1
    this.latestQuality[id] = quality
  }

  /** per gateway, the DeviceGood entries of its dictionary's devices by index (addPacked) */
  private readonly goodSlots = new Map<string, { devices: readonly string[]; entries: (DeviceGood | undefined)[] }>()

  private goodEntry(good: Map<string, DeviceGood>, device: string, ts: number): DeviceGood {
    let entry = good.get(device)
    if (entry === undefined) good.set(device, (entry = { ts, minutes: [], lastMinute: -1 }))
    return entry
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
    const latestNumber = new Float64Array(capacity)
    latestNumber.set(this.latestNumber)
    this.latestNumber = latestNumber
    const latestIsNumber = new Uint8Array(capacity)
    latestIsNumber.set(this.latestIsNumber)
    this.latestIsNumber = latestIsNumber
    this.minutes.grow(capacity)
  }

  clear(): void {
    this.goodSlots.clear()
    for (const id of this.channels) {
      this.touched[id] = 0
      this.latestValue[id] = undefined
    }
    this.channels.length = 0
    this.minutes.clearLog()
    this.lastGood.clear()
    this.samples = 0
  }
}
