import type { AuditTrail } from '../audit/chain.ts'
import type { EnrolmentOutcome, EnrollToken, GatewayEnrolment } from '../model/enrolment.ts'
import type {
  Alarm, CommandRecord, CommissioningRun, CommissioningRunSummary, Device, Enterprise, Gateway, InterlockAction, MonthlyFacts, MonthlyQuery, Scope, Series, SiteDetail, SiteSummary, SiteTests, SiteType, User,
} from '../model/index.ts'

export interface SiteInput {
  id: string
  enterpriseId: string
  name: string
  type: SiteType
  jurisdiction: string
  address?: string
  licenceNo?: string
}

/** A commissioning record to store (POST /api/commissioning). */
export interface CommissioningInput {
  siteId: string
  system: string
  /** YYYY-MM-DD */
  commissionedOn: string
  /** the uploading user's name */
  by: string
  devices?: readonly string[]
  note?: string
  /** default true */
  accepted?: boolean
  createdAt: number
  /** the id of the record this one corrects */
  replaces?: number
  /** default 'entered' (by a user); 'tested': appended by the server when accepted test runs passed every device of the system */
  evidence?: CommissioningEvidence
  /** tested: the runs behind it */
  runIds?: readonly string[]
}

export type CommissioningEvidence = 'entered' | 'tested'

/** A stored commissioning record: append-only; who entered it and when the server recorded it. */
export interface CommissioningRecord {
  id: number
  siteId: string
  system: string
  commissionedOn: string
  by: string
  devices: string[]
  note?: string
  accepted: boolean
  createdAt: number
  replaces?: number
  evidence: CommissioningEvidence
  runIds?: string[]
}

/** A regulator's rejection of a commissioning record, with a reason (append-only). */
export interface RejectionInput {
  recordId: number
  by: string
  reason: string
  createdAt: number
}
export interface CommissioningRejection extends RejectionInput {
  id: number
}

/** A (site, system)'s earliest day (YYYY-MM-DD, Asia/Shanghai) with good data from any of its devices. */
export interface FirstDataDay {
  siteId: string
  system: string
  day: string
}

/** What the compliance report needs of a site. */
export interface ComplianceSite {
  id: string
  name: string
  type: SiteType
  jurisdiction: string
  enterpriseId: string
  enterpriseName: string
  /** unknown when absent */
  inTownNearHomes?: boolean
  /** YYYY-MM-DD: the site's own start date for the plan's rules */
  rulesFrom?: string
}

/** One device's share (0…1) of the minutes of a window in which it reported a good sample. */
export interface DeviceCoverage {
  gatewayId: string
  device: string
  coverage: number
}

/** A (site, system)'s devices at once: how many, and the worst one's share (0…1) of the 7-day window. */
export interface SystemCoverage {
  siteId: string
  system: string
  devices: number
  coverage: number
}

/** One device of a regulatory system: its good minutes per calendar day (YYYY-MM-DD → 0…1,440); days absent had none. */
export interface DeviceDayMinutes {
  gatewayId: string
  device: string
  system: string
  days: Record<string, number>
}

export interface UserRecord extends User {
  passwordHash: string
}

export interface GatewayCredentials {
  gatewayId: string
  siteId: string
  username: string
  passwordHash: string
  /** the gateway's Ed25519 public key (base64 SPKI DER) its commissioning runs are verified with; none: its runs are refused */
  signingKey?: string
}

export interface SeriesQuery {
  gatewayId: string
  device: string
  channel: string
  from: number
  to: number
  stepMs: 60_000 | 3_600_000
}

/**
 * The fleet server's storage (SQLite by default, fleet-server/src/store/sqlite/). The read side, the
 * registry, users, sessions, enrolment and commands; what the MQTT ingest writes is its own interface
 * (fleet-server/src/ingest).
 */
export interface FleetStore {
  /** the append-only, hash-chained log of who did what (fleet-server/src/audit) */
  readonly audit: AuditTrail
  upsertEnterprise(enterprise: Enterprise): void
  upsertSite(site: SiteInput): void
  upsertGateway(gateway: { id: string; siteId: string; name?: string }): void

  listSites(scope: Scope): SiteSummary[]
  getSite(scope: Scope, id: string): SiteDetail | undefined
  listGateways(scope: Scope, filter?: { siteId?: string }): Gateway[]
  /** a gateway's site, whatever the scope: for commands and topic checks */
  gatewaySite(gatewayId: string): string | undefined
  listDevices(scope: Scope, filter?: { siteId?: string }): Device[]
  listAlarms(scope: Scope, filter?: { active?: boolean; siteId?: string; limit?: number }): Alarm[]
  getAlarm(scope: Scope, id: number): Alarm | undefined
  interlockActions(scope: Scope, filter?: { siteId?: string; limit?: number }): InterlockAction[]
  series(scope: Scope, query: SeriesQuery): Series | undefined

