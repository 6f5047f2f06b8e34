import Database from 'better-sqlite3';
import { Assignment, DeviceRecord, Principal, PrincipalKind, PrincipalRecord } from './device-registry';

/** A `principals` row as stored. */
export interface PrincipalRow {
  readonly id: string;
  readonly kind: PrincipalKind;
  readonly status: 'active' | 'revoked';
  readonly registered_at: number;
  readonly revoked_at: number | null;
  readonly gateway_id: string | null;
  readonly interval_ms: number | null;
  readonly secret_scrypt: string | null;
  readonly secret_mosquitto: string | null;
}

interface AssignmentRow {
  readonly device_id: string;
  readonly patient_id: string;
  readonly from_ms: number;
  readonly to_ms: number | null;
}

export interface Entry {
  readonly row: PrincipalRow;
  /** by `from`, ascending; ranges never overlap */
  readonly assignments: readonly Assignment[];
}

const toAssignment = (r: AssignmentRow): Assignment => ({
  deviceId: r.device_id,
  patientId: r.patient_id,
  from: r.from_ms,
  ...(r.to_ms !== null && { to: r.to_ms }),
});

/**
 * The whole registry in memory, for the synchronous hot path (every reading asks which patient).
 * Replaced entry by entry after our own writes, wholesale when another process wrote the file.
 */
export class RegistrySnapshot {
  private constructor(private readonly entries: Map<string, Entry>) {}

  static load(db: Database.Database): RegistrySnapshot {
    const rows = db.prepare('SELECT * FROM principals').all() as PrincipalRow[];
    const byDevice = new Map<string, Assignment[]>();
    for (const a of db.prepare('SELECT * FROM assignments ORDER BY device_id, from_ms, id').all() as AssignmentRow[]) {
      const list = byDevice.get(a.device_id) ?? [];
      list.push(toAssignment(a));
      byDevice.set(a.device_id, list);
    }
    return new RegistrySnapshot(new Map(rows.map((row) => [row.id, { row, assignments: byDevice.get(row.id) ?? [] }])));
  }

  /** Re-reads one id after our own write (in place: a fleet of thousands registers one by one). */
  reloadEntry(db: Database.Database, id: string): void {
    const row = db.prepare('SELECT * FROM principals WHERE id = ?').get(id) as PrincipalRow | undefined;
    if (!row) {
      this.entries.delete(id);
      return;
    }
    const assignments = (db.prepare('SELECT * FROM assignments WHERE device_id = ? ORDER BY from_ms, id').all(id) as AssignmentRow[]).map(toAssignment);
    this.entries.set(id, { row, assignments });
  }

  entry(id: string): Entry | undefined {
    return this.entries.get(id);
  }

  rows(): PrincipalRow[] {
    return [...this.entries.values()].map((e) => e.row);
  }

  active(id: string, kind?: PrincipalKind): PrincipalRow | undefined {
    const row = this.entries.get(id)?.row;
    return row && row.status === 'active' && (kind === undefined || row.kind === kind) ? row : undefined;
  }

  patientFor(deviceId: string, at: number): string | undefined {
    const entry = this.entries.get(deviceId);
    if (!entry || entry.row.kind !== 'device' || entry.row.status !== 'active') return undefined;
    const list = entry.assignments;
    for (let i = list.length - 1; i >= 0; i -= 1) {
      const a = list[i]!;
      if (a.from <= at) return a.to === undefined || at < a.to ? a.patientId : undefined;
    }
    return undefined;
  }

  mayPublishFor(principal: Principal, deviceId: string): boolean {
    const device = this.active(deviceId, 'device');
    if (!device) return false;
    if (principal.kind === 'device') return principal.id === deviceId;
    if (principal.kind === 'gateway') return device.gateway_id === principal.id && this.active(principal.id, 'gateway') !== undefined;
    return false;
  }

  device(deviceId: string): DeviceRecord | undefined {
    const entry = this.entries.get(deviceId);
    if (!entry || entry.row.kind !== 'device') return undefined;
    const { row, assignments } = entry;
    const open = assignments.at(-1);
    return {
      deviceId: row.id,
      status: row.status,
      ...(row.gateway_id !== null && { gatewayId: row.gateway_id }),
      intervalMs: row.interval_ms ?? 60_000,
      ...(open && open.to === undefined && { patientId: open.patientId }),
      registeredAt: row.registered_at,
      ...(row.revoked_at !== null && { revokedAt: row.revoked_at }),
      hasCredentials: row.secret_scrypt !== null,
    };
  }

  principal(id: string): PrincipalRecord | undefined {
    const row = this.entries.get(id)?.row;
    if (!row) return undefined;
    return {
      kind: row.kind,
      id: row.id,
      status: row.status,
      registeredAt: row.registered_at,
      ...(row.revoked_at !== null && { revokedAt: row.revoked_at }),
      hasCredentials: row.secret_scrypt !== null,
    };
  }

  devices(): DeviceRecord[] {
    return [...this.entries.keys()].sort().flatMap((id) => this.device(id) ?? []);
  }

  principals(): PrincipalRecord[] {
    return [...this.entries.keys()].sort().map((id) => this.principal(id)!);
  }

  /** Principals active here and revoked in `next`: what another process revoked. */
  revokedIn(next: RegistrySnapshot): Principal[] {
    const revoked: Principal[] = [];
    for (const [id, { row }] of next.entries) {
      if (row.status === 'revoked' && this.entries.get(id)?.row.status === 'active') revoked.push({ kind: row.kind, id });
    }
    return revoked;
  }
}
