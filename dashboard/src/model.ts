/** What the dashboard receives from the server, as the browser sees it. */
export type ResponseBand = 'none' | 'incomplete' | 'low' | 'low-medium' | 'medium' | 'high';
export type DeviceState = 'online' | 'offline' | 'silent' | 'unknown';
export type Role = 'clinician' | 'auditor' | 'admin';

export interface User {
  readonly username: string;
  readonly role: Role;
  readonly wards: readonly string[];
}

/** One patient on the ward stream (`GET /api/wards/:id/live`, `.../snapshot`). */
export interface PatientLive {
  readonly patientId: string;
  readonly news2: { readonly total: number; readonly band: ResponseBand; readonly complete: boolean };
  readonly vitals: Partial<Record<VitalCode, number>>;
  readonly lastMeasuredAt: number | null;
  readonly device: DeviceState;
}

export interface WardSnapshot {
  readonly ward: { readonly id: string; readonly name: string };
  readonly patients: readonly PatientLive[];
}

export const VITAL_CODES = ['heart_rate', 'spo2', 'respiratory_rate', 'systolic_bp', 'diastolic_bp', 'temperature', 'consciousness', 'supplemental_oxygen'] as const;
export type VitalCode = (typeof VITAL_CODES)[number];

export interface AlertView {
  readonly alertId: string;
  readonly patientId: string;
  readonly type: string;
  readonly kind: 'physiological' | 'technical';
  readonly priority: 'high' | 'medium' | 'low';
  readonly state: 'active' | 'cleared';
  readonly status: string;
  readonly summary: string;
  readonly score: number | null;
  readonly raisedAt: number;
  readonly updatedAt: number;
  readonly acknowledgedBy: string | null;
  readonly acknowledgedAt: number | null;
  readonly escalationLevel: number;
}

/** NEWS2 response bands (RCP NEWS2 2017, chart 4 "clinical response"), as words a ward uses. */
export const BAND_LABEL: Record<ResponseBand, string> = {
  none: 'no score',
  incomplete: 'incomplete',
  low: 'low',
  'low-medium': 'low-medium (a single 3)',
  medium: 'medium: urgent review',
  high: 'high: emergency response',
};

const BAND_RANK: Record<ResponseBand, number> = { none: 0, incomplete: 1, low: 2, 'low-medium': 3, medium: 4, high: 5 };

/** The ward's order: highest NEWS2 first, a red single score before an equal total, then by id (stable). */
export function byUrgency(a: PatientLive, b: PatientLive): number {
  return b.news2.total - a.news2.total || BAND_RANK[b.news2.band] - BAND_RANK[a.news2.band] || (a.patientId < b.patientId ? -1 : a.patientId > b.patientId ? 1 : 0);
}
