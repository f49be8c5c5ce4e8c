import type { Database } from 'better-sqlite3'

/**
 * The schema, as an ordered list of migrations: migration i brings a database from version i to
 * i + 1 (PRAGMA user_version). Never edit a released entry; append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: registry, users, telemetry, events
  `
  CREATE TABLE enterprises (id TEXT PRIMARY KEY, name TEXT NOT NULL, name_en TEXT);
  CREATE TABLE sites (
    id TEXT PRIMARY KEY, enterprise_id TEXT NOT NULL REFERENCES enterprises(id), name TEXT NOT NULL,
    type TEXT NOT NULL, jurisdiction TEXT NOT NULL, address TEXT, licence_no TEXT
  );
  CREATE INDEX sites_enterprise ON sites(enterprise_id);
  CREATE INDEX sites_jurisdiction ON sites(jurisdiction);
  CREATE TABLE gateways (
    id TEXT PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites(id), name TEXT,
    state TEXT NOT NULL DEFAULT 'unknown', agent_version TEXT, config_hash TEXT, buffer_depth INTEGER,
    uptime_s REAL, last_seen INTEGER, username TEXT UNIQUE, password_hash TEXT
  );
  CREATE INDEX gateways_site ON gateways(site_id);
  CREATE TABLE gateway_seq (gateway_id TEXT PRIMARY KEY REFERENCES gateways(id), ranges TEXT NOT NULL);
  CREATE TABLE devices (
    gateway_id TEXT NOT NULL REFERENCES gateways(id), id TEXT NOT NULL, site_id TEXT NOT NULL,
    profile TEXT NOT NULL, profile_version TEXT, bus TEXT, unit INTEGER, location TEXT, system TEXT,
    vendor TEXT, model TEXT, firmware TEXT, state TEXT NOT NULL DEFAULT 'unknown',
    calibrated_on TEXT, calibration_due TEXT, last_good_ts INTEGER,
    PRIMARY KEY (gateway_id, id)
  ) WITHOUT ROWID;
  CREATE INDEX devices_site ON devices(site_id);
  CREATE TABLE channels (id INTEGER PRIMARY KEY, gateway_id TEXT NOT NULL, device TEXT NOT NULL, channel TEXT NOT NULL);
  CREATE UNIQUE INDEX channels_key ON channels(gateway_id, device, channel);
  CREATE TABLE latest (channel_id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, value TEXT, quality INTEGER NOT NULL);
  CREATE TABLE samples (channel_id INTEGER NOT NULL, ts INTEGER NOT NULL, value, quality INTEGER NOT NULL);
  CREATE INDEX samples_channel_ts ON samples(channel_id, ts);
  CREATE TABLE rollup_1m (
    channel_id INTEGER NOT NULL, bucket INTEGER NOT NULL, count INTEGER NOT NULL, bad INTEGER NOT NULL,
    n INTEGER NOT NULL, vmin REAL, vmax REAL, sum REAL NOT NULL, PRIMARY KEY (channel_id, bucket)
  ) WITHOUT ROWID;
  CREATE TABLE rollup_1h (
    channel_id INTEGER NOT NULL, bucket INTEGER NOT NULL, count INTEGER NOT NULL, bad INTEGER NOT NULL,
    n INTEGER NOT NULL, vmin REAL, vmax REAL, sum REAL NOT NULL, PRIMARY KEY (channel_id, bucket)
  ) WITHOUT ROWID;
  CREATE TABLE events (
    gateway_id TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (gateway_id, seq)
  ) WITHOUT ROWID;
  CREATE TABLE alarms (
    id INTEGER PRIMARY KEY, site_id TEXT NOT NULL, gateway_id TEXT NOT NULL, device TEXT NOT NULL,
    channel TEXT NOT NULL, kind TEXT NOT NULL, level TEXT NOT NULL, state TEXT NOT NULL,
    acknowledged INTEGER NOT NULL DEFAULT 0, acknowledged_by TEXT, acknowledged_at INTEGER,
    raised_at INTEGER NOT NULL, cleared_at INTEGER, value TEXT, threshold REAL, unit TEXT, interlock TEXT, reason TEXT
  );
  CREATE INDEX alarms_key ON alarms(gateway_id, device, channel, kind, id);
  CREATE INDEX alarms_site_state ON alarms(site_id, state);
  CREATE TABLE interlock_actions (
    gateway_id TEXT NOT NULL, seq INTEGER NOT NULL, site_id TEXT NOT NULL, ts INTEGER NOT NULL,
    interlock TEXT NOT NULL, state TEXT NOT NULL, phase TEXT, cause TEXT, reason TEXT, by TEXT, until INTEGER,
    PRIMARY KEY (gateway_id, seq)
  ) WITHOUT ROWID;
  CREATE INDEX interlock_actions_site ON interlock_actions(site_id, ts);
  CREATE TABLE users (
    name TEXT PRIMARY KEY, role TEXT NOT NULL, display_name TEXT, jurisdiction TEXT, enterprise_id TEXT,
    password_hash TEXT NOT NULL
  );
  CREATE TABLE user_sites (user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE, site_id TEXT NOT NULL, PRIMARY KEY (user_name, site_id)) WITHOUT ROWID;
  CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE, expires_at INTEGER NOT NULL);
  CREATE TABLE enroll_tokens (token_hash TEXT PRIMARY KEY, site_id TEXT NOT NULL, expires_at INTEGER NOT NULL, used_by TEXT, used_at INTEGER);
  CREATE TABLE commands (
    id TEXT PRIMARY KEY, gateway_id TEXT NOT NULL, name TEXT NOT NULL, args TEXT NOT NULL, sent_at INTEGER NOT NULL,
    by TEXT NOT NULL, result_ok INTEGER, result_message TEXT, result_at INTEGER
  );
  CREATE TABLE ingest_stats (key TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;
  `,
  // 2: issue 7 (compliance) needs the date each site's rules apply from
  `ALTER TABLE sites ADD COLUMN rules_from TEXT;`,
  // 3: raw telemetry one row per accepted message (no per-sample index writes); latest values and
  // roll-ups are flushed from memory about once a second with the last raw row they include
  // (ingest_watermark), so a restart replays only the rows after it. The samples table of
  // migration 1 is no longer written; its rows are pruned by the retention as before.
  `
  CREATE TABLE telemetry_raw (
    id INTEGER PRIMARY KEY AUTOINCREMENT, gateway_id TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL,
    count INTEGER NOT NULL, min_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL, body BLOB NOT NULL
  );
  CREATE INDEX telemetry_raw_gateway_ts ON telemetry_raw(gateway_id, min_ts);
  CREATE TABLE ingest_watermark (id INTEGER PRIMARY KEY CHECK (id = 1), raw_id INTEGER NOT NULL);
  `,
  // 4: issue 7 (compliance): a petrol station is bound by the plan's 四(四)1 duty only in town near homes
  // or crowded places; 1 / 0, NULL when unknown (fleet-server import --sites, column in_town_near_homes)
  `ALTER TABLE sites ADD COLUMN in_town_near_homes INTEGER;`,
  // 5: issue 7 (compliance): commissioning records (POST /api/commissioning); installedOn of a (site,
  // system) is the date of its first accepted record. devices: JSON array of device ids.
  `
  CREATE TABLE commissioning (
    id INTEGER PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites(id), system TEXT NOT NULL,
    commissioned_on TEXT NOT NULL, by TEXT NOT NULL, devices TEXT NOT NULL DEFAULT '[]', note TEXT,
    accepted INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL
  );
  CREATE INDEX commissioning_site_system ON commissioning(site_id, system, commissioned_on);
  `,
  // 6: issue 7 (compliance at fleet scale): per device and calendar day (Asia/Shanghai), the minutes
  // with at least one good sample — a 1,440-bit map (bit m of byte m >> 3 is minute m of the day, LSB
  // first) and its population count — kept up to date by the ingest when it writes the roll-ups, so
  // the 7-day coverage of 10,000 sites is a sum over a few rows per device, not a scan of the 1-minute
  // roll-ups. Filled from the existing 1-minute roll-ups when the store opens (device_minutes_backfill).
  `
  CREATE TABLE device_minutes (
    gateway_id TEXT NOT NULL, device TEXT NOT NULL, day TEXT NOT NULL, minutes INTEGER NOT NULL, bits BLOB NOT NULL,
    PRIMARY KEY (gateway_id, device, day)
  ) WITHOUT ROWID;
  CREATE INDEX device_minutes_day ON device_minutes(day);
  CREATE TABLE device_minutes_backfill (id INTEGER PRIMARY KEY CHECK (id = 1), done INTEGER NOT NULL);
  INSERT INTO device_minutes_backfill (id, done) VALUES (1, 0);
  `,
  // 7: a message the store failed to take MAX_STORE_ATTEMPTS times is kept here, as received, and
  // acknowledged, instead of being delivered again forever and holding up the messages behind it
  `
  CREATE TABLE ingest_quarantine (
    id INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload BLOB NOT NULL, error TEXT NOT NULL, attempts INTEGER NOT NULL, quarantined_at INTEGER NOT NULL
  );
  `,
  // 8: a gateway's telemetry messages begin with the same bytes, its dictionary (`{"v":1,"gw":…,"ch":[…],`,
  // half of a message of 250 channels): stored once in telemetry_heads; a raw row with a head_id holds
  // the bytes after it (the message as received is the head's bytes and then the row's). Heads no raw
  // row uses are deleted by the retention sweep. No query reads raw rows by gateway and time (the
  // series come from the roll-ups, replay and retention go by id): their index, which cost every
  // message a second page written, goes.
  `
  CREATE TABLE telemetry_heads (id INTEGER PRIMARY KEY, gateway_id TEXT NOT NULL, bytes BLOB NOT NULL);
  CREATE INDEX telemetry_heads_gateway ON telemetry_heads(gateway_id, id);
  ALTER TABLE telemetry_raw ADD COLUMN head_id INTEGER;
  DROP INDEX telemetry_raw_gateway_ts;
  `,
  // 9: the audit log: append-only, each row's hash an HMAC over its content and the previous row's hash
  // (fleet-server/src/audit). site_id, when the entry concerns one site, scopes what a regulator reads.
  `
  CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
    site_id TEXT, subject TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL
  );
  CREATE INDEX audit_log_site ON audit_log(site_id, seq);
  `,
  // 10: when a gateway got its credentials (issue 15, hole 6): its samples and events from before are
  // refused (it measured nothing the server can vouch for before it had them); NULL for a gateway
  // enrolled before the server kept the time, or registered without credentials. Commands by gateway
  // and time, for checking the user a gateway's event names against the commands the server sent it.
  `
  ALTER TABLE gateways ADD COLUMN enrolled_at INTEGER;
  CREATE INDEX commands_gateway_sent ON commands(gateway_id, sent_at);
  `,
  // 11: issue 15 (gateway takeover): a token minted with `enroll-token --replace GATEWAY` enrols only
  // that gateway, whose credentials it replaces; NULL: a token for a gateway id without credentials
  `ALTER TABLE enroll_tokens ADD COLUMN replaces TEXT;`,
  // 12: issue 15 (backdated commissioning): commissioning records are append-only (triggers refuse UPDATE
  // and DELETE); a correction is a new record naming the one it replaces (once), a regulator's rejection
  // a new row naming the record it cancels (once), with a reason. created_at is when the server recorded
  // either: a report as of a day reads only what was recorded by then.
  `
  ALTER TABLE commissioning ADD COLUMN replaces INTEGER REFERENCES commissioning(id);
  CREATE UNIQUE INDEX commissioning_replaces ON commissioning(replaces) WHERE replaces IS NOT NULL;
  CREATE TABLE commissioning_rejections (
    id INTEGER PRIMARY KEY, record_id INTEGER NOT NULL UNIQUE REFERENCES commissioning(id), by TEXT NOT NULL,
    reason TEXT NOT NULL, created_at INTEGER NOT NULL
  );
  CREATE TRIGGER commissioning_no_update BEFORE UPDATE ON commissioning BEGIN SELECT RAISE(ABORT, 'commissioning records are append-only'); END;
  CREATE TRIGGER commissioning_no_delete BEFORE DELETE ON commissioning BEGIN SELECT RAISE(ABORT, 'commissioning records are append-only'); END;
  CREATE TRIGGER commissioning_rejections_no_update BEFORE UPDATE ON commissioning_rejections BEGIN SELECT RAISE(ABORT, 'commissioning rejections are append-only'); END;
  CREATE TRIGGER commissioning_rejections_no_delete BEFORE DELETE ON commissioning_rejections BEGIN SELECT RAISE(ABORT, 'commissioning rejections are append-only'); END;
  `,  // 13: issue 16 (installer): an enrolment token also enrols by its short code (a person types it off a
  // phone); the hash of the code is kept beside the token's, and using either uses the token
  `
  ALTER TABLE enroll_tokens ADD COLUMN short_code_hash TEXT;
  CREATE UNIQUE INDEX enroll_tokens_short_code ON enroll_tokens(short_code_hash) WHERE short_code_hash IS NOT NULL;
  `,
  // 14: issue 17 (signed commissioning runs): a gateway's Ed25519 public key (base64 SPKI DER), registered
  // at enrolment; the runs the server verified against it, append-only, one per (gateway, run id), with
  // the signed run as canonical JSON (RFC 8785: anyone can verify it again) and per device its result;
  // a commissioning record is 'entered' (POST /api/commissioning) or 'tested' (appended by the server
  // when accepted runs passed every device of a system; run_ids: JSON array); alarms and interlock
  // actions raised during a declared test of their devices are marked as tests
  `
  ALTER TABLE gateways ADD COLUMN signing_key TEXT;
  CREATE TABLE commissioning_runs (
    id INTEGER PRIMARY KEY, site_id TEXT NOT NULL, gateway_id TEXT NOT NULL, run_id TEXT NOT NULL, hash TEXT NOT NULL, key_id TEXT NOT NULL,
    purpose TEXT NOT NULL, result TEXT NOT NULL, technician TEXT NOT NULL, started_at INTEGER NOT NULL, ended_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL, signed TEXT NOT NULL, UNIQUE (gateway_id, run_id)
  );
  CREATE INDEX commissioning_runs_site ON commissioning_runs(site_id, started_at);
  CREATE TABLE commissioning_run_devices (
    run INTEGER NOT NULL REFERENCES commissioning_runs(id), device TEXT NOT NULL, system TEXT, result TEXT NOT NULL
  );
  CREATE INDEX commissioning_run_devices_run ON commissioning_run_devices(run);
  CREATE TRIGGER commissioning_runs_no_update BEFORE UPDATE ON commissioning_runs BEGIN SELECT RAISE(ABORT, 'commissioning runs are append-only'); END;
  CREATE TRIGGER commissioning_runs_no_delete BEFORE DELETE ON commissioning_runs BEGIN SELECT RAISE(ABORT, 'commissioning runs are append-only'); END;
  CREATE TRIGGER commissioning_run_devices_no_update BEFORE UPDATE ON commissioning_run_devices BEGIN SELECT RAISE(ABORT, 'commissioning runs are append-only'); END;
  CREATE TRIGGER commissioning_run_devices_no_delete BEFORE DELETE ON commissioning_run_devices BEGIN SELECT RAISE(ABORT, 'commissioning runs are append-only'); END;
  ALTER TABLE commissioning ADD COLUMN evidence TEXT NOT NULL DEFAULT 'entered';
  ALTER TABLE commissioning ADD COLUMN run_ids TEXT;
  ALTER TABLE alarms ADD COLUMN test INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE interlock_actions ADD COLUMN test INTEGER NOT NULL DEFAULT 0;
  `,
  // 15: issue 17 (periodic tests): a device's profile kind as its gateway's inventory names it, for the
  // rules of recurring tests when the profile is not in the server's library
  `
  ALTER TABLE devices ADD COLUMN kind TEXT;
  `,
]

export const SCHEMA_VERSION = MIGRATIONS.length

/** Bring the database to `target` (default: the latest), one transaction per migration. */
export function migrate(db: Database, target = SCHEMA_VERSION): number {
  let version = db.pragma('user_version', { simple: true }) as number
  if (version > SCHEMA_VERSION) throw new Error(`database schema version ${version} is newer than this server (${SCHEMA_VERSION})`)
  while (version < target) {
    const next = version + 1
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!)
      db.pragma(`user_version = ${next}`)
    })()
    version = next
  }
  return version
}
