import { DispatchCancel, DispatchOrder, Route, UNIT_WIRE_VERSION, UnitStatusMessage } from '@pulseproof/contracts';
import { DispatchRecord, DispatchStatus } from './dispatch-model';

/**
 * What goes to a crew (contracts units.ts, version 1): the dispatch id, where to go, the NEWS2 score
 * and its summary, the route and the ETA. Never the patient id: a crew needs a place, not a record.
 */
export function dispatchOrder(d: DispatchRecord, unitId: string, route: Route, issuedAt: number, ackWithinMs: number): DispatchOrder {
  return {
    v: UNIT_WIRE_VERSION,
    type: 'dispatch',
    dispatchId: d.dispatchId,
    unitId,
    issuedAt,
    ackWithinMs,
    location: { lat: d.lat, lon: d.lon },
    news2: { ...(d.news2Score !== null ? { score: d.news2Score } : {}), summary: d.news2Summary.slice(0, 200) },
    route: route.points.map((p) => [p.lat, p.lon] as [number, number]),
    etaSeconds: Math.round(route.etaSeconds),
    distanceMetres: Math.round(route.metres),
  };
}

export function dispatchCancel(unitId: string, dispatchId: string, reason: DispatchCancel['reason'], issuedAt: number): DispatchCancel {
  return { v: UNIT_WIRE_VERSION, type: 'cancel', dispatchId, unitId, reason, issuedAt };
}

/** What a unit's status means for the dispatch that holds it; undefined: no change. */
export function targetStatus(current: DispatchStatus, reported: UnitStatusMessage['status']): DispatchStatus | undefined {
  switch (reported) {
    case 'dispatched':
    case 'en_route':
    case 'on_scene':
      return reported;
    case 'returning':
    case 'available':
      // leaving the scene completes the dispatch; before the scene it changes nothing (kept for staff to see)
      return current === 'on_scene' ? 'completed' : undefined;
    default:
      return undefined;
  }
}
