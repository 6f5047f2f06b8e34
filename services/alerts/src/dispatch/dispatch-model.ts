import { LatLon, UnitStatus } from '@pulseproof/contracts';

/**
 * A dispatch's life: `queued` (no unit free yet) or `awaiting_ack` (offered to one unit) until a unit
 * acknowledges; then `dispatched`, `en_route`, `on_scene` as the unit reports, and `completed` when
 * it leaves the scene. `cancelled` by staff at any point before completion.
 */
export const DISPATCH_STATUSES = ['queued', 'awaiting_ack', 'dispatched', 'en_route', 'on_scene', 'completed', 'cancelled'] as const;
export type DispatchStatus = (typeof DISPATCH_STATUSES)[number];

export const CLOSED_STATUSES: readonly DispatchStatus[] = ['completed', 'cancelled'];
/** statuses in which the dispatch holds its unit */
export const HOLDING_STATUSES: readonly DispatchStatus[] = ['awaiting_ack', 'dispatched', 'en_route', 'on_scene'];

/** Order of progress: a unit's report never moves a dispatch backwards. */
export const PROGRESS: Readonly<Record<DispatchStatus, number>> = {
  queued: 0,
  awaiting_ack: 0,
  dispatched: 1,
  en_route: 2,
  on_scene: 3,
  completed: 4,
  cancelled: 5,
};

export type LocationSource = 'gps' | 'home';

export interface UnitRecord {
  readonly unitId: string;
  readonly status: UnitStatus;
  readonly lat: number;
  readonly lon: number;
  readonly dispatchId: string | null;
  readonly reportedAt: number;
  readonly receivedAt: number;
}

export interface PatientLocationRecord {
  readonly patientId: string;
  readonly outsideHospital: boolean;
  readonly home: LatLon | null;
  readonly setAt: number | null;
  /** `at`: device time of the fix; `receivedAt`: ingest's clock */
  readonly gps: (LatLon & { readonly at: number; readonly receivedAt: number }) | null;
}

export interface TriggerAlertRecord {
  readonly patientId: string;
  readonly alertId: string;
  readonly state: string;
  readonly score: number | null;
  readonly summary: string;
  readonly updatedAt: number;
}

export interface DispatchRecord {
  readonly dispatchId: string;
  readonly patientId: string;
  readonly alertId: string;
  readonly status: DispatchStatus;
  readonly unitId: string | null;
  readonly lat: number;
  readonly lon: number;
  readonly locationSource: LocationSource;
  readonly news2Score: number | null;
  readonly news2Summary: string;
  readonly etaSeconds: number | null;
  readonly distanceM: number | null;
  readonly route: string | null;
  readonly orderJson: string | null;
  readonly ackDeadline: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly closedAt: number | null;
}

export type AttemptOutcome = 'pending' | 'acknowledged' | 'timeout' | 'cancelled';

export interface AttemptRecord {
  readonly dispatchId: string;
  readonly attempt: number;
  readonly unitId: string;
  readonly offeredAt: number;
  readonly etaSeconds: number;
  readonly outcome: AttemptOutcome;
  readonly outcomeAt: number | null;
}

export interface HistoryRecord {
  readonly status: DispatchStatus;
  readonly unitId: string | null;
  readonly at: number;
  readonly note: string;
}

/** Where the crew goes: the newest GPS fix when it is newer than what staff set, else the home address. */
export function resolvePosition(location: PatientLocationRecord): (LatLon & { source: LocationSource }) | undefined {
  const { gps, home, setAt } = location;
  if (gps && (!home || setAt === null || gps.receivedAt >= setAt)) return { lat: gps.lat, lon: gps.lon, source: 'gps' };
  if (home) return { ...home, source: 'home' };
  return undefined;
}
