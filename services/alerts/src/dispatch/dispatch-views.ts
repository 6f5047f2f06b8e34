import { AttemptRecord, DispatchRecord, DispatchStatus, HistoryRecord, LocationSource, PatientLocationRecord, UnitRecord, resolvePosition } from './dispatch-model';

/** What `GET /api/dispatches` returns per dispatch; times in ms since epoch, positions in degrees. */
export interface DispatchView {
  readonly dispatchId: string;
  readonly patientId: string;
  readonly alertId: string;
  readonly status: DispatchStatus;
  readonly unitId: string | null;
  readonly location: { readonly lat: number; readonly lon: number; readonly source: LocationSource };
  readonly news2: { readonly score: number | null; readonly summary: string };
  readonly etaSeconds: number | null;
  readonly distanceMetres: number | null;
  /** while awaiting an acknowledgement: when the next unit is asked */
  readonly ackDeadline: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly closedAt: number | null;
}

/** `GET /api/dispatches/:id`: the dispatch with its route, every offer and its full history. */
export interface DispatchDetailView extends DispatchView {
  readonly route: [number, number][] | null;
  readonly attempts: readonly { unitId: string; offeredAt: number; etaSeconds: number; outcome: string; outcomeAt: number | null }[];
  readonly history: readonly HistoryRecord[];
}

export interface PatientLocationView {
  readonly patientId: string;
  readonly outsideHospital: boolean;
  readonly home: { readonly lat: number; readonly lon: number } | null;
  readonly gps: { readonly lat: number; readonly lon: number; readonly at: number } | null;
  /** where a crew would go now: the newer of the last GPS fix and the home address */
  readonly position: { readonly lat: number; readonly lon: number; readonly source: LocationSource } | null;
  readonly updatedAt: number | null;
}

export interface UnitView {
  readonly unitId: string;
  readonly status: string;
  readonly lat: number;
  readonly lon: number;
  readonly dispatchId: string | null;
  readonly reportedAt: number;
  readonly receivedAt: number;
}

export function toDispatchView(d: DispatchRecord): DispatchView {
  return {
    dispatchId: d.dispatchId,
    patientId: d.patientId,
    alertId: d.alertId,
    status: d.status,
    unitId: d.unitId,
    location: { lat: d.lat, lon: d.lon, source: d.locationSource },
    news2: { score: d.news2Score, summary: d.news2Summary },
    etaSeconds: d.etaSeconds === null ? null : Math.round(d.etaSeconds),
    distanceMetres: d.distanceM === null ? null : Math.round(d.distanceM),
    ackDeadline: d.ackDeadline,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    closedAt: d.closedAt,
  };
}

export function toDispatchDetailView(d: DispatchRecord, attempts: readonly AttemptRecord[], history: readonly HistoryRecord[]): DispatchDetailView {
  return {
    ...toDispatchView(d),
    route: d.route === null ? null : (JSON.parse(d.route) as [number, number][]),
    attempts: attempts.map((a) => ({ unitId: a.unitId, offeredAt: a.offeredAt, etaSeconds: Math.round(a.etaSeconds), outcome: a.outcome, outcomeAt: a.outcomeAt })),
    history,
  };
}

export function toLocationView(l: PatientLocationRecord): PatientLocationView {
  const position = resolvePosition(l);
  return {
    patientId: l.patientId,
    outsideHospital: l.outsideHospital,
    home: l.home,
    gps: l.gps && { lat: l.gps.lat, lon: l.gps.lon, at: l.gps.at },
    position: position ?? null,
    updatedAt: l.setAt,
  };
}

export function toUnitView(u: UnitRecord): UnitView {
  return { ...u };
}

/** A unit on a dispatch of a patient the caller may not see: where it stands could be the patient's home. */
export interface ScopedUnitView {
  readonly unitId: string;
  readonly status: 'busy';
  readonly dispatchId: null;
  readonly reportedAt: number;
  readonly receivedAt: number;
}

/**
 * The unit as the caller may see it: whole unless it holds a dispatch whose patient is outside the
 * caller's wards (or unknown), then without the dispatch and the position.
 */
export function unitViewFor(u: UnitRecord, visible: (patientId: string) => boolean, patientOfDispatch: (dispatchId: string) => string | undefined): UnitView | ScopedUnitView {
  if (u.dispatchId === null) return toUnitView(u);
  const patientId = patientOfDispatch(u.dispatchId);
  if (patientId !== undefined && visible(patientId)) return toUnitView(u);
  return { unitId: u.unitId, status: 'busy', dispatchId: null, reportedAt: u.reportedAt, receivedAt: u.receivedAt };
}
