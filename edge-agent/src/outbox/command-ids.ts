import type { Database as Db, Statement } from 'better-sqlite3'

/** What the first command of an id answered (ok and message absent: it has not answered, or the agent stopped while it ran). */
export interface EarlierCommand {
  command: string
  receivedAt: number
  ok?: boolean
  message?: string
}

/** Ids are kept this long: a fleet command is redelivered within a session, never months later. */
export const COMMAND_IDS_KEPT_MS = 90 * 24 * 3_600_000

/** The `command_ids` table: the ids of fleet commands this gateway has run, and what each answered. */
export class CommandIds {
  private readonly sql: Record<'claim' | 'get' | 'settle' | 'prune', Statement>

  constructor(db: Db) {
    this.sql = {
      claim: db.prepare('INSERT INTO command_ids (id, command, received_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING'),
      get: db.prepare('SELECT command, received_at, ok, message FROM command_ids WHERE id = ?'),
      settle: db.prepare('UPDATE command_ids SET ok = ?, message = ? WHERE id = ? AND ok IS NULL'),
      prune: db.prepare('DELETE FROM command_ids WHERE received_at < ?'),
    }
  }

  /** Take `id` for a command about to run (committed before it runs): undefined, or the earlier command of that id. */
  claim(id: string, command: string, at: number): EarlierCommand | undefined {
    if (this.sql.claim.run(id, command, at).changes === 1) {
      this.sql.prune.run(at - COMMAND_IDS_KEPT_MS)
      return undefined
    }
    const row = this.sql.get.get(id) as { command: string; received_at: number; ok: number | null; message: string | null }
    return {
      command: row.command, receivedAt: row.received_at,
      ...(row.ok !== null && { ok: row.ok === 1 }),
      ...(row.message !== null && { message: row.message }),
    }
  }

  /** What the command of `id` answered; only its first answer is kept. */
  settle(id: string, ok: boolean, message: string | undefined): void {
    this.sql.settle.run(ok ? 1 : 0, message ?? null, id)
  }
}
