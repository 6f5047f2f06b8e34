import Database from 'better-sqlite3';
import { BACKFILL_MINUTE_VALUES } from './sqlite-history';

/**
 * The readings file's schema. `readings` is also read directly, read-only, by the anchor service's
 * range audit (services/anchor/src/audit/stored-readings.ts): its columns may grow, never change.
 *
 * Indexes, one per query that needs it:
 * - PRIMARY KEY (device_id, seq): idempotent insert and `get`;
 * - readings_patient_time: `vitals` and `history` (a patient's range by device time);
 * - readings_time: retention pruning and the range audit (everyone's readings in a time range);
 * - latest_values, one row per (patient, measurement), kept in the insert's transaction: `latest`
 *   without scanning a patient's history;
 * - minute_values, min/max/sum/count per (patient, measurement, minute), kept the same way: `history`
 *   in whole minutes without reading every reading (sqlite-history.ts).
 */
export function migrateReadings(db: Database.Database): void {
  const has = (table: string) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
  const hadLatest = has('latest_values');
  const hadMinutes = has('minute_values');
  db.exec(`
    CREATE TABLE IF NOT EXISTS readings (
      device_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      patient_id TEXT NOT NULL,
      device_time INTEGER NOT NULL,
      received_at INTEGER NOT NULL,
      measurements TEXT NOT NULL,
      salt TEXT NOT NULL,
      PRIMARY KEY (device_id, seq)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS readings_patient_time ON readings (patient_id, device_time);
    CREATE INDEX IF NOT EXISTS readings_time ON readings (device_time);
    CREATE TABLE IF NOT EXISTS latest_values (
      patient_id TEXT NOT NULL,
      code TEXT NOT NULL,
      device_time INTEGER NOT NULL,
      value REAL NOT NULL,
      device_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      PRIMARY KEY (patient_id, code)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS minute_values (
      patient_id TEXT NOT NULL,
      code TEXT NOT NULL,
      minute INTEGER NOT NULL,
      min REAL NOT NULL,
      max REAL NOT NULL,
      sum REAL NOT NULL,
      count INTEGER NOT NULL,
      PRIMARY KEY (patient_id, code, minute)
    ) WITHOUT ROWID;
  `);
  const columns = db.prepare('PRAGMA table_info(readings)').all() as { name: string }[];
  if (!columns.some((c) => c.name === 'late')) db.exec('ALTER TABLE readings ADD COLUMN late INTEGER NOT NULL DEFAULT 0');
  // A file written before these tables existed: derive them once from the readings.
  if (!hadMinutes) db.exec(BACKFILL_MINUTE_VALUES);
  if (!hadLatest) {
    db.exec(`
      INSERT INTO latest_values (patient_id, code, device_time, value, device_id, seq)
      SELECT r.patient_id, j.key, r.device_time, j.value, r.device_id, r.seq
      FROM readings AS r, json_each(r.measurements) AS j WHERE true
      ON CONFLICT (patient_id, code) DO UPDATE SET ${LATEST_UPDATE}
    `);
  }
}

/** Newer device time wins; on a tie the higher seq, so replays in any order end the same. */
export const LATEST_UPDATE = `
  device_time = excluded.device_time, value = excluded.value, device_id = excluded.device_id, seq = excluded.seq
  WHERE excluded.device_time > latest_values.device_time
     OR (excluded.device_time = latest_values.device_time AND excluded.seq > latest_values.seq)`;
