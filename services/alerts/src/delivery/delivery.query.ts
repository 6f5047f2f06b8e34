import { ID_PATTERN } from '@pulseproof/contracts';
import { badQuery } from '../errors';
import { StreamRequest } from './alert-stream';
import { DeliveryChannel, DeliveryState } from './delivery-store';

export const DEFAULT_DELIVERIES_LIMIT = 100;
export const MAX_DELIVERIES_LIMIT = 1000;

export interface DeliveriesQueryParams {
  readonly state?: unknown;
  readonly channel?: unknown;
  readonly limit?: unknown;
}

export interface StreamQueryParams {
  readonly patientId?: unknown;
  /** for clients that cannot set the header (a polyfilled EventSource): same as Last-Event-ID */
  readonly lastEventId?: unknown;
}

const STATES: readonly DeliveryState[] = ['pending', 'delivered', 'failed'];
const CHANNELS: readonly DeliveryChannel[] = ['mqtt', 'webhook'];

export function parseDeliveriesQuery(params: DeliveriesQueryParams): { state?: DeliveryState; channel?: DeliveryChannel; limit: number } {
  const out: { state?: DeliveryState; channel?: DeliveryChannel; limit: number } = { limit: DEFAULT_DELIVERIES_LIMIT };
  if (params.state !== undefined && params.state !== 'all') {
    if (typeof params.state !== 'string' || !(STATES as readonly string[]).includes(params.state)) throw badQuery(`state must be one of ${STATES.join(', ')}, all`);
    out.state = params.state as DeliveryState;
  }
  if (params.channel !== undefined) {
    if (typeof params.channel !== 'string' || !(CHANNELS as readonly string[]).includes(params.channel)) throw badQuery(`channel must be one of ${CHANNELS.join(', ')}`);
    out.channel = params.channel as DeliveryChannel;
  }
  if (params.limit !== undefined) {
    const text = params.limit;
    if (typeof text !== 'string' || !/^\d{1,7}$/.test(text) || Number(text) < 1 || Number(text) > MAX_DELIVERIES_LIMIT) {
      throw badQuery(`limit must be a whole number from 1 to ${MAX_DELIVERIES_LIMIT}`);
    }
    out.limit = Number(text);
  }
  return out;
}

export function parseStreamRequest(header: string | undefined, params: StreamQueryParams): StreamRequest {
  const raw = header ?? params.lastEventId;
  let lastEventId: number | undefined;
  if (raw !== undefined && raw !== '') {
    if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw.trim())) throw badQuery('Last-Event-ID must be the id of an event of this stream (a whole number)');
    lastEventId = Number(raw.trim());
  }
  let patientId: string | undefined;
  if (params.patientId !== undefined) {
    if (typeof params.patientId !== 'string' || !ID_PATTERN.test(params.patientId)) {
      throw badQuery('patientId must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit');
    }
    patientId = params.patientId;
  }
  return { ...(lastEventId === undefined ? {} : { lastEventId }), ...(patientId === undefined ? {} : { patientId }) };
}
