import { loadLibrary } from '../../../../hardware-profiles/loader.ts'
import type { Profile } from '../../../../hardware-profiles/schema.ts'
import { addDays, shanghaiDay } from '../../../../protocols/calendar/index.ts'

/** What the store needs from a hardware profile: the calibration interval and channel units. */
export interface ProfileFacts {
  /** what the device is, e.g. catalytic-methane-sensor */
  kind: string
  calibrationIntervalDays?: number
  /** where the interval comes from */
  calibrationSource?: string
  units: Map<string, string>
  /** channel → role when the profile gives one (identity, config, status, …); measurement otherwise */
  roles: Map<string, string>
}

let library: Map<string, ProfileFacts> | undefined

function facts(profile: Profile): ProfileFacts {
  const units = new Map<string, string>()
  const roles = new Map<string, string>()
  for (const channel of profile.channels) {
    if (channel.unit !== undefined) units.set(channel.id, channel.unit)
    if (channel.role !== undefined) roles.set(channel.id, channel.role)
  }
  return {
    kind: profile.kind, ...(profile.calibration && { calibrationIntervalDays: profile.calibration.intervalDays, calibrationSource: profile.calibration.source }), units, roles,
  }
}

/** The profile library, loaded once; a library that fails to load counts as empty (no interval, no units). */
export function profileFacts(id: string): ProfileFacts | undefined {
  if (!library) {
    library = new Map()
    try {
      for (const profile of loadLibrary()) library.set(profile.id, facts(profile))
    } catch {
      // a broken library must not stop ingest; devices then have no calibration due date
    }
  }
  return library.get(id)
}


const DUE_SOON_DAYS = 2

/** overdue after the due day; due-soon from DUE_SOON_DAYS days before it through the due day itself. */
export function calibrationState(due: string, now: number): 'ok' | 'due-soon' | 'overdue' {
  const today = shanghaiDay(now)
  if (today > due) return 'overdue'
  return today >= addDays(due, -DUE_SOON_DAYS) ? 'due-soon' : 'ok'
}
