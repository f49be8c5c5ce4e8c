import Database from 'better-sqlite3'

/**
 * A buffer file as the outbox wrote it before its split (commit 4172ca1): tables meta, channels,
 * telemetry (rows of groups, ch0 = global channel id − 1), events, and the safety state as
 * safety_state key → body, keys prefixed by their kind. Written with plain SQL, not through the outbox.
 */
export interface PreSplitFile {
  channels: [id: number, device: string, channel: string][]
  /** [first_seq, last_seq, count, min_ts, max_ts, chans, body] */
  telemetry: [number, number, number, number, number, string, string][]
  events: Record<string, unknown>[]
  safetyState: [key: string, body: string][]
  nextSeq: number
}

export function writePreSplitFile(path: string, file: PreSplitFile): void {
  const db = new Database(path)
  try {
    db.pragma('auto_vacuum = INCREMENTAL')
    db.pragma('journal_mode = WAL')
    db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
      CREATE TABLE IF NOT EXISTS channels (id INTEGER PRIMARY KEY, device TEXT NOT NULL, channel TEXT NOT NULL, UNIQUE (device, channel)) STRICT;
      CREATE TABLE IF NOT EXISTS telemetry (first_seq INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL, count INTEGER NOT NULL, min_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL, chans TEXT NOT NULL, body BLOB NOT NULL) STRICT;
      CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, body TEXT NOT NULL) STRICT;
      CREATE TABLE IF NOT EXISTS safety_state (key TEXT PRIMARY KEY, body TEXT NOT NULL) STRICT;
    `)
    for (const row of file.channels) db.prepare('INSERT INTO channels (id, device, channel) VALUES (?, ?, ?)').run(...row)
    for (const [first, last, count, minTs, maxTs, chans, body] of file.telemetry) {
      db.prepare('INSERT INTO telemetry (first_seq, last_seq, count, min_ts, max_ts, chans, body) VALUES (?, ?, ?, ?, ?, ?, ?)').run(first, last, count, minTs, maxTs, chans, Buffer.from(body))
    }
    for (const event of file.events) db.prepare('INSERT INTO events (seq, ts, body) VALUES (?, ?, ?)').run(event.seq, event.ts, JSON.stringify(event))
    for (const [key, body] of file.safetyState) db.prepare('INSERT INTO safety_state (key, body) VALUES (?, ?)').run(key, body)
    db.prepare("INSERT INTO meta (key, value) VALUES ('next_seq', ?)").run(file.nextSeq)
  } finally {
    db.close()
  }
}
