import Database from 'better-sqlite3';
import fs from 'node:fs';
import { Measurements, Reading } from '@pulseproof/contracts';
import { AnchorError } from '../errors';

/**
 * The readings store as an auditor sees it: read-only, by key and by device-time range. The range
 * audit depends on this port only, so another store (InfluxDB, with the ingest adapter that writes
 * it) plugs in without touching the audit.
 */
export interface StoredReadings {
  get(deviceId: string, seq: number): Reading | undefined;
  /** every stored reading whose device time is in [from, to] (ms since epoch), in any order */
  inRange(from: number, to: number): Iterable<Reading>;
  close(): void;
}

interface Row {
  device_id: string;
  seq: number;
  patient_id: string;
  device_time: number;
  received_at: number;
  measurements: string;
  salt: string;
}

/**
 * Ingest's SQLite file (`readings` table, see services/ingest/src/adapters/sqlite-reading-store.ts),
 * opened read-only: the audit never writes to the evidence it checks. The table is read directly
 * because the anchor service does not depend on ingest's code, only on its stored schema.
 */
export class SqliteStoredReadings implements StoredReadings {
  private readonly db: Database.Database;
  private readonly byKey: Database.Statement<[string, number]>;
  private readonly byTime: Database.Statement<[number, number]>;

  constructor(file: string) {
    if (!fs.existsSync(file)) throw new AnchorError('ANCHOR_E_STORE_MISSING', `${file} not found: pass the DATA_DIR the pipeline ran with`);
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.byKey = this.db.prepare('SELECT * FROM readings WHERE device_id = ? AND seq = ?');
    this.byTime = this.db.prepare('SELECT * FROM readings WHERE device_time BETWEEN ? AND ?');
  }

  get(deviceId: string, seq: number): Reading | undefined {
    const row = this.byKey.get(deviceId, seq) as Row | undefined;
    return row && toReading(row);
  }

  *inRange(from: number, to: number): Iterable<Reading> {
    for (const row of this.byTime.iterate(from, to) as Iterable<Row>) yield toReading(row);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function toReading(row: Row): Reading {
  let measurements: Measurements;
  try {
    measurements = JSON.parse(row.measurements) as Measurements;
  } catch {
    // a row edited into invalid JSON still has to be reported as altered, not crash the audit
    measurements = {};
  }
  return {
    deviceId: row.device_id,
    seq: row.seq,
    patientId: row.patient_id,
    deviceTime: row.device_time,
    receivedAt: row.received_at,
    measurements,
    salt: row.salt,
  };
}
