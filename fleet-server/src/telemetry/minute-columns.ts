export const MINUTE_MS = 60_000
export const HOUR_MS = 3_600_000

/** One roll-up bucket of one channel: all samples, bad ones, and min/max/sum of the `n` good numeric values. */
export interface Bucket { bucket: number; count: number; bad: number; n: number; min: number; max: number; sum: number }

const VALUE_COLUMNS = ['count', 'bad', 'n', 'min', 'max', 'sum'] as const

/** Bucket columns: the start of the minute and its counts and values, one entry per index. */
class Columns {
  bucket = new Float64Array(0)
  count = new Float64Array(0)
  bad = new Float64Array(0)
  n = new Float64Array(0)
  min = new Float64Array(0)
  max = new Float64Array(0)
  sum = new Float64Array(0)

  grow(capacity: number): void {
    for (const key of ['bucket', ...VALUE_COLUMNS] as const) {
      const next = new Float64Array(capacity)
      next.set(this[key])
      this[key] = next
    }
  }

  reset(at: number, bucket: number): void {
    this.bucket[at] = bucket
    this.count[at] = 0
    this.bad[at] = 0
    this.n[at] = 0
    this.min[at] = Infinity
    this.max[at] = -Infinity
    this.sum[at] = 0
  }

  add(at: number, good: boolean, value: number | undefined): void {
    this.count[at] = this.count[at]! + 1
    if (!good) this.bad[at] = this.bad[at]! + 1
    if (value !== undefined) {
      this.n[at] = this.n[at]! + 1
      this.sum[at] = this.sum[at]! + value
      if (value < this.min[at]!) this.min[at] = value
      if (value > this.max[at]!) this.max[at] = value
    }
  }

  /** entry `at` becomes a copy of entry `fromAt` of `from` */
  copy(from: Columns, fromAt: number, at: number): void {
    this.bucket[at] = from.bucket[fromAt]!
    for (const key of VALUE_COLUMNS) this[key][at] = from[key][fromAt]!
  }

  get(at: number): Bucket {
    return { bucket: this.bucket[at]!, count: this.count[at]!, bad: this.bad[at]!, n: this.n[at]!, min: this.min[at]!, max: this.max[at]!, sum: this.sum[at]! }
  }
}

/**
 * The 1-minute buckets of the channels since the last flush, as columns — no object per channel or
 * per bucket, so tens of thousands of channels crossing a minute cost the garbage collector nothing.
 * A channel's current bucket is at its id (ids are small dense integers, the channels table's rowid);
 * its other buckets since the flush (the minutes it left, a gateway's backlog arriving late) in a log
 * of the same columns, chained per channel. Hour buckets are the merge of a channel's minute buckets
 * (hours()), so a sample updates one bucket, not two.
 */
export class MinuteColumns {
  /** each channel's current minute, at its id (a sample of that minute goes straight to current.add) */
  readonly current = new Columns()
  private readonly log = new Columns()
  /** per log entry: 1 + the index of the same channel's next entry, 0 at the end of its chain */
  private next = new Int32Array(0)
  /** per channel: 1 + the index of its first log entry, 0 when it has none */
  private first = new Int32Array(0)
  private logged = 0

  grow(capacity: number): void {
    this.current.grow(capacity)
    const first = new Int32Array(capacity)
    first.set(this.first)
    this.first = first
  }

  /** a channel's first sample since the flush, in minute `bucket` */
  open(id: number, bucket: number): void {
    this.current.reset(id, bucket)
    this.first[id] = 0
  }

  /** a sample in minute `bucket`; `value` undefined when it is bad or not a number */
  add(id: number, bucket: number, good: boolean, value: number | undefined): void {
    if (bucket !== this.current.bucket[id]) {
      // time mostly moves forward: the newer minute becomes the current one, the older one goes to the log
      let at = this.find(id, bucket)
      if (at >= 0 || bucket < this.current.bucket[id]!) {
        if (at < 0) this.log.reset((at = this.append(id)), bucket)
        this.log.add(at, good, value)
        return
      }
      this.log.copy(this.current, id, this.append(id))
      this.current.reset(id, bucket)
    }
    this.current.add(id, good, value)
  }

  /** every minute bucket of a channel */
  buckets(id: number, each: (b: Bucket) => void): void {
    each(this.current.get(id))
    for (let at = this.first[id]! - 1; at >= 0; at = this.next[at]! - 1) each(this.log.get(at))
  }

  /** a channel's minute buckets merged by hour */
  hours(id: number, each: (b: Bucket) => void): void {
    const merged: Bucket[] = []
    this.buckets(id, (b) => {
      const hour = b.bucket - (b.bucket % HOUR_MS)
      const m = merged.find((x) => x.bucket === hour)
      if (!m) merged.push({ ...b, bucket: hour })
      else {
        m.count += b.count
        m.bad += b.bad
        m.n += b.n
        m.sum += b.sum
        if (b.min < m.min) m.min = b.min
        if (b.max > m.max) m.max = b.max
      }
    })
    for (const b of merged) each(b)
  }

  /** Forgets the log (the channels' current buckets are opened again by their next sample). */
  clearLog(): void {
    this.logged = 0
  }

  /** the log entry of a channel's minute `bucket`, -1 when there is none */
  private find(id: number, bucket: number): number {
    for (let at = this.first[id]! - 1; at >= 0; at = this.next[at]! - 1) if (this.log.bucket[at] === bucket) return at
    return -1
  }

  /** a new log entry at the head of the channel's chain (its columns to be set by the caller) */
  private append(id: number): number {
    const at = this.logged++
    if (at >= this.next.length) {
      const capacity = Math.max(1024, 2 * this.next.length)
      this.log.grow(capacity)
      const next = new Int32Array(capacity)
      next.set(this.next)
      this.next = next
    }
    this.next[at] = this.first[id]!
    this.first[id] = at + 1
    return at
  }
}
