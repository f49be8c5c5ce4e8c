import type { Database as Db, Statement } from 'better-sqlite3'

/**
 * The sections of the safety state the outbox keeps beside the events that explain it; the safety
 * service gives each section its type (safety/persisted-state.ts). An entry is a JSON value under
 * (section, id).
 */
const SAFETY_SECTIONS = ['alarms', 'dailyRatios', 'interlocks', 'failedInterlockAlarms', 'calibrationNotices', 'testNotices'] as const
export type SafetySection = (typeof SAFETY_SECTIONS)[number]

/** One entry of the safety state; a value of null deletes the entry. */
export interface SafetyRecord {
  section: SafetySection
  id: string
  value: unknown
}

const isSection = (name: string): name is SafetySection => (SAFETY_SECTIONS as readonly string[]).includes(name)

/** The `safety_records` table. */
export class SafetyRecords {
  private readonly sql: Record<'upsert' | 'delete' | 'all', Statement>

  constructor(db: Db) {
    this.sql = {
      upsert: db.prepare('INSERT INTO safety_records (section, id, body) VALUES (?, ?, ?) ON CONFLICT (section, id) DO UPDATE SET body = excluded.body'),
      delete: db.prepare('DELETE FROM safety_records WHERE section = ? AND id = ?'),
      all: db.prepare('SELECT section, id, body FROM safety_records ORDER BY section, id').raw(),
    }
  }

  /** Write the changes (inside the caller's transaction). */
  write(records: Iterable<SafetyRecord>): void {
    for (const { section, id, value } of records) {
      if (value === null || value === undefined) this.sql.delete.run(section, id)
      else this.sql.upsert.run(section, id, JSON.stringify(value))
    }
  }

  /** Every entry of a known section. */
  readAll(): SafetyRecord[] {
    const records: SafetyRecord[] = []
    for (const [section, id, body] of this.sql.all.all() as [string, string, string][]) {
      if (isSection(section)) records.push({ section, id, value: JSON.parse(body) as unknown })
    }
    return records
  }
}
