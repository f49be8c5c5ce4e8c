import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

/** SQLite's companions of a database in WAL mode, created beside it with the database file's mode. */
const COMPANIONS = ['-wal', '-shm', '-journal']

/**
 * The database holds password, session and enrolment token hashes: only the server's user may read
 * it. A missing folder is created 0700; the file is created 0600 before SQLite opens it, so the
 * write-ahead log and shared memory file SQLite creates later inherit that mode. An existing file
 * (an older version made them 0644) is narrowed to 0600. An existing folder is left as its owner made
 * it: the database may live in a shared directory on purpose.
 */
export function makeDatabaseFilesPrivate(path: string): void {
  if (path === ':memory:' || path === '') return
  if (!existsSync(dirname(path))) mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  if (!existsSync(path)) writeFileSync(path, '', { mode: 0o600, flag: 'wx' })
  for (const file of [path, ...COMPANIONS.map((suffix) => `${path}${suffix}`)]) {
    if (existsSync(file)) chmodSync(file, 0o600)
  }
}
