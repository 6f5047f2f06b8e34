import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqlite } from '@pulseproof/bus';
import { LatLon } from '@pulseproof/contracts';
import { DISPATCH_SCHEMA } from './dispatch.schema';
import {
  AttemptOutcome,
  AttemptRecord,
  DispatchRecord,
  DispatchStatus,
  HistoryRecord,
  PatientLocationRecord,
  TriggerAlertRecord,
  UnitRecord,
} from './dispatch-model';

export const DISPATCH_DB_FILE = 'dispatch.sqlite';

export interface DispatchQuery {
  /** 'open' (not completed or cancelled), 'closed', or 'all' */
  readonly state: 'open' | 'closed' | 'all';
  readonly patientId?: string;
  readonly limit: number;
}

type Row = Record<string, unknown>;
const CLOSED_SQL = `status IN ('completed', 'cancelled')`;
const HOLDING_SQL = `status IN ('awaiting_ack', 'dispatched', 'en_route', 'on_scene')`;

/** The dispatcher's durable state; synchronous (better-sqlite3), wrapped in `transaction` by the dispatcher. */
export class DispatchStore {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  static open(dataDir: string): DispatchStore {
    mkdirSync(dataDir, { recursive: true });
    return new DispatchStore(join(dataDir, DISPATCH_DB_FILE));
  }

  constructor(file: string) {
    this.db = openSqlite(file);
    this.db.exec(DISPATCH_SCHEMA);
  }

  /** IMMEDIATE: alerts replicas may share the file, and a read-then-write must not interleave with another's (docs/deploy.md). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // units

  /** Keeps the report unless an newer one (unit clock) is already kept; true when kept. */
  saveUnit(unit: UnitRecord): boolean {
    const result = this.sql(
      `INSERT INTO units (unit_id, status, lat, lon, dispatch_id, reported_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (unit_id) DO UPDATE SET status = excluded.status, lat = excluded.lat, lon = excluded.lon,
         dispatch_id = excluded.dispatch_id, reported_at = excluded.reported_at, received_at = excluded.received_at
       WHERE excluded.reported_at >= units.reported_at`,
    ).run(unit.unitId, unit.status, unit.lat, unit.lon, unit.dispatchId, unit.reportedAt, unit.receivedAt);
    return result.changes > 0;
  }

  unit(unitId: string): UnitRecord | undefined {
    const row = this.sql(`SELECT * FROM units WHERE unit_id = ?`).get(unitId) as Row | undefined;
    return row && toUnit(row);
  }

  units(): UnitRecord[] {
    return (this.sql(`SELECT * FROM units ORDER BY unit_id`).all() as Row[]).map(toUnit);
  }

  // patient locations

  location(patientId: string): PatientLocationRecord | undefined {
    const row = this.sql(`SELECT * FROM patient_locations WHERE patient_id = ?`).get(patientId) as Row | undefined;
    return row && toLocation(row);
  }

  setLocation(patientId: string, outsideHospital: boolean, home: LatLon | null, at: number): void {
    this.sql(
      `INSERT INTO patient_locations (patient_id, outside_hospital, home_lat, home_lon, set_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (patient_id) DO UPDATE SET outside_hospital = excluded.outside_hospital,
         home_lat = excluded.home_lat, home_lon = excluded.home_lon, set_at = excluded.set_at`,
    ).run(patientId, outsideHospital ? 1 : 0, home?.lat ?? null, home?.lon ?? null, at);
  }

  /** Keeps the fix when it is the patient's newest (device time); a redelivered reading changes nothing. */
  recordGps(patientId: string, position: LatLon, at: number, receivedAt: number): void {
    this.sql(
      `INSERT INTO patient_locations (patient_id, gps_lat, gps_lon, gps_at, gps_received_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (patient_id) DO UPDATE SET gps_lat = excluded.gps_lat, gps_lon = excluded.gps_lon,
         gps_at = excluded.gps_at, gps_received_at = excluded.gps_received_at
       WHERE patient_locations.gps_at IS NULL OR excluded.gps_at > patient_locations.gps_at`,
    ).run(patientId, position.lat, position.lon, at, receivedAt);
  }

  // trigger alerts

