import Database from 'better-sqlite3';
import { openSqlite } from '@pulseproof/bus';
import { Measurements, Reading } from '@pulseproof/contracts';
import { InsertOutcome, ReadingStore, VitalsQuery } from './reading-store';

interface Row {
  device_id: string;
  seq: number;
  patient_id: string;
  device_time: number;
  received_at: number;
  measurements: string;
  salt: string;
}

/** Readings in one SQLite file (WAL): the embedded mode's time-series store. */
export class SqliteReadingStore extends ReadingStore {
  private readonly db: Database.Database;
  private readonly insertRow: Database.Statement;
  private readonly getRow: Database.Statement<[string, number]>;
  private readonly rangeRows: Database.Statement<[string, number, number, number]>;

  constructor(file: string) {
    super();
    this.db = openSqlite(file);
    this.db.exec(`
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
    `);
    this.insertRow = this.db.prepare(
      `INSERT INTO readings (device_id, seq, patient_id, device_time, received_at, measurements, salt)
       VALUES (@deviceId, @seq, @patientId, @deviceTime, @receivedAt, @measurements, @salt)
       ON CONFLICT (device_id, seq) DO NOTHING`,
    );
    this.getRow = this.db.prepare('SELECT * FROM readings WHERE device_id = ? AND seq = ?');
    this.rangeRows = this.db.prepare(
      'SELECT * FROM readings WHERE patient_id = ? AND device_time BETWEEN ? AND ? ORDER BY device_time LIMIT ?',
    );
  }

  insert(reading: Reading): InsertOutcome {
    const measurements = JSON.stringify(reading.measurements);
    const result = this.insertRow.run({ ...reading, measurements });
    if (result.changes === 1) return { kind: 'inserted', reading };
    const stored = this.get(reading.deviceId, reading.seq)!;
    // Same device content means a redelivery; patient mapping and salt are ours, not the device's.
    const sameContent =
      stored.deviceTime === reading.deviceTime && JSON.stringify(stored.measurements) === measurements;
    return sameContent ? { kind: 'duplicate', reading: stored } : { kind: 'conflict' };
  }

  get(deviceId: string, seq: number): Reading | undefined {
    const row = this.getRow.get(deviceId, seq) as Row | undefined;
    return row && toReading(row);
  }

  vitals(query: VitalsQuery): Reading[] {
    return (this.rangeRows.all(query.patientId, query.from, query.to, query.limit) as Row[]).map(toReading);
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM readings').get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}

function toReading(row: Row): Reading {
  return {
    deviceId: row.device_id,
    seq: row.seq,
    patientId: row.patient_id,
    deviceTime: row.device_time,
    receivedAt: row.received_at,
    measurements: JSON.parse(row.measurements) as Measurements,
    salt: row.salt,
  };
}
