import { ID_PATTERN, LatLon, isValidPosition } from '@pulseproof/contracts';
import { badDispatchQuery, badLocation } from './dispatch-errors';
import { DispatchQuery } from './dispatch.store';

/** The body of `PUT /api/patients/:id/location`, checked at the edge. */
export interface PatientLocationInput {
  readonly outsideHospital: boolean;
  /** WGS 84 decimal degrees; omitted or null: no home address (a GPS fix is then the only position) */
  readonly home: LatLon | null;
}

export const DEFAULT_DISPATCHES_LIMIT = 100;
export const MAX_DISPATCHES_LIMIT = 1000;

export function parsePatientId(value: unknown): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw badLocation('the patient id must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit');
  }
  return value;
}

export function parseLocationInput(body: unknown): PatientLocationInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badLocation('the body must be a JSON object such as {"outsideHospital": true, "home": {"lat": 51.52, "lon": -0.11}}');
  }
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => k !== 'outsideHospital' && k !== 'home');
  if (unknown.length > 0) throw badLocation(`unknown field "${unknown[0]!.slice(0, 40)}": the fields are outsideHospital and home`);
  if (typeof b.outsideHospital !== 'boolean') throw badLocation('outsideHospital must be true or false');
  if (b.home === undefined || b.home === null) return { outsideHospital: b.outsideHospital, home: null };
  const home = b.home as Record<string, unknown>;
  if (typeof home !== 'object' || Array.isArray(home) || Object.keys(home).some((k) => k !== 'lat' && k !== 'lon')) {
    throw badLocation('home must be {"lat": <degrees>, "lon": <degrees>} (WGS 84 decimal degrees)');
  }
  if (!isValidPosition(home)) throw badLocation('home.lat must be a number within -90..90 and home.lon within -180..180 (decimal degrees)');
  return { outsideHospital: b.outsideHospital, home: { lat: home.lat, lon: home.lon } };
}

export interface DispatchQueryParams {
  readonly state?: string;
  readonly patientId?: string;
  readonly limit?: string;
}

export function parseDispatchQuery(params: DispatchQueryParams): DispatchQuery {
  const state = params.state ?? 'all';
  if (state !== 'open' && state !== 'closed' && state !== 'all') throw badDispatchQuery('state must be open, closed or all');
  if (params.patientId !== undefined && !ID_PATTERN.test(params.patientId)) throw badDispatchQuery('patientId is not a valid id');
  const limit = params.limit === undefined ? DEFAULT_DISPATCHES_LIMIT : Number(params.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DISPATCHES_LIMIT) {
    throw badDispatchQuery(`limit must be a whole number from 1 to ${MAX_DISPATCHES_LIMIT}`);
  }
  return { state, limit, ...(params.patientId !== undefined ? { patientId: params.patientId } : {}) };
}
