import { AlertEvent, MeasurementCode } from '@pulseproof/contracts';
import Database from 'better-sqlite3';
import { openSqlite } from '@pulseproof/bus';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AlertStore } from './lifecycle/alert.store';
import { Spo2Scale } from './news2';
import { ObservationStore } from './observations/observation.store';
import { ALERTS_ADDED_COLUMNS, ALERTS_SCHEMA, ALERTS_SCHEMA_INDEXES } from './patient-state.schema';
import { RuleStore } from './rules/rule.store';
import { SqlCache } from './sql-cache';

export const ALERTS_DB_FILE = 'alerts.sqlite';

/** A patient's most recent value of one measurement code. */
export interface LatestVital {
  readonly patientId: string;
  readonly code: MeasurementCode;
  readonly value: number;
  /** when it was measured (device clock, or the staff's time for an observation), ms */
  readonly deviceTime: number;
  /** the device, absent for a staff observation */
  readonly deviceId?: string;
  readonly seq?: number;
  /** the reading id, or the observation id, it came from */
  readonly sourceId: string;
}

export interface PatientRecord {
  readonly patientId: string;
  readonly firstSeenAt: number;
  /** newest measurement time of any of its readings (device clock), ms */
  readonly lastMeasuredAt: number;
  readonly spo2Scale: Spo2Scale;
}

export interface PendingEvent {
  readonly id: number;
  readonly key: string;
  readonly event: AlertEvent;
}

/**
 * The alerts service's state in one SQLite file: each patient's latest vitals, the alerts, the
 * sources already applied, and alert events not yet on the bus. Synchronous (better-sqlite3): the
 * service wraps one batch of readings in `transaction` so a crash leaves all of it or none.
 *
 * Several alerts processes may share the file (replicas on one host, docs/deploy.md): a patient's
 * partition moves between them on a rebalance, and any of them may serve its HTTP writes. So a
 * transaction is IMMEDIATE (it takes the write lock first: no two processes interleave a patient's
 * read-modify-write, and the processed-sources check sees every earlier commit), and memory kept
 * between transactions is dropped when another process committed since (`PRAGMA data_version`).
 */
export class PatientStateStore {
  private readonly db: Database.Database;
  private readonly cache: SqlCache;
  /** `PRAGMA data_version` when this process last looked: it changes when another connection commits */
  private seenVersion = -1;
  /** the alerts and their history */
  readonly alerts: AlertStore;
  /** per patient rule configuration and rule state */
  readonly rules: RuleStore;
  /** staff observations and their history */
  readonly observations: ObservationStore;

  static open(dataDir: string): PatientStateStore {
    mkdirSync(dataDir, { recursive: true });
    return new PatientStateStore(join(dataDir, ALERTS_DB_FILE));
  }

  constructor(file: string) {
    this.db = openSqlite(file);
    this.db.exec(ALERTS_SCHEMA);
    this.addMissingColumns();
    this.db.exec(ALERTS_SCHEMA_INDEXES);
    this.cache = new SqlCache(this.db);
    this.alerts = new AlertStore(this.cache);
    this.rules = new RuleStore(this.cache);
    this.observations = new ObservationStore(this.cache);
  }

  /** A file made before a column existed gets it here, with its default. */
  private addMissingColumns(): void {
    for (const [table, column, definition] of ALERTS_ADDED_COLUMNS) {
      const columns = this.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
      if (!columns.some((c) => c.name === column)) this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
    }
  }

  private sql(text: string): Database.Statement {
    return this.cache.sql(text);
  }

