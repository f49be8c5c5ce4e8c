import type { Sample } from '../../../protocols/sample.ts'
import type { AlarmTransition } from './evaluator.ts'
import { localDay } from '../../../protocols/calendar/index.ts'

/**
 * A rule judged once per calendar day over two day counters of a device: the share of events in band
 * (GB 20952-2020 appendix E: fuellings with an air-to-liquid ratio in 1.0–1.2). A day below `minRatio`
 * is a warning day; `alarmAfterDays` warning days in a row raise the alarm.
 */
export interface DailyRatioSpec {
  device: string
  /** counter of the day's events in band, e.g. fuellings_in_band_today */
  inBand: string
  /** counter of the day's events, e.g. fuellings_today */
  total: string
  minRatio: number
  /** days with fewer events are not judged (a closed station is not a warning day) */
  minTotal: number
  alarmAfterDays: number
  timeZone: string
  source: string
}

export interface DailyRatioSnapshot {
  day: string | undefined
  inBand: number | undefined
  total: number | undefined
  streak: number
  level: 'warning' | 'alarm' | undefined
  since: number
  acknowledged?: boolean
}

/** The counters of the current day; when the first sample of a new day arrives, the previous day is judged. */
export class DailyRatio {
  private state: DailyRatioSnapshot

  constructor(readonly spec: DailyRatioSpec, snapshot?: DailyRatioSnapshot) {
    this.state = snapshot ? { ...snapshot } : { day: undefined, inBand: undefined, total: undefined, streak: 0, level: undefined, since: 0 }
  }

  channels(): string[] {
    return [this.spec.inBand, this.spec.total]
  }

  snapshot(): DailyRatioSnapshot {
    return { ...this.state }
  }

  /** The alarm raised now, if any. */
  active(): { level: 'warning' | 'alarm'; since: number; acknowledged: boolean } | undefined {
    const { level, since, acknowledged } = this.state
    return level === undefined ? undefined : { level, since, acknowledged: acknowledged === true }
  }

  /** The calendar day the counters belong to. */
  get day(): string | undefined {
    return this.state.day
  }

  acknowledge(ts: number, by: string | undefined): AlarmTransition[] {
    const { level } = this.state
    if (level === undefined || this.state.acknowledged) return []
    this.state.acknowledged = true
    return [{ type: 'alarm', ts, state: 'acknowledged', device: this.spec.device, channel: this.spec.inBand, kind: 'daily', level, ...(by !== undefined && { by }) }]
  }

  onSample(sample: Sample): AlarmTransition[] {
    const day = localDay(sample.ts, this.spec.timeZone)
    const out: AlarmTransition[] = []
    if (this.state.day !== undefined && day > this.state.day) this.closeDay(sample.ts, out)
    if (this.state.day === undefined || day > this.state.day) this.state = { ...this.state, day, inBand: undefined, total: undefined }
    if (day !== this.state.day || sample.quality !== 'good' || typeof sample.value !== 'number') return out
    // the counters only grow during a day: the largest reading is the day's figure
    if (sample.channel === this.spec.inBand) this.state.inBand = Math.max(this.state.inBand ?? 0, sample.value)
    if (sample.channel === this.spec.total) this.state.total = Math.max(this.state.total ?? 0, sample.value)
    return out
  }

  private closeDay(ts: number, out: AlarmTransition[]): void {
    const { inBand, total, day } = this.state
    if (total === undefined || inBand === undefined || total < this.spec.minTotal) return
    const ratio = inBand / total
    const previous = this.state.level
    const base = { type: 'alarm' as const, ts, device: this.spec.device, channel: this.spec.inBand, kind: 'daily' as const, value: Number(ratio.toFixed(4)), threshold: this.spec.minRatio, source: this.spec.source }
    if (ratio >= this.spec.minRatio) {
      this.state.streak = 0
      this.state.level = undefined
      if (previous) out.push({ ...base, state: 'cleared', level: previous, reason: `${day}: ${inBand} of ${total} in band` })
      return
    }
    this.state.streak++
    const level = this.state.streak >= this.spec.alarmAfterDays ? 'alarm' : 'warning'
    this.state.level = level
    const reason = `${day}: ${inBand} of ${total} in band (${(ratio * 100).toFixed(1)} % < ${this.spec.minRatio * 100} %), ${this.state.streak} warning day${this.state.streak === 1 ? '' : 's'} in a row`
    if (previous === undefined) {
      this.state.since = ts
      this.state.acknowledged = false
      out.push({ ...base, state: 'raised', level, reason })
    } else if (previous !== level) {
      this.state.acknowledged = false
      out.push({ ...base, state: 'escalated', level, from: previous, reason })
    }
  }
}
