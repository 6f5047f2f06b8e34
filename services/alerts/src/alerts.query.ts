import { ID_PATTERN } from '@pulseproof/contracts';
import { badQuery } from './errors';
import { ALERT_STATUSES } from './lifecycle/alert.model';
import { AlertQuery } from './lifecycle/alert.store';

export const DEFAULT_ALERTS_LIMIT = 100;
export const MAX_ALERTS_LIMIT = 1000;

/** The raw query string of `GET /api/alerts`, as express hands it over. */
export interface AlertsQueryParams {
  readonly state?: unknown;
  readonly patientId?: unknown;
  readonly limit?: unknown;
}

const STATES: readonly AlertQuery['state'][] = ['active', 'cleared', 'all', ...ALERT_STATUSES];

/** Validates `?state=active|cleared|all|active-unacknowledged|...` (default active), `?patientId=`, `?limit=1..1000` (default 100). */
export function parseAlertsQuery(params: AlertsQueryParams): AlertQuery {
  const state = params.state ?? 'active';
  if (typeof state !== 'string' || !(STATES as readonly string[]).includes(state)) {
    throw badQuery(`state must be one of ${STATES.join(', ')}`);
  }
  let patientId: string | undefined;
  if (params.patientId !== undefined) {
    if (typeof params.patientId !== 'string' || !ID_PATTERN.test(params.patientId)) {
      throw badQuery('patientId must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit');
    }
    patientId = params.patientId;
  }
  let limit = DEFAULT_ALERTS_LIMIT;
  if (params.limit !== undefined) {
    const text = params.limit;
    if (typeof text !== 'string' || !/^\d{1,7}$/.test(text) || Number(text) < 1 || Number(text) > MAX_ALERTS_LIMIT) {
      throw badQuery(`limit must be a whole number from 1 to ${MAX_ALERTS_LIMIT}`);
    }
    limit = Number(text);
  }
  return { state: state as AlertQuery['state'], ...(patientId === undefined ? {} : { patientId }), limit };
}
