import Database from 'better-sqlite3'
import type { CommandRecord, Enterprise, User } from '../../model/index.ts'
import type { FleetStore, GatewayCredentials, SiteInput, UserRecord } from '../types.ts'
import type { IngestSink } from '../../ingest/types.ts'
import { AuditLog, auditSecretsFor, type AuditSecrets } from './audit-log.ts'
import { BackgroundCheckpointer } from './checkpointer.ts'
import { CommissioningRunReader } from './commissioning-run-reads.ts'
import { ComplianceReader } from './compliance.ts'
import { GatewayCredentialRecords } from './gateway-credentials.ts'
import { IngestWriter } from './ingest-writer.ts'
import { migrate } from './migrations.ts'
import { MonthlyReader } from './monthly.ts'
import { PeriodicTestReader } from './periodic-tests.ts'
import { makeDatabaseFilesPrivate } from './private-files.ts'
import { SiteReader } from './reads.ts'
import type { PruneBatch } from './retention.ts'

export { MIGRATIONS, SCHEMA_VERSION, migrate } from './migrations.ts'
export { auditSecretsFor } from './audit-log.ts'
export { AGGREGATE_FLUSH_MS } from './aggregate-store.ts'

export interface SqliteStoreOptions {
  clock?: () => number
  /** raw samples older than this are deleted (default 90) */
  retentionDays?: number
  /** 1-minute roll-ups older than this are deleted (default 35); 1-hour roll-ups and device_minutes are kept */
  minuteRollupRetentionDays?: number
  /** latest values and roll-ups held in memory are written at least this often (default AGGREGATE_FLUSH_MS, 5 s); reads write them first */
  aggregateFlushMs?: number
  /** checkpoint the write-ahead log from a worker thread (the server does; BackgroundCheckpointer) */
  backgroundCheckpoint?: boolean
  /** the audit log's key and head file; default a key of this process only (a database in memory) */
  auditSecrets?: AuditSecrets
}

interface UserRow { name: string; role: User['role']; display_name: string | null; jurisdiction: string | null; enterprise_id: string | null; password_hash: string }
interface CommandRow { id: string; gateway_id: string; name: string; sent_at: number; by: string; result_ok: number | null; result_message: string | null; result_at: number | null }

/** SQLite's page cache of the fleet database, KiB */
const PAGE_CACHE_KIB = 64 * 1024

/** Open (creating and migrating as needed) the fleet database: WAL, synchronous NORMAL, incremental auto-vacuum. */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteStore {
  makeDatabaseFilesPrivate(path)
  const db = new Database(path)
  // auto_vacuum only takes effect before the first table is created
  db.pragma('auto_vacuum = INCREMENTAL')
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  // the pages the roll-up flush and the API read again and again stay in memory (SQLite's default is 2 MiB)
  db.pragma(`cache_size = -${PAGE_CACHE_KIB}`)
  migrate(db)
  const store = new SqliteStore(db, { ...options, auditSecrets: options.auditSecrets ?? auditSecretsFor(path) })
  if (options.backgroundCheckpoint && path !== ':memory:') store.checkpointer = new BackgroundCheckpointer(db)
  return store
}

/** The fleet server's storage: FleetStore for the API, IngestSink for the MQTT ingest. */
export class SqliteStore implements FleetStore, IngestSink {
  readonly clock: () => number
  /** set by openSqliteStore when asked for (backgroundCheckpoint) */
  checkpointer: BackgroundCheckpointer | undefined
  readonly audit: AuditLog
  private readonly reader: SiteReader
  /** the ingest's writes; the readers ask it to flush what it holds in memory before they read derived tables */
  private readonly writer: IngestWriter
  private readonly compliance: ComplianceReader
  private readonly monthly: MonthlyReader
  private readonly credentials: GatewayCredentialRecords
  private readonly runs: CommissioningRunReader
  private readonly periodic: PeriodicTestReader

