import type { Database as Db, Statement } from 'better-sqlite3'
import type { Run, SignedRun } from '../../../protocols/commissioning/index.ts'

/** The `test_runs` table: every signed run done at this gateway, as signed (what `commission --show` lists). */
export class TestRuns {
  private readonly sql: Record<'insert' | 'all', Statement>

  constructor(db: Db) {
    this.sql = {
      insert: db.prepare('INSERT INTO test_runs (id, started_at, ended_at, purpose, result, signed) VALUES (?, ?, ?, ?, ?, ?)'),
      all: db.prepare('SELECT signed FROM test_runs ORDER BY started_at, id'),
    }
  }

  insert(run: Run, signed: SignedRun): void {
    this.sql.insert.run(run.id, run.startedAt, run.endedAt, run.purpose, run.result, JSON.stringify(signed))
  }

  all(): SignedRun[] {
    return (this.sql.all.pluck().all() as string[]).map((text) => JSON.parse(text) as SignedRun)
  }
}

/** The signed runs of an outbox file, read only (the agent may be running): none when the file has no such table yet. */
export function readTestRuns(db: Db): SignedRun[] {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'test_runs'").get()
  return table === undefined ? [] : new TestRuns(db).all()
}
