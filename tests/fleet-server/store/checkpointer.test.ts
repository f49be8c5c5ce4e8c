import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, expect, it } from 'vitest'
import { openSqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import { until } from '../../support/until.ts'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

it('copies the write-ahead log into the database from a worker, not at a commit, and stops with the store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'checkpoint-'))
  dirs.push(dir)
  const path = join(dir, 'fleet.db')
  const store = openSqliteStore(path, { backgroundCheckpoint: true })
  expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0)
  const before = statSync(path).size
  store.db.exec('CREATE TABLE filler (body BLOB)')
  const insert = store.db.prepare('INSERT INTO filler (body) VALUES (?)')
  // 2,000 pages: past the 1,000 pages at which a commit would otherwise checkpoint itself
  store.db.transaction(() => {
    for (let i = 0; i < 2000; i++) insert.run(Buffer.alloc(4000, i % 251))
  })()
  await until('the pages reached the database file', () => statSync(path).size > before + 4_000_000, { everyMs: 50 })
  await store.closeAndWait()
  // everything is in the database file: another connection reads it all
  const db = new Database(path, { readonly: true })
  expect((db.prepare('SELECT count(*) AS n FROM filler').get() as { n: number }).n).toBe(2000)
  db.close()
})

it('is off unless asked for: a store opened without it checkpoints at commits as SQLite does by default', () => {
  const dir = mkdtempSync(join(tmpdir(), 'checkpoint-'))
  dirs.push(dir)
  const store = openSqliteStore(join(dir, 'fleet.db'))
  expect(store.checkpointer).toBeUndefined()
  expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000)
  store.close()
})
