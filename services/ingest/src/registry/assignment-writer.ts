import Database from 'better-sqlite3';
import { RegistryError } from './errors';

interface OpenRow {
  readonly id: number;
  readonly patient_id: string;
  readonly from_ms: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Device-to-patient assignments as non-overlapping ranges [from, to) of device time, one open at
 * most. A new range may start only where the earlier ones end, so a move never re-labels a
 * reading that belonged to the previous patient. Runs inside the caller's transaction.
 */
export class AssignmentWriter {
  constructor(private readonly db: Database.Database) {}

  /**
   * Closes the open range at `at` and opens one for the patient. Without `at`: now, or for a
   * device's very first assignment its first reading (time 0), as a new device has no readings
   * that belonged to anyone else.
   */
  open(deviceId: string, patientId: string, at?: number): void {
    const open = this.openRow(deviceId);
    const lastEnd = (this.db.prepare('SELECT MAX(to_ms) AS t FROM assignments WHERE device_id = ?').get(deviceId) as { t: number | null }).t;
    const start = at ?? (open || lastEnd !== null ? Date.now() : 0);
    if (open) {
      if (open.patient_id === patientId) return;
      this.end(open, start, 'move');
    }
    if (lastEnd !== null && start < lastEnd) {
      throw new RegistryError(
        'INGEST_E_REGISTRY_TIME_ORDER',
        `device ${deviceId}'s previous assignment ended at ${iso(lastEnd)}: a new one cannot start earlier (give --at ${iso(lastEnd)} or later)`,
      );
    }
    this.db.prepare('INSERT INTO assignments (device_id, patient_id, from_ms) VALUES (?, ?, ?)').run(deviceId, patientId, start);
  }

  /** Ends the open range at `at`; nothing to do when the device has no patient. */
  close(deviceId: string, at: number): void {
    const open = this.openRow(deviceId);
    if (open) this.end(open, at, 'unassign');
  }

  /** A revoked device keeps its history; its open range ends at the revocation (never before it began). */
  closeForRevocation(deviceId: string, at: number): void {
    const open = this.openRow(deviceId);
    if (open) this.db.prepare('UPDATE assignments SET to_ms = ? WHERE id = ?').run(Math.max(at, open.from_ms + 1), open.id);
  }

  private end(open: OpenRow, at: number, what: string): void {
    if (at < open.from_ms) {
      throw new RegistryError(
        'INGEST_E_REGISTRY_TIME_ORDER',
        `the current assignment began at ${iso(open.from_ms)}: ${what} at that time or later (--at ${iso(open.from_ms)})`,
      );
    }
    // A range that would end where it began covered no reading: drop it rather than keep [t, t).
    if (at === open.from_ms) this.db.prepare('DELETE FROM assignments WHERE id = ?').run(open.id);
    else this.db.prepare('UPDATE assignments SET to_ms = ? WHERE id = ?').run(at, open.id);
  }

  private openRow(deviceId: string): OpenRow | undefined {
    return this.db.prepare('SELECT id, patient_id, from_ms FROM assignments WHERE device_id = ? AND to_ms IS NULL').get(deviceId) as OpenRow | undefined;
  }
}
