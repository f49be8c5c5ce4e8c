import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'

/**
 * Issue 15, hole 10: fleet.sqlite (password hashes, session and enrolment token hashes) was 0644 in a
 * 0755 folder: any local user could copy it. Only the server's user may read it, its write-ahead
 * log and shared memory file included.
 */
let dir: string
let umask: number
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-modes-'))
  umask = process.umask(0o022) // the usual one, which made the files 0644: the test must not depend on the runner's
})
afterEach(() => {
  process.umask(umask)
  rmSync(dir, { recursive: true, force: true })
})

const modeOf = (path: string) => `0${(statSync(path).mode & 0o777).toString(8)}`

describe('the database files (issue 15, hole 10)', () => {
  it('a new database, its -wal and -shm are 0600, the folder created for it 0700', () => {
    const db = join(dir, 'data', 'fleet.sqlite')
    const store = openSqliteStore(db)
    try {
      store.upsertEnterprise({ id: 'ent-1', name: 'Enterprise' })
      for (const path of [db, `${db}-wal`, `${db}-shm`]) {
        expect(existsSync(path), path).toBe(true)
        expect(modeOf(path), path).toBe('0600')
      }
      expect(modeOf(join(dir, 'data'))).toBe('0700')
    } finally {
      store.close()
    }
  })

  it('an existing database left 0644 by an older version is 0600 once opened, with its -wal and -shm', () => {
    const db = join(dir, 'fleet.sqlite')
    openSqliteStore(db).close()
    chmodSync(db, 0o644)
    for (const leftover of [`${db}-wal`, `${db}-shm`]) writeFileSync(leftover, '', { mode: 0o644 })
    const store = openSqliteStore(db)
    try {
      store.upsertEnterprise({ id: 'ent-1', name: 'Enterprise' })
      for (const path of [db, `${db}-wal`, `${db}-shm`]) expect(modeOf(path), path).toBe('0600')
    } finally {
      store.close()
    }
  })
})
