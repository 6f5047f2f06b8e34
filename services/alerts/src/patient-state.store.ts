import { AlertEvent, AlertPriority, AlertState, MeasurementCode } from '@pulseproof/contracts';
import Database from 'better-sqlite3';
import { openSqlite } from '@pulseproof/bus';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Spo2Scale } from './news2';
import { ALERTS_SCHEMA } from './patient-state.schema';

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

export interface AlertRecord {
  readonly alertId: string;
  readonly patientId: string;
  readonly type: string;
  readonly priority: AlertPriority;
  readonly state: AlertState;
  readonly summary: string;
  readonly score: number | null;
  /** the parameters that were measured while the alert was active; see news2-alert.policy.ts */
  readonly evidence: readonly string[];
  readonly raisedBy: string;
  readonly updatedBy: string;
  readonly clearedBy: string | null;
  readonly raisedAt: number;
  readonly updatedAt: number;
  readonly clearedAt: number | null;
}

export interface AlertQuery {
  readonly state: AlertState | 'all';
  readonly patientId?: string;
  readonly limit: number;
}

export interface PendingEvent {
  readonly id: number;
  readonly key: string;
  readonly event: AlertEvent;
}

interface AlertRow {
  id: string;
  patient_id: string;
  type: string;
  priority: AlertPriority;
  state: AlertState;
  summary: string;
  score: number | null;
  evidence: string;
  raised_by: string;
  updated_by: string;
  cleared_by: string | null;
  raised_at: number;
  updated_at: number;
  cleared_at: number | null;
}


/**
 * The alerts service's state in one SQLite file: each patient's latest vitals, the alerts, the
 * sources already applied, and alert events not yet on the bus. Synchronous (better-sqlite3): the
 * service wraps one batch of readings in `transaction` so a crash leaves all of it or none.
 */
export class PatientStateStore {
  private readonly db: Database.Database;

  static open(dataDir: string): PatientStateStore {
    mkdirSync(dataDir, { recursive: true });
    return new PatientStateStore(join(dataDir, ALERTS_DB_FILE));
  }

  constructor(file: string) {
    this.db = openSqlite(file);
    this.db.exec(ALERTS_SCHEMA);
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** Prepared once per SQL text: every statement here runs once per reading or more. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  close(): void {
    if (this.db.open) this.db.close();
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
    this.db
      .prepare(
        `INSERT INTO patients (patient_id, first_seen_at, last_measured_at) VALUES (?, ?, ?)
         ON CONFLICT (patient_id) DO UPDATE SET last_measured_at = MAX(last_measured_at, excluded.last_measured_at)`,
      )
      .run(patientId, seenAt, measuredAt);
  }

  setSpo2Scale(patientId: string, scale: Spo2Scale, seenAt: number): void {
    this.db
      .prepare(
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
      this.db
        .prepare(
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

  activeAlert(patientId: string, type: string): AlertRecord | undefined {
    const row = this.sql("SELECT * FROM alerts WHERE patient_id = ? AND type = ? AND state = 'active'").get(patientId, type) as
      | AlertRow
      | undefined;
    return row && toAlert(row);
  }

  alert(alertId: string): AlertRecord | undefined {
    const row = this.sql('SELECT * FROM alerts WHERE id = ?').get(alertId) as AlertRow | undefined;
    return row && toAlert(row);
  }

  /** Newest raised first. */
  listAlerts(query: AlertQuery): AlertRecord[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.state !== 'all') {
      where.push('state = ?');
      params.push(query.state);
    }
    if (query.patientId !== undefined) {
      where.push('patient_id = ?');
      params.push(query.patientId);
    }
    const sql = `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY raised_at DESC, rowid DESC LIMIT ?`;
    return (this.sql(sql).all(...params, query.limit) as AlertRow[]).map(toAlert);
  }

  countActiveAlerts(): number {
    return (this.sql("SELECT COUNT(*) AS n FROM alerts WHERE state = 'active'").get() as { n: number }).n;
  }

  countPatients(): number {
    return (this.sql('SELECT COUNT(*) AS n FROM patients').get() as { n: number }).n;
  }

  /** Writes the whole record; the partial unique index refuses a second active alert. */
  saveAlert(alert: AlertRecord): void {
    this.db
      .prepare(
        `INSERT INTO alerts (id, patient_id, type, priority, state, summary, score, evidence, raised_by, updated_by,
                             cleared_by, raised_at, updated_at, cleared_at)
         VALUES (@alertId, @patientId, @type, @priority, @state, @summary, @score, @evidence, @raisedBy, @updatedBy,
                 @clearedBy, @raisedAt, @updatedAt, @clearedAt)
         ON CONFLICT (id) DO UPDATE SET priority = excluded.priority, state = excluded.state, summary = excluded.summary,
           score = excluded.score, evidence = excluded.evidence, updated_by = excluded.updated_by,
           cleared_by = excluded.cleared_by, updated_at = excluded.updated_at, cleared_at = excluded.cleared_at`,
      )
      .run({ ...alert, evidence: JSON.stringify(alert.evidence) });
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

function toAlert(row: AlertRow): AlertRecord {
  return {
    alertId: row.id,
    patientId: row.patient_id,
    type: row.type,
    priority: row.priority,
    state: row.state,
    summary: row.summary,
    score: row.score,
    evidence: JSON.parse(row.evidence) as string[],
    raisedBy: row.raised_by,
    updatedBy: row.updated_by,
    clearedBy: row.cleared_by,
    raisedAt: row.raised_at,
    updatedAt: row.updated_at,
    clearedAt: row.cleared_at,
  };
}
