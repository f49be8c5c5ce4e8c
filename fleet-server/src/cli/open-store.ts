import { userInfo } from 'node:os'
import { openSqliteStore } from '../store/sqlite/index.ts'
import type { FleetStore } from '../store/types.ts'
import { RuntimeError } from '../../../protocols/cli/index.ts'

/** Opens (creating if needed, with its folder: openSqliteStore) the database a command works on; failures are the user's to fix, without a stack. */
export function openStoreFor(dbPath: string): FleetStore {
  try {
    return openSqliteStore(dbPath)
  } catch (error) {
    throw new RuntimeError(`cannot open the database ${dbPath}: ${error instanceof Error ? error.message : String(error)}`)
  }
}

export async function withStore<T>(dbPath: string, work: (store: FleetStore) => T | Promise<T>): Promise<T> {
  const store = openStoreFor(dbPath)
  try {
    return await work(store)
  } finally {
    store.close()
  }
}

/** Who the audit log names for what the server's command line does: the OS user running it. */
export function cliActor(): string {
  return `cli:${userInfo().username}`
}