  transaction<T>(work: () => T): T {
    try {
      return this.db
        .transaction(() => {
          this.forgetIfChangedElsewhere();
          return work();
        })
        .immediate();
    } catch (error) {
      this.rules.forget(); // its memory may hold writes that were rolled back
      throw error;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Inside a transaction that holds the write lock: when another process committed to the file
   * since this one last looked, its rule memory may be stale (a patient it handled before a
   * rebalance, a rule state another process moved on); SQLite is the truth again.
   */
  private forgetIfChangedElsewhere(): void {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (version !== this.seenVersion) {
      if (this.seenVersion !== -1) this.rules.forget();
      this.seenVersion = version;
    }
  }

  /** Records a source as applied; false when it already was (a redelivery). */
  markProcessed(sourceId: string, at: number): boolean {
    return this.sql('INSERT OR IGNORE INTO processed_sources (source_id, processed_at) VALUES (?, ?)').run(sourceId, at).changes === 1;
  }

  pruneProcessed(before: number): number {
    return this.sql('DELETE FROM processed_sources WHERE processed_at < ?').run(before).changes;
  }

  lastProcessedAt(): number | undefined {
    const row = this.sql('SELECT MAX(processed_at) AS at FROM processed_sources').get() as { at: number | null };
    return row.at ?? undefined;
  }

  touchPatient(patientId: string, measuredAt: number, seenAt: number): void {
    this.sql(
        `INSERT INTO patients (patient_id, first_seen_at, last_measured_at) VALUES (?, ?, ?)
         ON CONFLICT (patient_id) DO UPDATE SET last_measured_at = MAX(last_measured_at, excluded.last_measured_at)`,
      )
      .run(patientId, seenAt, measuredAt);
  }

  setSpo2Scale(patientId: string, scale: Spo2Scale, seenAt: number): void {
    this.sql(
        `INSERT INTO patients (patient_id, first_seen_at, last_measured_at, spo2_scale) VALUES (?, ?, 0, ?)
         ON CONFLICT (patient_id) DO UPDATE SET spo2_scale = excluded.spo2_scale`,
      )
      .run(patientId, seenAt, scale);
  }

  patient(patientId: string): PatientRecord | undefined {
    const row = this.sql('SELECT * FROM patients WHERE patient_id = ?').get(patientId) as PatientRow | undefined;
    return row && toPatient(row);
  }

  patients(): PatientRecord[] {
    return (this.sql('SELECT * FROM patients ORDER BY patient_id').all() as PatientRow[]).map(toPatient);
  }

  /**
   * Keeps `vital` when it is newer than what is kept for (patient, code): later device time, or the
   * same time from the same device with a higher seq. A replayed or late reading never overwrites
   * fresher data, and applying the same one twice changes nothing. True when it was kept.
   */
  recordVital(vital: LatestVital): boolean {
    return (
      this.sql(
          `INSERT INTO latest_vitals (patient_id, code, value, device_time, device_id, seq, source_id)
           VALUES (@patientId, @code, @value, @deviceTime, @deviceId, @seq, @sourceId)
           ON CONFLICT (patient_id, code) DO UPDATE SET
             value = excluded.value, device_time = excluded.device_time, device_id = excluded.device_id,
             seq = excluded.seq, source_id = excluded.source_id
           WHERE excluded.device_time > latest_vitals.device_time
              OR (excluded.device_time = latest_vitals.device_time
                  AND excluded.device_id = latest_vitals.device_id AND excluded.seq > latest_vitals.seq)`,
        )
        .run({ ...vital, deviceId: vital.deviceId ?? null, seq: vital.seq ?? null }).changes === 1
    );
  }

  latestVitals(patientId?: string): LatestVital[] {
    const rows = (
      patientId === undefined
        ? this.sql('SELECT * FROM latest_vitals ORDER BY patient_id, code').all()
        : this.sql('SELECT * FROM latest_vitals WHERE patient_id = ? ORDER BY code').all(patientId)
    ) as VitalRow[];
    return rows.map((r) => ({
      patientId: r.patient_id,
      code: r.code as MeasurementCode,
      value: r.value,
      deviceTime: r.device_time,
      ...(r.device_id === null ? {} : { deviceId: r.device_id }),
      ...(r.seq === null ? {} : { seq: r.seq }),
      sourceId: r.source_id,
    }));
  }

  countPatients(): number {
    return (this.sql('SELECT COUNT(*) AS n FROM patients').get() as { n: number }).n;
  }

  /** The device reported for this patient; kept for dead letters, which name only the device. */
  recordDevicePatient(deviceId: string, patientId: string, receivedAt: number): void {
    this.sql(
      `INSERT INTO device_patients (device_id, patient_id, last_received_at) VALUES (?, ?, ?)
       ON CONFLICT (device_id) DO UPDATE SET patient_id = excluded.patient_id, last_received_at = excluded.last_received_at
       WHERE excluded.last_received_at >= device_patients.last_received_at`,
    ).run(deviceId, patientId, receivedAt);
  }

  devicePatient(deviceId: string): { patientId: string; lastReceivedAt: number } | undefined {
    const row = this.sql('SELECT patient_id, last_received_at FROM device_patients WHERE device_id = ?').get(deviceId) as
      | { patient_id: string; last_received_at: number }
      | undefined;
    return row && { patientId: row.patient_id, lastReceivedAt: row.last_received_at };
  }

  enqueueEvent(key: string, event: AlertEvent): void {
    this.sql('INSERT INTO outbox (key, value) VALUES (?, ?)').run(key, JSON.stringify(event));
  }

  /** Oldest first, so a patient's events leave in the order they happened. */
  pendingEvents(limit: number): PendingEvent[] {
    const rows = this.sql('SELECT id, key, value FROM outbox ORDER BY id LIMIT ?').all(limit) as {
      id: number;
      key: string;
      value: string;
    }[];
    return rows.map((r) => ({ id: r.id, key: r.key, event: JSON.parse(r.value) as AlertEvent }));
  }

  deleteEvent(id: number): void {
    this.sql('DELETE FROM outbox WHERE id = ?').run(id);
  }

  countPendingEvents(): number {
    return (this.sql('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;
  }
}

interface PatientRow {
  patient_id: string;
  first_seen_at: number;
  last_measured_at: number;
  spo2_scale: Spo2Scale;
}

interface VitalRow {
  patient_id: string;
  code: string;
  value: number;
  device_time: number;
  device_id: string | null;
  seq: number | null;
  source_id: string;
}

function toPatient(row: PatientRow): PatientRecord {
  return { patientId: row.patient_id, firstSeenAt: row.first_seen_at, lastMeasuredAt: row.last_measured_at, spo2Scale: row.spo2_scale };
}
