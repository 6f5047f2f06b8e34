import { SqlCache } from '../sql-cache';
import { Spo2Scale } from '../news2';

/** ACVPU as RCP 2017 Chart 1 writes it; stored as the catalogue's ordinal 0..4. */
export type Acvpu = 'A' | 'C' | 'V' | 'P' | 'U';
export const ACVPU: readonly Acvpu[] = ['A', 'C', 'V', 'P', 'U'];

/** What a member of staff observed at one time; only the fields they entered are set. */
export interface Observation {
  readonly id: number;
  readonly patientId: string;
  /** when it was observed, ms */
  readonly observedAt: number;
  /** when the service recorded it (wall clock), ms */
  readonly recordedAt: number;
  readonly observedBy: string;
  readonly consciousness?: Acvpu;
  readonly supplementalOxygen?: boolean;
  readonly spo2Scale?: Spo2Scale;
}

export type NewObservation = Omit<Observation, 'id'>;

interface ObservationRow {
  id: number;
  patient_id: string;
  observed_at: number;
  recorded_at: number;
  observed_by: string;
  consciousness: number | null;
  supplemental_oxygen: number | null;
  spo2_scale: Spo2Scale | null;
}

/** Every staff observation, kept (the current values also live in latest_vitals and patients). */
export class ObservationStore {
  constructor(private readonly cache: SqlCache) {}

  /** The stored observation, and whether it is new: the same (patient, time, observer) twice is one. */
  add(o: NewObservation): { observation: Observation; added: boolean } {
    const result = this.cache
      .sql(
        `INSERT OR IGNORE INTO observations (patient_id, observed_at, recorded_at, observed_by, consciousness, supplemental_oxygen, spo2_scale)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        o.patientId,
        o.observedAt,
        o.recordedAt,
        o.observedBy,
        o.consciousness === undefined ? null : ACVPU.indexOf(o.consciousness),
        o.supplementalOxygen === undefined ? null : o.supplementalOxygen ? 1 : 0,
        o.spo2Scale ?? null,
      );
    const row = this.cache
      .sql('SELECT * FROM observations WHERE patient_id = ? AND observed_at = ? AND observed_by = ?')
      .get(o.patientId, o.observedAt, o.observedBy) as ObservationRow;
    return { observation: toObservation(row), added: result.changes === 1 };
  }

  /** Newest observed first. */
  history(patientId: string, limit: number): Observation[] {
    const rows = this.cache
      .sql('SELECT * FROM observations WHERE patient_id = ? ORDER BY observed_at DESC, id DESC LIMIT ?')
      .all(patientId, limit) as ObservationRow[];
    return rows.map(toObservation);
  }
}

function toObservation(row: ObservationRow): Observation {
  return {
    id: row.id,
    patientId: row.patient_id,
    observedAt: row.observed_at,
    recordedAt: row.recorded_at,
    observedBy: row.observed_by,
    ...(row.consciousness === null ? {} : { consciousness: ACVPU[row.consciousness]! }),
    ...(row.supplemental_oxygen === null ? {} : { supplementalOxygen: row.supplemental_oxygen === 1 }),
    ...(row.spo2_scale === null ? {} : { spo2Scale: row.spo2_scale }),
  };
}
