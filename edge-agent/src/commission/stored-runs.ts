import Database from 'better-sqlite3'
import { existsSync } from 'node:fs'
import type { SignedRun } from '../../../protocols/commissioning/index.ts'
import type { ResolvedConfig } from '../config/index.ts'
import { bufferPathOf } from '../outbox/buffer-path.ts'
import { readTestRuns } from '../outbox/test-runs.ts'

/** The runs kept in the gateway's outbox file, read only: the agent may be running. None when there is no file yet. */
export function readRunsOf(config: ResolvedConfig): SignedRun[] {
  const path = bufferPathOf(config)
  if (!existsSync(path)) return []
  const db = new Database(path, { readonly: true, fileMustExist: true })
  try {
    return readTestRuns(db)
  } finally {
    db.close()
  }
}
