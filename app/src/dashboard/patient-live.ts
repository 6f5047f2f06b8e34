import { PatientView } from '@pulseproof/alerts';

export type DeviceState = 'online' | 'offline' | 'silent' | 'unknown';

/** The vitals a ward tile shows (NEWS2 Chart 1 rows, with diastolic BP for the reading). */
const TILE_VITALS = ['heart_rate', 'spo2', 'respiratory_rate', 'systolic_bp', 'diastolic_bp', 'temperature', 'consciousness', 'supplemental_oxygen'] as const;

/** One patient as the ward stream sends it: what a tile shows, nothing more. */
export interface PatientLive {
  readonly patientId: string;
  readonly news2: { readonly total: number; readonly band: PatientView['news2']['responseBand']; readonly complete: boolean };
  readonly vitals: Partial<Record<(typeof TILE_VITALS)[number], number>>;
  /** newest measurement time, ms */
  readonly lastMeasuredAt: number | null;
  /** the best state of the patient's devices: one device online keeps the patient monitored */
  readonly device: DeviceState;
}

export interface WardSnapshot {
  readonly ward: { readonly id: string; readonly name: string };
  readonly patients: readonly (PatientLive & { readonly trend: readonly number[] })[];
}

const DEVICE_RANK: Record<DeviceState, number> = { online: 3, silent: 2, offline: 1, unknown: 0 };

export function toPatientLive(view: PatientView, deviceStates: readonly DeviceState[]): PatientLive {
  const vitals: PatientLive['vitals'] = {};
  for (const code of TILE_VITALS) {
    const vital = view.vitals[code];
    if (vital) vitals[code] = vital.value;
  }
  const device = deviceStates.reduce<DeviceState>((best, s) => (DEVICE_RANK[s] > DEVICE_RANK[best] ? s : best), 'unknown');
  return {
    patientId: view.patientId,
    news2: { total: view.news2.total, band: view.news2.responseBand, complete: view.news2.complete },
    vitals,
    lastMeasuredAt: view.lastMeasuredAt ?? null,
    device,
  };
}

/** What makes a tile change: a stream sends a patient again only when this differs. */
export function liveSignature(p: PatientLive): string {
  return `${p.lastMeasuredAt}|${p.news2.total}|${p.news2.band}|${p.device}`;
}
