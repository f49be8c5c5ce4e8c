import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'
import { Ingest } from '../../../fleet-server/src/ingest/index.ts'
import { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from '../../../fleet-server/src/store/sqlite/index.ts'

/**
 * Fleet databases in temporary files for the tests of one file: `file()` is a new path, `open(path)`
 * a store on it (with `options`) and an Ingest, both on the clock `now`; `track` adds a store opened
 * otherwise. After each test every store still open is closed and every file removed.
 */
export function fileStores(prefix: string, now: { value: number }, options: SqliteStoreOptions = {}) {
  const dirs: string[] = []
  const stores: SqliteStore[] = []
  afterEach(() => {
    for (const store of stores.splice(0)) if (store.db.open) store.close()
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })
  return {
    file(): string {
      const dir = mkdtempSync(join(tmpdir(), prefix))
      dirs.push(dir)
      return join(dir, 'fleet.db')
    },
    open(path: string): { store: SqliteStore; ingest: Ingest } {
      const store = openSqliteStore(path, { clock: () => now.value, ...options })
      stores.push(store)
      return { store, ingest: new Ingest({ store, clock: () => now.value }) }
    },
    track(store: SqliteStore): SqliteStore {
      stores.push(store)
      return store
    },
  }
}