  saveTriggerAlert(alert: TriggerAlertRecord): void {
    this.sql(
      `INSERT INTO trigger_alerts (patient_id, alert_id, state, score, summary, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (patient_id) DO UPDATE SET alert_id = excluded.alert_id, state = excluded.state, score = excluded.score,
         summary = excluded.summary, updated_at = excluded.updated_at
       WHERE excluded.updated_at >= trigger_alerts.updated_at`,
    ).run(alert.patientId, alert.alertId, alert.state, alert.score, alert.summary, alert.updatedAt);
  }

  triggerAlert(patientId: string): TriggerAlertRecord | undefined {
    const row = this.sql(`SELECT * FROM trigger_alerts WHERE patient_id = ?`).get(patientId) as Row | undefined;
    return (
      row && {
        patientId: row.patient_id as string,
        alertId: row.alert_id as string,
        state: row.state as string,
        score: row.score as number | null,
        summary: row.summary as string,
        updatedAt: row.updated_at as number,
      }
    );
  }

  // dispatches

  insertDispatch(d: DispatchRecord): void {
    this.sql(
      `INSERT INTO dispatches (dispatch_id, patient_id, alert_id, status, unit_id, lat, lon, location_source, news2_score,
         news2_summary, eta_seconds, distance_m, route, order_json, ack_deadline, created_at, updated_at, closed_at)
       VALUES (@dispatchId, @patientId, @alertId, @status, @unitId, @lat, @lon, @locationSource, @news2Score,
         @news2Summary, @etaSeconds, @distanceM, @route, @orderJson, @ackDeadline, @createdAt, @updatedAt, @closedAt)`,
    ).run(d);
  }

  updateDispatch(d: DispatchRecord): void {
    this.sql(
      `UPDATE dispatches SET status = @status, unit_id = @unitId, eta_seconds = @etaSeconds, distance_m = @distanceM,
         route = @route, order_json = @orderJson, ack_deadline = @ackDeadline, updated_at = @updatedAt, closed_at = @closedAt
       WHERE dispatch_id = @dispatchId`,
    ).run(d);
  }

  dispatch(dispatchId: string): DispatchRecord | undefined {
    const row = this.sql(`SELECT * FROM dispatches WHERE dispatch_id = ?`).get(dispatchId) as Row | undefined;
    return row && toDispatch(row);
  }

  dispatchForAlert(alertId: string): DispatchRecord | undefined {
    const row = this.sql(`SELECT * FROM dispatches WHERE alert_id = ?`).get(alertId) as Row | undefined;
    return row && toDispatch(row);
  }

  openDispatchFor(patientId: string): DispatchRecord | undefined {
    const row = this.sql(`SELECT * FROM dispatches WHERE patient_id = ? AND NOT ${CLOSED_SQL}`).get(patientId) as Row | undefined;
    return row && toDispatch(row);
  }

  /** the open dispatch that holds the unit, if any */
  holdingDispatch(unitId: string): DispatchRecord | undefined {
    const row = this.sql(`SELECT * FROM dispatches WHERE unit_id = ? AND ${HOLDING_SQL} ORDER BY created_at DESC LIMIT 1`).get(unitId) as Row | undefined;
    return row && toDispatch(row);
  }

  /** unit ids held by an open dispatch (offered, acknowledged, driving or on scene) */
  heldUnits(): Set<string> {
    const rows = this.sql(`SELECT unit_id FROM dispatches WHERE ${HOLDING_SQL} AND unit_id IS NOT NULL`).all() as Row[];
    return new Set(rows.map((r) => r.unit_id as string));
  }

  withStatus(status: DispatchStatus): DispatchRecord[] {
    return (this.sql(`SELECT * FROM dispatches WHERE status = ? ORDER BY created_at, dispatch_id`).all(status) as Row[]).map(toDispatch);
  }

  listDispatches(query: DispatchQuery): DispatchRecord[] {
    const where = [query.state === 'open' ? `NOT ${CLOSED_SQL}` : query.state === 'closed' ? CLOSED_SQL : '1 = 1'];
    const params: unknown[] = [];
    if (query.patientId !== undefined) {
      where.push('patient_id = ?');
      params.push(query.patientId);
    }
    params.push(query.limit);
    const sql = `SELECT * FROM dispatches WHERE ${where.join(' AND ')} ORDER BY created_at DESC, dispatch_id LIMIT ?`;
    return (this.sql(sql).all(...params) as Row[]).map(toDispatch);
  }

