import Database, { type Database as Db } from 'better-sqlite3'
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * The outbox's SQLite file. `meta` holds next_seq; `telemetry` rows of encoded samples (see
 * telemetry-rows.ts) keyed by their first sequence number; `events` one JSON event each;
 * `safety_records` the safety state, one JSON body per (section, id); `command_ids` the ids of the
 * fleet commands run, with their answers (a command id runs once, also across a restart);
 * `test_runs` the signed commissioning and periodic test runs done at this gateway (kept for good).
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS channels (id INTEGER PRIMARY KEY, device TEXT NOT NULL, channel TEXT NOT NULL, UNIQUE (device, channel)) STRICT;
  CREATE TABLE IF NOT EXISTS telemetry (first_seq INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL, count INTEGER NOT NULL, min_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL, chans TEXT NOT NULL, body BLOB NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, body TEXT NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS safety_records (section TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (section, id)) STRICT;
  CREATE TABLE IF NOT EXISTS command_ids (id TEXT PRIMARY KEY, command TEXT NOT NULL, received_at INTEGER NOT NULL, ok INTEGER, message TEXT) STRICT;
  CREATE TABLE IF NOT EXISTS test_runs (id TEXT PRIMARY KEY, started_at INTEGER NOT NULL, ended_at INTEGER NOT NULL, purpose TEXT NOT NULL, result TEXT NOT NULL, signed TEXT NOT NULL) STRICT;
`

/**
 * The file (and its -wal and -shm, which SQLite creates with the file's mode) is 0600 before SQLite
 * opens it, in a folder created 0700: the record of a site is the agent account's alone. A folder that
 * already exists is left as it is (it may be shared, e.g. the working directory).
 */
function ownerOnly(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  closeSync(openSync(path, 'a', 0o600))
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600)
}

export function openOutboxFile(path: string): Db {
  if (path !== ':memory:') ownerOnly(path)
  const db = new Database(path)
  // must precede the first table: lets acknowledged space be given back to the file system
  db.pragma('auto_vacuum = INCREMENTAL')
  db.pragma('journal_mode = WAL')
  // every commit of records is synced (group commit makes that ≤ 10 fsyncs a second for telemetry), so a
  // power cut loses at most the open group-commit window; deletions after a PUBACK are not (see transactionWithoutSync)
  db.pragma('synchronous = FULL')
  // 8 MiB of page cache: a message's rows are read, then deleted at its PUBACK, while still cached;
  // rows are read through a memory map (no read call per page: a backlog row spans tens of pages)
  db.pragma('cache_size = -8192')
  db.pragma('mmap_size = 134217728')
  db.exec(SCHEMA)
  return db
}

/** Deleting acknowledged records needs no sync of its own: lost in a power cut, it only means a resend. */
export function transactionWithoutSync(db: Db, work: () => void): void {
  db.pragma('synchronous = NORMAL')
  try {
    db.transaction(work)()
  } finally {
    db.pragma('synchronous = FULL')
  }
}

export const tableExists = (db: Db, name: string): boolean =>
  db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined

/** Bytes the database holds in live pages (the file shrinks to this after reclaimFreePages). */
export function usedBytes(db: Db): number {
  const pageSize = db.pragma('page_size', { simple: true }) as number
  const pages = db.pragma('page_count', { simple: true }) as number
  const free = db.pragma('freelist_count', { simple: true }) as number
  return (pages - free) * pageSize
}

/** Give free pages back to the file system (deleting rows alone never shrinks the file). */
export function reclaimFreePages(db: Db, maxPages: number): void {
  db.pragma(`incremental_vacuum(${Math.max(1, Math.floor(maxPages))})`)
  db.pragma('wal_checkpoint(PASSIVE)')
}
