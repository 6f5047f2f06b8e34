import type Database from 'better-sqlite3';
import { AccessError } from './access-errors';
import { parsePatientIdInput, parseWardId } from './access-input';

export interface WardView {
  readonly id: string;
  readonly name: string;
  readonly patients: number;
}

export interface PatientWardView {
  readonly patientId: string;
  readonly wardId: string;
  readonly assignedAt: string;
  readonly assignedBy: string;
}

/**
 * Wards and which ward each patient is in (one at a time). The patient → ward map is read on
 * every scoped request, so it is cached in memory and replaced whenever it changes here; another
 * process changing it (the CLI, or another service process sharing ACCESS_DB_FILE) is seen
 * within `refreshMs`. Everything else is read from the database on each call.
 */
export class WardStore {
  private cache: Map<string, string> | undefined;
  private cachedAt = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly refreshMs = 2_000,
    private readonly now: () => number = Date.now,
  ) {}

  add(input: { id: unknown; name?: unknown }): WardView {
    const id = parseWardId(input.id);
    const name = input.name === undefined ? id : input.name;
    if (typeof name !== 'string' || name.trim() === '' || name.length > 200) throw new AccessError('ACCESS_E_INVALID', 'ward name must be 1-200 characters');
    const inserted = this.db.prepare('INSERT OR IGNORE INTO wards (id, name, created_at) VALUES (?, ?, ?)').run(id, name.trim(), Date.now()).changes;
    if (!inserted) throw new AccessError('ACCESS_E_EXISTS', `ward ${id} already exists`);
    return this.get(id);
  }

  get(id: string): WardView {
    const row = this.db
      .prepare('SELECT w.id, w.name, (SELECT COUNT(*) FROM patient_wards p WHERE p.ward_id = w.id) AS patients FROM wards w WHERE w.id = ?')
      .get(id) as WardView | undefined;
    if (!row) throw new AccessError('ACCESS_E_NOT_FOUND', `no ward ${id}: list them with \`pulseproof wards list\``);
    return row;
  }

  exists(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM wards WHERE id = ?').get(id) !== undefined;
  }

  list(): WardView[] {
    return this.db
      .prepare('SELECT w.id, w.name, (SELECT COUNT(*) FROM patient_wards p WHERE p.ward_id = w.id) AS patients FROM wards w ORDER BY w.id')
      .all() as WardView[];
  }

  /** Moves the patient to `wardId` (a patient is in one ward at a time). */
  assignPatient(patientId: unknown, wardId: unknown, by: string): PatientWardView {
    const patient = parsePatientIdInput(patientId);
    const ward = parseWardId(wardId);
    if (!this.exists(ward)) throw new AccessError('ACCESS_E_NOT_FOUND', `no ward ${ward}: add it first (POST /api/wards or \`pulseproof wards add\`)`);
    this.db
      .prepare(
        `INSERT INTO patient_wards (patient_id, ward_id, assigned_at, assigned_by) VALUES (?, ?, ?, ?)
         ON CONFLICT (patient_id) DO UPDATE SET ward_id = excluded.ward_id, assigned_at = excluded.assigned_at, assigned_by = excluded.assigned_by`,
      )
      .run(patient, ward, Date.now(), by);
    this.cache = undefined;
    return this.placement(patient)!;
  }

  /** Places patients that have no ward yet; leaves the others where an admin put them. */
  placeUnassigned(patientIds: readonly string[], wardId: string, by: string): number {
    const insert = this.db.prepare('INSERT OR IGNORE INTO patient_wards (patient_id, ward_id, assigned_at, assigned_by) VALUES (?, ?, ?, ?)');
    const now = Date.now();
    const placed = this.db.transaction(() => patientIds.reduce((n, id) => n + insert.run(id, wardId, now, by).changes, 0))();
    this.cache = undefined;
    return placed;
  }

  placement(patientId: string): PatientWardView | undefined {
    const row = this.db.prepare('SELECT patient_id, ward_id, assigned_at, assigned_by FROM patient_wards WHERE patient_id = ?').get(patientId) as
      | { patient_id: string; ward_id: string; assigned_at: number; assigned_by: string }
      | undefined;
    return row && { patientId: row.patient_id, wardId: row.ward_id, assignedAt: new Date(row.assigned_at).toISOString(), assignedBy: row.assigned_by };
  }

  patientsOf(wardId: string): PatientWardView[] {
    this.get(wardId);
    return (this.db.prepare('SELECT patient_id FROM patient_wards WHERE ward_id = ? ORDER BY patient_id').all(wardId) as { patient_id: string }[]).map(
      (r) => this.placement(r.patient_id)!,
    );
  }

  /** The ward of a patient, from the cache: called on every ward-scoped request. */
  wardOf(patientId: string): string | undefined {
    const now = this.now();
    if (!this.cache || now - this.cachedAt >= this.refreshMs) {
      const rows = this.db.prepare('SELECT patient_id, ward_id FROM patient_wards').all() as { patient_id: string; ward_id: string }[];
      this.cache = new Map(rows.map((r) => [r.patient_id, r.ward_id]));
      this.cachedAt = now;
    }
    return this.cache.get(patientId);
  }
}