  constructor(readonly db: Database.Database, options: SqliteStoreOptions = {}) {
    this.clock = options.clock ?? Date.now
    this.audit = new AuditLog(db, options.auditSecrets ?? auditSecretsFor(':memory:'), this.clock)
    this.writer = new IngestWriter(db, {
      audit: this.audit,
      // the compliance reader exists by the time the ingest writes
      addCommissioning: (record) => this.compliance.addCommissioning(record),
      aggregateFlushMs: options.aggregateFlushMs,
      retentionDays: { raw: options.retentionDays, minuteRollups: options.minuteRollupRetentionDays },
    })
    const flushAggregates = () => this.writer.flushAggregates()
    this.reader = new SiteReader(db, this.clock, flushAggregates)
    this.compliance = new ComplianceReader(db, flushAggregates)
    this.monthly = new MonthlyReader(db, flushAggregates)
    this.credentials = new GatewayCredentialRecords(db, (c) => this.setGatewayCredentials(c))
    this.runs = new CommissioningRunReader(db)
    this.periodic = new PeriodicTestReader(db)
  }

  upsertEnterprise(e: Enterprise): void {
    this.db.prepare(`INSERT INTO enterprises (id, name, name_en) VALUES (?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_en = excluded.name_en`).run(e.id, e.name, e.nameEn ?? null)
    this.compliance.changed() // the compliance report shows enterprise names
  }

  /** rulesFrom and inTownNearHomes, when absent, keep what the store has */
  upsertSite(s: SiteInput & { rulesFrom?: string; inTownNearHomes?: boolean }): void {
    this.db.prepare(`INSERT INTO sites (id, enterprise_id, name, type, jurisdiction, address, licence_no, rules_from, in_town_near_homes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET enterprise_id = excluded.enterprise_id, name = excluded.name, type = excluded.type,
      jurisdiction = excluded.jurisdiction, address = excluded.address, licence_no = excluded.licence_no, rules_from = coalesce(excluded.rules_from, rules_from),
      in_town_near_homes = coalesce(excluded.in_town_near_homes, in_town_near_homes)`)
      .run(s.id, s.enterpriseId, s.name, s.type, s.jurisdiction, s.address ?? null, s.licenceNo ?? null, s.rulesFrom ?? null,
        s.inTownNearHomes === undefined ? null : s.inTownNearHomes ? 1 : 0)
    this.compliance.changed() // a site's facts decide its duties: the cached compliance report is stale
  }

  upsertGateway(g: { id: string; siteId: string; name?: string }): void {
    this.db.prepare(`INSERT INTO gateways (id, site_id, name) VALUES (?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET site_id = excluded.site_id, name = coalesce(excluded.name, name)`).run(g.id, g.siteId, g.name ?? null)
    this.writer.forgetGatewaySites()
  }

  listSites: FleetStore['listSites'] = (scope) => this.reader.listSites(scope)
  getSite: FleetStore['getSite'] = (scope, id) => this.reader.getSite(scope, id)
  listGateways: FleetStore['listGateways'] = (scope, filter) => this.reader.listGateways(scope, filter)
  listDevices: FleetStore['listDevices'] = (scope, filter) => this.reader.listDevices(scope, filter)
  listAlarms: FleetStore['listAlarms'] = (scope, filter) => this.reader.listAlarms(scope, filter)
  getAlarm: FleetStore['getAlarm'] = (scope, id) => this.reader.getAlarm(scope, id)
  interlockActions: FleetStore['interlockActions'] = (scope, filter) => this.reader.interlockActions(scope, filter)
  series: FleetStore['series'] = (scope, query) => this.reader.series(scope, query)

  addCommissioning: FleetStore['addCommissioning'] = (record) => this.compliance.addCommissioning(record)
  commissioningOf: FleetStore['commissioningOf'] = (siteId) => this.compliance.commissioningOf(siteId)
  addCommissioningRejection: FleetStore['addCommissioningRejection'] = (rejection) => this.compliance.addCommissioningRejection(rejection)
  commissioningRecord: FleetStore['commissioningRecord'] = (id) => this.compliance.commissioningRecord(id)
  commissioningRejections: FleetStore['commissioningRejections'] = (siteId) => this.compliance.commissioningRejections(siteId)
  firstDataDays: FleetStore['firstDataDays'] = (siteId) => this.compliance.firstDataDays(siteId)
  complianceSites: FleetStore['complianceSites'] = (scope) => this.compliance.complianceSites(scope)
  systemCoverage7d: FleetStore['systemCoverage7d'] = (siteId, system, asOf) => this.compliance.systemCoverage7d(siteId, system, asOf)
  monthlyFacts: FleetStore['monthlyFacts'] = (query) => this.monthly.monthlyFacts(query)
  systemsCoverage7d: FleetStore['systemsCoverage7d'] = (asOf) => this.compliance.systemsCoverage7d(asOf)
  deviceMinutesByDay: FleetStore['deviceMinutesByDay'] = (siteId, fromDay, toDay) => this.compliance.deviceMinutesByDay(siteId, fromDay, toDay)
  complianceVersion: FleetStore['complianceVersion'] = () => this.compliance.complianceVersion()
  commissioningRuns: FleetStore['commissioningRuns'] = (scope, siteId, filter) => this.runs.siteRuns(scope, siteId, filter?.limit)
  commissioningRun: FleetStore['commissioningRun'] = (scope, gatewayId, runId) => this.runs.run(scope, gatewayId, runId)
  periodicTests: FleetStore['periodicTests'] = (scope, today, siteIds) => this.periodic.sitesTests(scope, today, siteIds)

