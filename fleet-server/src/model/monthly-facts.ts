import type { Alarm, InterlockAction } from './alarm.ts'
import type { Enterprise, SiteType } from './site.ts'
import type { Scope } from './user.ts'

/** What the monthly risk report asks the store (FleetStore.monthlyFacts). */
export interface MonthlyQuery {
  scope: Scope
  enterpriseId: string
  /** [from, to) epoch ms: alarms and interlock actions of the window, hourly roll-ups of it */
  from: number
  to: number
  /** YYYY-MM-DD: devices whose calibration falls due before this day */
  calibrationDueBefore: string
}

export interface MonthlySite {
  id: string
  name: string
  type: SiteType
  jurisdiction: string
}

/** A gateway's hours in the window with at least one sample in a 1-hour roll-up of any of its channels. */
export interface GatewayHours {
  id: string
  siteId: string
  name?: string
  /** the start of the first hour the gateway ever reported a sample in (all time); null: never */
  firstSampleAt: number | null
  /** starts of the hours of [from, to) with a sample, ascending, each a multiple of one hour */
  onlineHours: number[]
}

export interface CalibrationFact {
  siteId: string
  gatewayId: string
  device: string
  profile: string
  location?: string
  system?: string
  /** YYYY-MM-DD */
  calibrationDue: string
}

/**
 * The facts of one enterprise's month, limited to the sites the scope sees. Undefined from the store
 * when the scope sees none of the enterprise (or it does not exist): the route answers 404.
 */
export interface MonthlyFacts {
  enterprise: Enterprise
  /** by id */
  sites: MonthlySite[]
  /** raised in [from, to), by raisedAt */
  alarms: Alarm[]
  /** state tripped or failed, ts in [from, to), by ts */
  interlockActions: InterlockAction[]
  /** by id */
  gateways: GatewayHours[]
  /** calibrationDue before the query's day, by due date */
  calibrations: CalibrationFact[]
}
