import type { Database as Db } from 'better-sqlite3'
import { QUALITIES } from '../../../protocols/quality.ts'
import type { Sample } from '../../../protocols/sample.ts'
import type { ChannelDictionary } from './channel-dictionary.ts'
import { tableExists } from './outbox-file.ts'
import type { SafetySection } from './safety-records.ts'
import type { TelemetryTable } from './telemetry-table.ts'

/** The per-sample format's flag in `q`: the value is a boolean stored as 0 / 1. */
const BOOLEAN_FLAG = 16

/** An outbox file of the per-sample format (samples table) becomes rows, in one transaction. */
export function migratePerSampleRows(db: Db, channels: ChannelDictionary, telemetry: TelemetryTable): void {
  if (!tableExists(db, 'samples')) return
  const reasons = new Map<number, string>()
  if (tableExists(db, 'reasons')) for (const r of db.prepare('SELECT id, text FROM reasons').all() as { id: number; text: string }[]) reasons.set(r.id, r.text)
  const old = db.prepare('SELECT seq, ch, ts, v, q, r FROM samples ORDER BY seq').raw().all() as [number, number, number, number | string | null, number, number | null][]
  db.transaction(() => {
    let run: Sample[] = []
    let runFirst = 0
    const close = (): void => {
      if (run.length > 0) telemetry.insert(run, runFirst)
      run = []
    }
    for (const [seq, ch, ts, v, q, r] of old) {
      if (run.length > 0 && seq !== runFirst + run.length) close()
      if (run.length === 0) runFirst = seq
      const name = channels.nameOf(ch)
      const slash = name.indexOf('/')
      const quality = QUALITIES[q & ~BOOLEAN_FLAG] ?? 'device-fault'
      const reason = r === null ? undefined : reasons.get(r)
      run.push({ device: name.slice(0, slash), channel: name.slice(slash + 1), ts, value: q & BOOLEAN_FLAG ? v === 1 : v, quality, ...(reason !== undefined && { reason }) })
    }
    close()
    db.exec('DROP TABLE samples; DROP TABLE IF EXISTS reasons;')
  })()
}

/** The prefixes of the key-value format of the safety state (safety_state: "alarm:gas-1/ch4" → JSON). */
const SECTION_OF_PREFIX: Readonly<Record<string, SafetySection>> = {
  alarm: 'alarms',
  daily: 'dailyRatios',
  interlock: 'interlocks',
  failed: 'failedInterlockAlarms',
  calibration: 'calibrationNotices',
}

/** A calibration notice of the key-value format was its text "state:dueOn", not JSON. */
function calibrationNotice(text: string): string {
  const colon = text.indexOf(':')
  return JSON.stringify({ state: text.slice(0, colon), dueOn: text.slice(colon + 1) })
}

/**
 * The safety state of the key-value format (table safety_state, keys prefixed by their kind)
 * becomes safety_records, in one transaction. A key of no known kind was never written; it is left out.
 */
export function migratePrefixedSafetyState(db: Db): void {
  if (!tableExists(db, 'safety_state')) return
  const rows = db.prepare('SELECT key, body FROM safety_state').raw().all() as [string, string][]
  const insert = db.prepare('INSERT OR REPLACE INTO safety_records (section, id, body) VALUES (?, ?, ?)')
  db.transaction(() => {
    for (const [key, body] of rows) {
      const colon = key.indexOf(':')
      const section = colon < 0 ? undefined : SECTION_OF_PREFIX[key.slice(0, colon)]
      if (section === undefined) continue
      insert.run(section, key.slice(colon + 1), section === 'calibrationNotices' ? calibrationNotice(body) : body)
    }
    db.exec('DROP TABLE safety_state')
  })()
}
