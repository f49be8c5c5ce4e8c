import { writeFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import { tempDir, type TempDir } from '../../support/gateway-config.ts'
import { run } from '../../support/processes.ts'

// `fleet-server audit verify` on a database whose file is edited directly, as an attacker with the file would.

const BIN = join(import.meta.dirname, '../../../fleet-server/bin/fleet-server.js')
let dir: TempDir
let db: string

const verify = () => run(process.execPath, [BIN, 'audit', 'verify', '--db', db])

beforeAll(() => {
  dir = tempDir('audit-verify')
  db = join(dir.path, 'fleet.sqlite')
  const store = openSqliteStore(db)
  for (let i = 1; i <= 6; i++) store.audit.record({ actor: 'admin', action: 'login', subject: 'admin', detail: { from: `10.0.0.${i}` } })
  store.close()
})
afterAll(() => dir.remove())

const edit = (sql: string) => {
  const file = new Database(db)
  file.exec(sql)
  file.close()
}

describe('fleet-server audit verify', () => {
  it('says the log is intact, exit 0', async () => {
    const result = await verify()
    expect(result.stdout).toContain('audit log intact: 6 entries')
    expect(result.code).toBe(0)
  })

  it('finds an edited, a deleted and an inserted entry, names each, exit 1, no stack trace', async () => {
    edit(`UPDATE audit_log SET detail = '{"from":"192.168.1.1"}' WHERE seq = 2;
      DELETE FROM audit_log WHERE seq = 4;
      INSERT INTO audit_log SELECT 7, at, actor, action, site_id, 'forged', detail, hash, hash FROM audit_log WHERE seq = 6;`)
    const result = await verify()
    expect(result.stderr).toContain('has been tampered with')
    expect(result.stderr).toContain('entry 2 was edited')
    expect(result.stderr).toContain('entry 4 is missing (deleted)')
    expect(result.stderr).toContain('entry 7 was edited')
    expect(result.stderr).not.toMatch(/\n\s+at /u)
    expect(result.code).toBe(1)
  })

  it('records a user added from the command line, with the OS user who ran it', async () => {
    const userDb = join(dir.path, 'users', 'fleet.sqlite')
    writeFileSync(join(dir.path, 'pw'), 'a long enough password\n', { mode: 0o600 })
    const added = await run(process.execPath, [BIN, 'user', 'add', '--name', 'root-admin', '--role', 'admin', '--password-file', join(dir.path, 'pw'), '--db', userDb])
    expect(added.code, added.stderr).toBe(0)
    const store = openSqliteStore(userDb)
    const entries = store.audit.list({ role: 'admin' })
    store.close()
    expect(entries).toMatchObject([{ action: 'user-add', subject: 'root-admin', actor: `cli:${userInfo().username}`, detail: { role: 'admin' } }])
  })

  it('refuses a database that is not there, exit 2', async () => {
    const result = await run(process.execPath, [BIN, 'audit', 'verify', '--db', join(dir.path, 'none.sqlite')])
    expect(result.stderr).toContain('no such database')
    expect(result.code).toBe(2)
  })
})