  countOpen(): number {
    return (this.sql(`SELECT COUNT(*) AS n FROM dispatches WHERE NOT ${CLOSED_SQL}`).get() as Row).n as number;
  }

  // attempts and history

  addAttempt(dispatchId: string, unitId: string, offeredAt: number, etaSeconds: number): number {
    const row = this.sql(`SELECT COALESCE(MAX(attempt), 0) + 1 AS next FROM dispatch_attempts WHERE dispatch_id = ?`).get(dispatchId) as Row;
    const attempt = row.next as number;
    this.sql(
      `INSERT INTO dispatch_attempts (dispatch_id, attempt, unit_id, offered_at, eta_seconds, outcome) VALUES (?, ?, ?, ?, ?, 'pending')`,
    ).run(dispatchId, attempt, unitId, offeredAt, etaSeconds);
    return attempt;
  }

  /** Settles the pending attempt of the dispatch, if any. */
  settlePendingAttempt(dispatchId: string, outcome: Exclude<AttemptOutcome, 'pending'>, at: number): void {
    this.sql(`UPDATE dispatch_attempts SET outcome = ?, outcome_at = ? WHERE dispatch_id = ? AND outcome = 'pending'`).run(outcome, at, dispatchId);
  }

  attempts(dispatchId: string): AttemptRecord[] {
    return (this.sql(`SELECT * FROM dispatch_attempts WHERE dispatch_id = ? ORDER BY attempt`).all(dispatchId) as Row[]).map((r) => ({
      dispatchId: r.dispatch_id as string,
      attempt: r.attempt as number,
      unitId: r.unit_id as string,
      offeredAt: r.offered_at as number,
      etaSeconds: r.eta_seconds as number,
      outcome: r.outcome as AttemptOutcome,
      outcomeAt: r.outcome_at as number | null,
    }));
  }

  addHistory(dispatchId: string, status: DispatchStatus, unitId: string | null, at: number, note: string): void {
    this.sql(`INSERT INTO dispatch_history (dispatch_id, status, unit_id, at, note) VALUES (?, ?, ?, ?, ?)`).run(dispatchId, status, unitId, at, note);
  }

  history(dispatchId: string): HistoryRecord[] {
    return (this.sql(`SELECT * FROM dispatch_history WHERE dispatch_id = ? ORDER BY id`).all(dispatchId) as Row[]).map((r) => ({
      status: r.status as DispatchStatus,
      unitId: r.unit_id as string | null,
      at: r.at as number,
      note: r.note as string,
    }));
  }

  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }
}

function toUnit(r: Row): UnitRecord {
  return {
    unitId: r.unit_id as string,
    status: r.status as UnitRecord['status'],
    lat: r.lat as number,
    lon: r.lon as number,
    dispatchId: r.dispatch_id as string | null,
    reportedAt: r.reported_at as number,
    receivedAt: r.received_at as number,
  };
}

function toLocation(r: Row): PatientLocationRecord {
  return {
    patientId: r.patient_id as string,
    outsideHospital: r.outside_hospital === 1,
    home: r.home_lat === null ? null : { lat: r.home_lat as number, lon: r.home_lon as number },
    setAt: r.set_at as number | null,
    gps: r.gps_lat === null ? null : { lat: r.gps_lat as number, lon: r.gps_lon as number, at: r.gps_at as number, receivedAt: r.gps_received_at as number },
  };
}

function toDispatch(r: Row): DispatchRecord {
  return {
    dispatchId: r.dispatch_id as string,
    patientId: r.patient_id as string,
    alertId: r.alert_id as string,
    status: r.status as DispatchStatus,
    unitId: r.unit_id as string | null,
    lat: r.lat as number,
    lon: r.lon as number,
    locationSource: r.location_source as DispatchRecord['locationSource'],
    news2Score: r.news2_score as number | null,
    news2Summary: r.news2_summary as string,
    etaSeconds: r.eta_seconds as number | null,
    distanceM: r.distance_m as number | null,
    route: r.route as string | null,
    orderJson: r.order_json as string | null,
    ackDeadline: r.ack_deadline as number | null,
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
    closedAt: r.closed_at as number | null,
  };
}
