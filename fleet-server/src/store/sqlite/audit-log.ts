import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Database } from 'better-sqlite3'
import { ProductError } from '../../../../protocols/errors.ts'
import { chainEntry, verifyChain, type AuditEntry, type AuditHead, type AuditRecord, type AuditTrail, type ChainProblem } from '../../audit/chain.ts'
import type { Scope } from '../../model/index.ts'
import { scopeCondition } from './scope.ts'

/** Where the log's key and head live: files beside the database, not in it. */
export interface AuditSecrets {
  key: Buffer
  /** the last entry's seq and hash, rewritten after every append; none for a database in memory */
  headFile?: string
}

export class AuditKeyError extends ProductError {
  readonly code = 'AUDIT_KEY'
}

interface AuditRow { seq: number; at: number; actor: string; action: AuditEntry['action']; site_id: string | null; subject: string; detail: string; prev_hash: string; hash: string }

const KEY_BYTES = 32

/** The audit key beside `dbPath` (audit.key, mode 0600), created on first use unless `create` is false. */
export function auditSecretsFor(dbPath: string, { create = true } = {}): AuditSecrets {
  if (dbPath === ':memory:') return { key: randomBytes(KEY_BYTES) }
  const keyFile = join(dirname(dbPath), 'audit.key')
  if (!existsSync(keyFile)) {
    if (!create) throw new AuditKeyError(`${keyFile} is missing: without the key the audit log cannot be verified`)
    writeFileSync(keyFile, randomBytes(KEY_BYTES).toString('hex') + '\n', { mode: 0o600, flag: 'wx' })
  }
  chmodSync(keyFile, 0o600)
  const key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'hex')
  if (key.length !== KEY_BYTES) throw new AuditKeyError(`${keyFile}: not an audit key (${KEY_BYTES} bytes in hex expected)`)
  return { key, headFile: join(dirname(dbPath), 'audit.head') }
}

const entryOf = (row: AuditRow): AuditEntry => ({
  seq: row.seq, at: row.at, actor: row.actor, action: row.action, ...(row.site_id !== null && { siteId: row.site_id }),
  subject: row.subject, detail: JSON.parse(row.detail) as Record<string, unknown>, prevHash: row.prev_hash, hash: row.hash,
})

/** The append-only audit table (migration 9) and its head file. */
export class AuditLog implements AuditTrail {
  private readonly lastRow
  private readonly insert

  constructor(private readonly db: Database, private readonly secrets: AuditSecrets, private readonly clock: () => number = Date.now) {
    this.lastRow = db.prepare<[], AuditRow>('SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1')
    this.insert = db.prepare('INSERT INTO audit_log (seq, at, actor, action, site_id, subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
  }

  record(record: Omit<AuditRecord, 'at'> & { at?: number }): AuditEntry {
    const entry = this.db.transaction(() => {
      const last = this.lastRow.get()
      const next = chainEntry(this.secrets.key, last && entryOf(last), { ...record, at: record.at ?? this.clock() })
      this.insert.run(next.seq, next.at, next.actor, next.action, next.siteId ?? null, next.subject, JSON.stringify(next.detail), next.prevHash, next.hash)
      return next
    }).immediate()
    // inside a transaction of the caller's (the ingest's group), the entry may still roll back with it: the
    // head moves at the next entry recorded outside one (a head behind the chain's end is no break)
    if (!this.db.inTransaction) this.writeHead({ seq: entry.seq, hash: entry.hash })
    return entry
  }

  list(scope: Scope, filter: { limit?: number; beforeSeq?: number } = {}): AuditEntry[] {
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000)
    const before = filter.beforeSeq ?? Number.MAX_SAFE_INTEGER
    if (scope.role === 'admin') {
      return this.db.prepare<[number, number], AuditRow>('SELECT * FROM audit_log WHERE seq < ? ORDER BY seq DESC LIMIT ?').all(before, limit).map(entryOf)
    }
    // everyone else reads only the entries about sites in its scope
    const where = scopeCondition(scope)
    return this.db.prepare<unknown[], AuditRow>(`SELECT a.* FROM audit_log a JOIN sites s ON s.id = a.site_id
      WHERE a.seq < ? AND ${where.sql} ORDER BY a.seq DESC LIMIT ?`).all(before, ...where.params, limit).map(entryOf)
  }

  /** Every break in the chain, from the first entry to the head. */
  verify(): { entries: number; problems: ChainProblem[] } {
    const entries = this.db.prepare<[], AuditRow>('SELECT * FROM audit_log ORDER BY seq').all().map(entryOf)
    const head = this.readHead()
    const problems = verifyChain(this.secrets.key, entries, head)
    if (!head && entries.length > 0 && this.secrets.headFile !== undefined) problems.push({ seq: entries.length, problem: `the head file ${this.secrets.headFile} is missing: entries cut from the end could not be seen` })
    return { entries: entries.length, problems }
  }

  private writeHead(head: AuditHead): void {
    const file = this.secrets.headFile
    if (file === undefined) return
    writeFileSync(`${file}.tmp`, `${head.seq} ${head.hash}\n`, { mode: 0o600 })
    renameSync(`${file}.tmp`, file)
  }

  private readHead(): AuditHead | undefined {
    const file = this.secrets.headFile
    if (file === undefined || !existsSync(file)) return undefined
    const [seq, hash] = readFileSync(file, 'utf8').trim().split(' ')
    return { seq: Number(seq), hash: hash ?? '' }
  }
}
