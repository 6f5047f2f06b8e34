import Database from 'better-sqlite3';
import { openSqlite } from '@pulseproof/bus';

export interface DeviceAssignment {
  readonly deviceId: string;
  readonly patientId: string;
  readonly registeredAt: number;
}

/**
 * Which patient a device's readings belong to. The devices issue adds credentials, gateways and
 * assignments over time ranges; ingest only asks this one question.
 */
export abstract class DeviceRegistry {
  abstract patientFor(deviceId: string): string | undefined;
  abstract assign(deviceId: string, patientId: string): void;
  abstract list(): DeviceAssignment[];
  abstract close(): void;
}

export class SqliteDeviceRegistry extends DeviceRegistry {
  private readonly db: Database.Database;
  // Every message asks; devices change rarely. The cache is replaced on every write.
  private cache = new Map<string, string>();

  constructor(file: string) {
    super();
    this.db = openSqlite(file);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS devices (
        device_id TEXT PRIMARY KEY,
        patient_id TEXT NOT NULL,
        registered_at INTEGER NOT NULL
      );
    `);
    this.reload();
  }

  patientFor(deviceId: string): string | undefined {
    return this.cache.get(deviceId);
  }

  assign(deviceId: string, patientId: string): void {
    this.db
      .prepare(
        `INSERT INTO devices (device_id, patient_id, registered_at) VALUES (?, ?, ?)
         ON CONFLICT (device_id) DO UPDATE SET patient_id = excluded.patient_id, registered_at = excluded.registered_at
         WHERE devices.patient_id <> excluded.patient_id`,
      )
      .run(deviceId, patientId, Date.now());
    this.reload();
  }

  list(): DeviceAssignment[] {
    return (this.db.prepare('SELECT device_id, patient_id, registered_at FROM devices ORDER BY device_id').all() as {
      device_id: string;
      patient_id: string;
      registered_at: number;
    }[]).map((r) => ({ deviceId: r.device_id, patientId: r.patient_id, registeredAt: r.registered_at }));
  }

  close(): void {
    this.db.close();
  }

  private reload(): void {
    this.cache = new Map(this.list().map((a) => [a.deviceId, a.patientId]));
  }
}
