import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import { openSqlite } from '@pulseproof/bus';

/** The file under the data dir holding users, wards, sessions and the access log (unless ACCESS_DB_FILE names another). */
export const ACCESS_DB_FILE = 'access.sqlite';

/** `<dataDir>/access.sqlite` */
export function openAccessDb(dataDir: string): Database.Database {
  return openAccessDbFile(join(dataDir, ACCESS_DB_FILE));
}

/**
 * One schema for the access stores. Passwords and session tokens are stored only as hashes
 * (scrypt for passwords, SHA-256 for 256-bit random tokens, which need no stretching).
 * Several processes may open the same file (WAL with busy_timeout; sqlite.org/wal.html: all on
 * one host, never over a network filesystem): every store reads it per request except the
 * ward cache, which re-reads within 2 s (WardStore).
 */
export function openAccessDbFile(file: string): Database.Database {
  mkdirSync(dirname(file), { recursive: true });
  const db = openSqlite(file);
  db.pragma('foreign_keys = ON');
  db.exec(`
    CREATE TABLE IF NOT EXISTS users (
      username TEXT PRIMARY KEY,
      role TEXT NOT NULL CHECK (role IN ('clinician', 'auditor', 'admin')),
      password_scrypt TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      password_changed_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS wards (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS user_wards (
      username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
      ward_id TEXT NOT NULL REFERENCES wards(id),
      PRIMARY KEY (username, ward_id)
    );
    -- a patient is in one ward at a time: the primary key says so
    CREATE TABLE IF NOT EXISTS patient_wards (
      patient_id TEXT PRIMARY KEY,
      ward_id TEXT NOT NULL REFERENCES wards(id),
      assigned_at INTEGER NOT NULL,
      assigned_by TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS patient_wards_ward ON patient_wards(ward_id);
    CREATE TABLE IF NOT EXISTS sessions (
      token_sha256 BLOB PRIMARY KEY,
      username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
      created_at INTEGER NOT NULL,
      last_seen_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS access_log (
      id INTEGER PRIMARY KEY,
      at INTEGER NOT NULL,
      username TEXT NOT NULL,
      role TEXT NOT NULL,
      method TEXT NOT NULL,
      route TEXT NOT NULL,
      patient_id TEXT,
      outcome TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS access_log_at ON access_log(at);
    CREATE INDEX IF NOT EXISTS access_log_patient ON access_log(patient_id, at);
    CREATE INDEX IF NOT EXISTS access_log_user ON access_log(username, at);
  `);
  return db;
}
