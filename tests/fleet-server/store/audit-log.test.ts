import { statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openSqliteStore, type SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import { tempDir, type TempDir } from '../../support/gateway-config.ts'

// The audit log as the server keeps it: a table in fleet.sqlite, its key and head in files beside it.
// Tampering is done as an attacker with the database file would: another SQLite connection editing rows.

let dir: TempDir
let dbPath: string
let store: SqliteStore
let now = Date.UTC(2026, 11, 1)

beforeEach(() => {
  dir = tempDir('audit')
  dbPath = join(dir.path, 'fleet.sqlite')
  store = openSqliteStore(dbPath, { clock: () => now })
  store.upsertEnterprise({ id: 'e1', name: '甲' })
  store.upsertEnterprise({ id: 'e2', name: '乙' })
  store.upsertSite({ id: 'site-a', enterpriseId: 'e1', name: 'A', type: 'coal-mine', jurisdiction: '涌山镇' })
  store.upsertSite({ id: 'site-b', enterpriseId: 'e2', name: 'B', type: 'petrol-station', jurisdiction: '石潭镇' })
  for (let i = 0; i < 10; i++) {
    now += 1000
    store.audit.record({ actor: i % 2 ? 'admin' : 'installer-a', action: 'login', siteId: i % 3 === 0 ? 'site-a' : i % 3 === 1 ? 'site-b' : undefined, subject: `event ${i}`, detail: { i } })
  }
})

afterEach(() => {
  store.close()
  dir.remove()
})

/** Edit the database as someone with the file would, the server's connection closed. */
function tamper(sql: string): void {
  store.close()
  const db = new Database(dbPath)
  db.exec(sql)
  db.close()
  store = openSqliteStore(dbPath, { clock: () => now })
}

const problems = () => store.audit.verify().problems.map((p) => p.problem)

describe('the audit log', () => {
  it('keeps its key and head beside the database, readable by the server only', () => {
    expect(statSync(join(dir.path, 'audit.key')).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir.path, 'audit.head')).mode & 0o777).toBe(0o600)
    expect(store.audit.verify()).toEqual({ entries: 10, problems: [] })
  })

  it('survives a reopen: the chain goes on from where it was', () => {
    tamper('SELECT 1')
    store.audit.record({ actor: 'admin', action: 'login', subject: 'after reopen', detail: {} })
    expect(store.audit.verify()).toEqual({ entries: 11, problems: [] })
  })

  it('finds a row edited in the file', () => {
    tamper("UPDATE audit_log SET actor = 'someone else' WHERE seq = 4")
    expect(problems()).toEqual(['entry 4 was edited: its hash does not match its content'])
  })

  it('finds a row deleted from the middle, and rows cut from the end', () => {
    tamper('DELETE FROM audit_log WHERE seq = 5')
    expect(problems()).toEqual(['entry 5 is missing (deleted)'])
    tamper('DELETE FROM audit_log WHERE seq >= 8')
    expect(problems()).toEqual(['entry 5 is missing (deleted)', 'entries 8 to 10 are missing (deleted)'])
  })

  it('finds a row inserted with copied hashes', () => {
    tamper(`INSERT INTO audit_log (seq, at, actor, action, site_id, subject, detail, prev_hash, hash)
      SELECT 11, at, 'admin', 'alarm-ack', site_id, 'forged', detail, hash, hash FROM audit_log WHERE seq = 10`)
    expect(problems()).toEqual([expect.stringMatching(/^entry 11 was edited/u)])
  })

  it('a regulator reads the entries of its township\'s sites only; an admin all; others none', () => {
    const regulator = store.audit.list({ role: 'regulator', jurisdiction: '涌山镇' })
    expect(regulator.length).toBeGreaterThan(0)
    expect(regulator.every((e) => e.siteId === 'site-a')).toBe(true)
    expect(store.audit.list({ role: 'admin' }).map((e) => e.seq)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])
    expect(store.audit.list({ role: 'admin' }, { limit: 3, beforeSeq: 8 }).map((e) => e.seq)).toEqual([7, 6, 5])
    expect(store.audit.list({ role: 'enterprise', enterpriseId: 'e2' }).every((e) => e.siteId === 'site-b')).toBe(true)
  })
})