  gatewaySite(gatewayId: string): string | undefined {
    return this.writer.gatewaySite(gatewayId)
  }

  addUser(user: UserRecord): void {
    this.db.transaction(() => {
      this.db.prepare(`INSERT INTO users (name, role, display_name, jurisdiction, enterprise_id, password_hash) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET role = excluded.role, display_name = excluded.display_name, jurisdiction = excluded.jurisdiction,
        enterprise_id = excluded.enterprise_id, password_hash = excluded.password_hash`)
        .run(user.name, user.role, user.displayName ?? null, user.jurisdiction ?? null, user.enterpriseId ?? null, user.passwordHash)
      this.db.prepare('DELETE FROM user_sites WHERE user_name = ?').run(user.name)
      const add = this.db.prepare('INSERT INTO user_sites (user_name, site_id) VALUES (?, ?)')
      for (const site of user.siteIds ?? []) add.run(user.name, site)
    })()
  }

  findUser(name: string): UserRecord | undefined {
    const row = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as UserRow | undefined
    if (!row) return undefined
    const sites = (this.db.prepare('SELECT site_id FROM user_sites WHERE user_name = ? ORDER BY site_id').all(name) as { site_id: string }[]).map((r) => r.site_id)
    return {
      name: row.name, role: row.role, passwordHash: row.password_hash,
      ...(row.display_name !== null && { displayName: row.display_name }), ...(row.jurisdiction !== null && { jurisdiction: row.jurisdiction }),
      ...(row.enterprise_id !== null && { enterpriseId: row.enterprise_id }), ...(row.role === 'installer' && { siteIds: sites }),
    }
  }

  createSession(tokenHash: string, userName: string, expiresAt: number): void {
    this.db.prepare('INSERT INTO sessions (token_hash, user_name, expires_at) VALUES (?, ?, ?)').run(tokenHash, userName, expiresAt)
  }

  findSession(tokenHash: string, now: number): User | undefined {
    const row = this.db.prepare('SELECT user_name FROM sessions WHERE token_hash = ? AND expires_at > ?').get(tokenHash, now) as { user_name: string } | undefined
    if (!row) return undefined
    const user = this.findUser(row.user_name)
    if (!user) return undefined
    const { passwordHash: _hidden, ...rest } = user
    return rest
  }

  deleteSession(tokenHash: string): void {
    this.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(tokenHash)
  }

  createEnrollToken: FleetStore['createEnrollToken'] = (...args) => this.credentials.createEnrollToken(...args)
  enrollToken: FleetStore['enrollToken'] = (tokenHash, now) => this.credentials.enrollToken(tokenHash, now)
  gatewayEnrolment: FleetStore['gatewayEnrolment'] = (gatewayId) => this.credentials.gatewayEnrolment(gatewayId)
  enrollGateway: FleetStore['enrollGateway'] = (...args) => this.credentials.enrollGateway(...args)
  revokeGatewayCredentials: FleetStore['revokeGatewayCredentials'] = (gatewayId) => this.credentials.revokeGatewayCredentials(gatewayId)
  onCredentialsRevoked: FleetStore['onCredentialsRevoked'] = (listener) => this.credentials.onCredentialsRevoked(listener)

