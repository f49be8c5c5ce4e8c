/**
 * The reference de-duplicating consumer's memory: which sequence numbers of each gateway were
 * accepted, kept as merged ranges (a steady stream is one range), so each (gateway, seq) is
 * accepted once and the gaps can be reported.
 */
export interface SeqRange {
  first: number
  last: number
}

export class SequenceTracker {
  private readonly ranges = new Map<string, SeqRange[]>()

  /** True the first time (gateway, seq) is seen; false for a duplicate. */
  accept(gateway: string, seq: number): boolean {
    const list = this.listOf(gateway)
    const lo = this.firstEndingFrom(list, seq - 1)
    const at = list[lo]
    if (at && seq >= at.first && seq <= at.last) return false
    if (at && seq === at.last + 1) {
      at.last = seq
      const next = list[lo + 1]
      if (next && next.first === seq + 1) {
        at.last = next.last
        list.splice(lo + 1, 1)
      }
    } else if (at && seq === at.first - 1) {
      at.first = seq
    } else {
      list.splice(lo, 0, { first: seq, last: seq })
    }
    return true
  }

  /**
   * Accepts first..first+count-1 at once when none of them was accepted before (true), the steady
   * stream's case; otherwise changes nothing and returns false (then accept() them one by one).
   */
  acceptRun(gateway: string, first: number, count: number): boolean {
    if (count <= 0) return true
    const last = first + count - 1
    const list = this.listOf(gateway)
    const lo = this.firstEndingFrom(list, first - 1)
    const at = list[lo]
    if (at && at.first <= last && at.last >= first) return false
    if (at && at.last === first - 1) {
      const next = list[lo + 1]
      if (next && next.first <= last) return false
      at.last = last
      if (next && next.first === last + 1) {
        at.last = next.last
        list.splice(lo + 1, 1)
      }
    } else if (at && at.first === last + 1) {
      at.first = first
    } else {
      list.splice(lo, 0, { first, last })
    }
    return true
  }

  has(gateway: string, seq: number): boolean {
    return (this.ranges.get(gateway) ?? []).some((r) => seq >= r.first && seq <= r.last)
  }

  private listOf(gateway: string): SeqRange[] {
    let list = this.ranges.get(gateway)
    if (!list) this.ranges.set(gateway, (list = []))
    return list
  }

  /** the index of the first range whose end is at or after `seq` (list.length when none) */
  private firstEndingFrom(list: readonly SeqRange[], seq: number): number {
    let lo = 0
    let hi = list.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (list[mid]!.last < seq) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Accepted ranges of a gateway, ascending. */
  accepted(gateway: string): readonly SeqRange[] {
    return this.ranges.get(gateway) ?? []
  }

  /** Missing ranges between the lowest and highest accepted sequence number of a gateway. */
  gaps(gateway: string): SeqRange[] {
    const list = this.ranges.get(gateway) ?? []
    const gaps: SeqRange[] = []
    for (let i = 1; i < list.length; i++) gaps.push({ first: list[i - 1]!.last + 1, last: list[i]!.first - 1 })
    return gaps
  }

  gateways(): string[] {
    return [...this.ranges.keys()]
  }
}
