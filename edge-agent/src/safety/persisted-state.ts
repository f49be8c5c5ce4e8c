import type { CalibrationState } from '../alarms/calibration.ts'
import type { TestNotice } from '../periodic/notices.ts'
import type { DailyRatioSnapshot } from '../alarms/daily-ratio.ts'
import type { ChannelAlarmSnapshot } from '../alarms/evaluator.ts'
import type { InterlockSnapshot } from '../interlocks/state.ts'
import type { NewEvent, SafetyRecord, SafetySection } from '../outbox/index.ts'

/** An interlock-failed alarm: raised by an interlock machine, kept (and acknowledged) by the service. */
export interface FailedInterlockAlarm {
  device: string
  channel: string
  level: string
  interlock: string
  since: number
  acknowledged: boolean
}

/** The last calibration notice given for a device (each is given once). */
export interface CalibrationNotice {
  state: CalibrationState
  dueOn: string
}

/**
 * The safety state that survives an agent restart, one section per kind, each entry by its id. The
 * outbox commits it with the events that change it (safety_records: section, id, JSON value).
 */
export interface PersistedSafetyState {
  /** by "device/channel" */
  alarms: Map<string, ChannelAlarmSnapshot>
  /** by device */
  dailyRatios: Map<string, DailyRatioSnapshot>
  /** by interlock id */
  interlocks: Map<string, InterlockSnapshot>
  /** by "device/channel/interlock" */
  failedInterlockAlarms: Map<string, FailedInterlockAlarm>
  /** by device */
  calibrationNotices: Map<string, CalibrationNotice>
  /** by "device/bump" or "device/interlock/ID" (periodic/notices.ts testNoticeId) */
  testNotices: Map<string, TestNotice>
}

/** The value of an entry of a section. */
export type SectionValue<S extends SafetySection> = PersistedSafetyState[S] extends Map<string, infer V> ? V : never

/** A change to one entry: its new value, or null when it goes. */
export type SafetyStateChange = { [S in SafetySection]: { section: S; id: string; value: SectionValue<S> | null } }[SafetySection]

// the outbox's sections and this shape are the same set of names: a compile error otherwise
type SameSections = [SafetySection] extends [keyof PersistedSafetyState] ? ([keyof PersistedSafetyState] extends [SafetySection] ? true : false) : false
const sameSections: SameSections = true
void sameSections

/** Where events and the state that explains them are committed together (the outbox). */
export interface SafetyStore {
  commitEvents(events: readonly NewEvent[], changes?: Iterable<SafetyStateChange>): number[]
  loadSafetyState(): SafetyRecord[]
}

export function emptySafetyState(): PersistedSafetyState {
  return { alarms: new Map(), dailyRatios: new Map(), interlocks: new Map(), failedInterlockAlarms: new Map(), calibrationNotices: new Map(), testNotices: new Map() }
}

/** The saved state, read from the store: each record into its section (the outbox wrote what commitEvents was given). */
export function loadSafetyState(store: SafetyStore): PersistedSafetyState {
  const state = emptySafetyState()
  for (const { section, id, value } of store.loadSafetyState()) {
    ;(state[section] as Map<string, unknown>).set(id, value)
  }
  return state
}

/** Entries changed since the last commit, by section: their values are read at the commit. */
export class ChangedEntries {
  private readonly changed = new Map<SafetySection, Set<string>>()

  add(section: SafetySection, id: string): void {
    let ids = this.changed.get(section)
    if (!ids) this.changed.set(section, (ids = new Set()))
    ids.add(id)
  }

  get size(): number {
    let n = 0
    for (const ids of this.changed.values()) n += ids.size
    return n
  }

  /** Take every change out, with the value `valueOf` gives it now (the value of an entry of that section). */
  take(valueOf: (section: SafetySection, id: string) => SectionValue<SafetySection> | null): SafetyStateChange[] {
    const changes: SafetyStateChange[] = []
    for (const [section, ids] of this.changed) {
      for (const id of ids) changes.push({ section, id, value: valueOf(section, id) } as SafetyStateChange)
    }
    this.changed.clear()
    return changes
  }
}
