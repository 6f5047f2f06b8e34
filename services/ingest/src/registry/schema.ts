import Database from 'better-sqlite3';
import { DEFAULT_INTERVAL_MS } from './device-registry';

/** PRAGMA user_version of devices.sqlite once this schema is in place. */
export const REGISTRY_SCHEMA_VERSION = 1;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS principals (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('device', 'gateway', 'console', 'unit', 'service')),
    status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
    registered_at INTEGER NOT NULL,
    revoked_at INTEGER,
    -- devices only
    gateway_id TEXT,
    interval_ms INTEGER,
    -- scrypt$N$r$p$salt$hash: the parameters travel with each row so they can be raised later
    secret_scrypt TEXT,
    -- the same secret as Mosquitto 2.x's $7$ PBKDF2-SHA512 hash, for export-mosquitto
    secret_mosquitto TEXT,
    secret_issued_at INTEGER
  );
  CREATE TABLE IF NOT EXISTS assignments (
    id INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES principals (id),
    patient_id TEXT NOT NULL,
    from_ms INTEGER NOT NULL,
    to_ms INTEGER,
    CHECK (to_ms IS NULL OR to_ms > from_ms)
  );
  CREATE INDEX IF NOT EXISTS assignments_by_device ON assignments (device_id, from_ms);
  CREATE UNIQUE INDEX IF NOT EXISTS one_open_assignment ON assignments (device_id) WHERE to_ms IS NULL;
`;

/**
 * Creates the schema, or upgrades a file of the first registry (devices: device_id, patient_id,
 * registered_at) in place. An old row becomes an active device without credentials whose
 * assignment covers all device time, which is what the old registry answered for it.
 * One immediate transaction: two processes opening the same file at once migrate it once.
 */
export function migrate(db: Database.Database): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version >= REGISTRY_SCHEMA_VERSION) return;
    db.exec(SCHEMA);
    const legacy = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'devices'`).get();
    if (legacy) {
      db.prepare(
        `INSERT OR IGNORE INTO principals (id, kind, status, registered_at, interval_ms)
         SELECT device_id, 'device', 'active', registered_at, ? FROM devices`,
      ).run(DEFAULT_INTERVAL_MS);
      db.exec(`INSERT INTO assignments (device_id, patient_id, from_ms) SELECT device_id, patient_id, 0 FROM devices`);
      db.exec('DROP TABLE devices');
    }
    db.pragma(`user_version = ${REGISTRY_SCHEMA_VERSION}`);
  }).immediate();
}
