import type { Database, Statement } from 'better-sqlite3'

/**
 * telemetry_heads: the first bytes a gateway's telemetry messages share — `{"v":1,"gw":…,"ch":[…],`,
 * its dictionary — stored once instead of in every raw row (migration 8). The ingest hands a head
 * to the store only for a message that began with the gateway's previous head (checkTelemetry), so
 * a dictionary used by one message alone never gets a row. A gateway's current head is found again
 * after a restart; heads no raw row uses any more are deleted after a retention sweep.
 */
export class TelemetryHeads {
  /** gateway → its current head and the head's row */
  private readonly current = new Map<string, { bytes: Buffer; id: number }>()
  private readonly sql: Record<'last' | 'insert' | 'maxId' | 'usedAfter' | 'upTo' | 'delete', Statement>
  /** the retention sweep under way: heads that existed when it started, and those a row it kept uses */
  private sweep: { maxId: number; used: Set<number> } | undefined

  constructor(db: Database) {
    const p = (sql: string) => db.prepare(sql)
    this.sql = {
      last: p('SELECT id, bytes FROM telemetry_heads WHERE gateway_id = ? ORDER BY id DESC LIMIT 1'),
      insert: p('INSERT INTO telemetry_heads (gateway_id, bytes) VALUES (?, ?)'),
      maxId: p('SELECT coalesce(max(id), 0) AS id FROM telemetry_heads'),
      usedAfter: p('SELECT DISTINCT head_id AS id FROM telemetry_raw WHERE id > ? AND head_id IS NOT NULL'),
      upTo: p('SELECT id FROM telemetry_heads WHERE id <= ?'),
      delete: p('DELETE FROM telemetry_heads WHERE id = ?'),
    }
  }

  /** The row of `bytes` as the gateway's head, written now when the gateway's last head differs (inside the caller's transaction). */
  idOf(gatewayId: string, bytes: Buffer): number {
    const known = this.current.get(gatewayId)
    if (known && (known.bytes === bytes || known.bytes.equals(bytes))) {
      known.bytes = bytes
      return known.id
    }
    const last = this.sql.last.get(gatewayId) as { id: number; bytes: Buffer } | undefined
    const id = last && last.bytes.equals(bytes) ? last.id : Number(this.sql.insert.run(gatewayId, bytes).lastInsertRowid)
    if (this.current.size >= 100_000) this.current.clear()
    this.current.set(gatewayId, { bytes, id })
    return id
  }

  /** Forgets what memory holds of a gateway's head (its message was not stored: the row may be rolled back). */
  forget(gatewayId: string): void {
    this.current.delete(gatewayId)
  }

  /** Forgets every gateway's head (a transaction that may have written heads rolled back). */
  clear(): void {
    this.current.clear()
  }

  /** A retention sweep over telemetry_raw starts from its first row: heads written from now on are kept. */
  sweepStarted(): void {
    this.sweep = { maxId: (this.sql.maxId.get() as { id: number }).id, used: new Set() }
  }

  /** A raw row the sweep keeps uses head `id` (null: none). */
  keptRowUses(id: number | null): void {
    if (id !== null) this.sweep?.used.add(id)
  }

  /** The sweep saw every raw row up to `through`: the heads that existed when it started and no row uses are deleted. */
  sweepDone(through: number): number {
    const sweep = this.sweep
    this.sweep = undefined
    if (!sweep) return 0
    for (const { id } of this.sql.usedAfter.iterate(through) as Iterable<{ id: number }>) sweep.used.add(id)
    for (const { id } of this.current.values()) sweep.used.add(id)
    let deleted = 0
    for (const { id } of this.sql.upTo.all(sweep.maxId) as { id: number }[]) if (!sweep.used.has(id)) deleted += this.sql.delete.run(id).changes
    return deleted
  }
}