  addUser(user: UserRecord): void
  findUser(name: string): UserRecord | undefined
  createSession(tokenHash: string, userName: string, expiresAt: number): void
  findSession(tokenHash: string, now: number): User | undefined
  deleteSession(tokenHash: string): void

  /** `replaces`: the gateway whose credentials the token replaces (`enroll-token --replace`); `shortCodeHash`: the hash of its short code, which enrols as the token does */
  createEnrollToken(tokenHash: string, siteId: string, expiresAt: number, replaces?: string, shortCodeHash?: string): void
  /** the token if it is unused and unexpired, by the hash of the token or of its short code; reading it does not use it up */
  enrollToken(secretHash: string, now: number): EnrollToken | undefined
  /** a gateway's site and whether it has credentials; undefined when the id is unknown */
  gatewayEnrolment(gatewayId: string): GatewayEnrolment | undefined
  /** sets the credentials and uses the token up in one transaction if the token may enrol the gateway (model/enrolment.ts); a refusal writes nothing */
  enrollGateway(tokenHash: string, credentials: GatewayCredentials, now: number): EnrolmentOutcome
  /** forgets the gateway's credentials (it cannot sign in again until enrolled anew); false when the gateway is unknown */
  revokeGatewayCredentials(gatewayId: string): boolean
  /** `listener` learns the id of each gateway whose credentials this process revokes or replaces; returns the unsubscribe */
  onCredentialsRevoked(listener: (gatewayId: string) => void): () => void
  setGatewayCredentials(credentials: GatewayCredentials): void
  gatewayCredentials(username: string): GatewayCredentials | undefined
  /** the gateway's registered Ed25519 public key (base64 SPKI DER); undefined when it has none or is unknown */
  gatewaySigningKey(gatewayId: string): string | undefined

  recordCommand(command: CommandRecord & { args: unknown }): void
  recordCommandResult(gatewayId: string, id: string, result: { ok: boolean; message?: string; at: number }): void
  getCommand(id: string): CommandRecord | undefined

  addCommissioning(record: CommissioningInput): CommissioningRecord
  addCommissioningRejection(rejection: RejectionInput): CommissioningRejection
  commissioningRecord(id: number): CommissioningRecord | undefined
  /** every record of a site (of every site without one), oldest commissioning date first */
  commissioningOf(siteId?: string): CommissioningRecord[]
  /** the rejections of a site's records (of every site's without one), oldest first */
  commissioningRejections(siteId?: string): CommissioningRejection[]
  /** per (site, system) whose devices reported: the earliest day with good data */
  firstDataDays(siteId?: string): FirstDataDay[]
  /** the sites a scope may see, with their compliance facts, by id */
  complianceSites(scope: Scope): ComplianceSite[]
  /** per device of `system` on the site's gateways: coverage of the 7 days ending with `asOf` (Asia/Shanghai), from device_minutes */
  systemCoverage7d(siteId: string, system: string, asOf: string): DeviceCoverage[]
  /** every (site, system) with devices: their count and the worst device's 7-day coverage, in one grouped read */
  systemsCoverage7d(asOf: string): SystemCoverage[]
  /** per device of a regulatory system on the site's gateways: good minutes per day from `fromDay` to `toDay` */
  deviceMinutesByDay(siteId: string, fromDay: string, toDay: string): DeviceDayMinutes[]
  /** issue 17: a site's verified test runs, newest first (default the newest 100); undefined when the site is unknown or outside the scope */
  commissioningRuns(scope: Scope, siteId: string, filter?: { limit?: number }): CommissioningRunSummary[] | undefined
  /** one verified run whole; undefined when unknown or of a site outside the scope */
  commissioningRun(scope: Scope, gatewayId: string, runId: string): CommissioningRun | undefined
  /** issue 17: the recurring tests of the devices of every site in scope (only siteIds when given), by site id, on `today` (YYYY-MM-DD, Asia/Shanghai) */
  periodicTests(scope: Scope, today: string, siteIds?: readonly string[]): SiteTests[]
  /** changes whenever sites, enterprises or commissioning records may have changed (for caching the report) */
  complianceVersion(): string

  close(): void

  /** issue 7: one enterprise's month for the monthly risk report (fleet-server/src/reports); undefined when the scope sees none of it */
  monthlyFacts(query: MonthlyQuery): MonthlyFacts | undefined
}