  setGatewayCredentials(c: GatewayCredentials): void {
    this.db.transaction(() => {
      this.upsertGateway({ id: c.gatewayId, siteId: c.siteId })
      // a replacement's too: what the gateway id reports from before its credentials, it cannot vouch for (hole 6)
      // the key goes with the credentials: a gateway enrolled anew without one has none (the old one was another box's)
      this.db.prepare('UPDATE gateways SET username = ?, password_hash = ?, enrolled_at = ?, signing_key = ? WHERE id = ?')
        .run(c.username, c.passwordHash, this.clock(), c.signingKey ?? null, c.gatewayId)
    })()
    this.writer.forgetGatewaySites()
  }

  gatewayCredentials(username: string): GatewayCredentials | undefined {
    const row = this.db.prepare('SELECT id, site_id, username, password_hash FROM gateways WHERE username = ? AND password_hash IS NOT NULL').get(username) as
      { id: string; site_id: string; username: string; password_hash: string } | undefined
    return row && { gatewayId: row.id, siteId: row.site_id, username: row.username, passwordHash: row.password_hash }
  }

  recordCommand(c: CommandRecord & { args: unknown }): void {
    this.db.prepare('INSERT INTO commands (id, gateway_id, name, args, sent_at, by) VALUES (?, ?, ?, ?, ?, ?)')
      .run(c.id, c.gatewayId, c.name, JSON.stringify(c.args ?? {}), c.sentAt, c.by)
  }

  recordCommandResult(gatewayId: string, id: string, result: { ok: boolean; message?: string; at: number }): void {
    this.writer.storeCommandResult(gatewayId, id, result, this.clock())
  }

  getCommand(id: string): CommandRecord | undefined {
    const row = this.db.prepare('SELECT * FROM commands WHERE id = ?').get(id) as CommandRow | undefined
    if (!row) return undefined
    return {
      id: row.id, gatewayId: row.gateway_id, name: row.name, sentAt: row.sent_at, by: row.by,
      ...(row.result_ok !== null && { result: { ok: row.result_ok === 1, ...(row.result_message !== null && { message: row.result_message }), at: row.result_at! } }),
    }
  }

  // the ingest's side (IngestSink)
  seqRanges: IngestSink['seqRanges'] = (gatewayId) => this.writer.seqRanges(gatewayId)
  gatewayEnrolledAt: IngestSink['gatewayEnrolledAt'] = (gatewayId) => this.writer.gatewayEnrolledAt(gatewayId)
  gatewaySigningKey: IngestSink['gatewaySigningKey'] = (gatewayId) => this.writer.gatewaySigningKey(gatewayId)
  sentCommands: IngestSink['sentCommands'] = (...args) => this.writer.sentCommands(...args)
  storeTelemetry: IngestSink['storeTelemetry'] = (write) => this.writer.storeTelemetry(write)
  storeEvents: IngestSink['storeEvents'] = (...args) => this.writer.storeEvents(...args)
  storeStatus: IngestSink['storeStatus'] = (...args) => this.writer.storeStatus(...args)
  storeInventory: IngestSink['storeInventory'] = (...args) => this.writer.storeInventory(...args)
  storeCommandResult: IngestSink['storeCommandResult'] = (...args) => this.writer.storeCommandResult(...args)
  countReject: IngestSink['countReject'] = (reason, n) => this.writer.countReject(reason, n)
  ingestStats: IngestSink['ingestStats'] = () => this.writer.ingestStats()
  markSilentGatewaysOffline: IngestSink['markSilentGatewaysOffline'] = (before) => this.writer.markSilentGatewaysOffline(before)
  group: IngestSink['group'] = (work) => this.writer.group(work)
  flushAggregates: IngestSink['flushAggregates'] = () => this.writer.flushAggregates()
  /** How many flushes of the aggregates wrote something since the store opened, their time and channels. */
  aggregateFlushStats = (): { count: number; ms: number; channels: number } => this.writer.aggregateFlushStats()
  pruneSamples: IngestSink['pruneSamples'] = (now, limit) => this.writer.retention.pruneSamples(now, limit)
  quarantine: IngestSink['quarantine'] = (...args) => this.writer.quarantine(...args)
  pruneMinuteRollups = (now: number, channels?: number): PruneBatch => this.writer.retention.pruneMinuteRollups(now, channels)

  /** Closes the database now; the background checkpointer's last checkpoint runs on its own connection. */
  close(): void {
    void this.closeAndWait()
  }

  /** close(), and wait for the background checkpointer to finish */
  async closeAndWait(): Promise<void> {
    const stopping = this.checkpointer?.stop()
    if (this.db.open) this.db.close()
    await stopping
  }
}
