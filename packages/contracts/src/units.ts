import { z } from 'zod';
import { ID_PATTERN } from './reading';

/**
 * Ambulance units over MQTT (JSON, UTF-8, QoS 1), version 1.
 *
 * A unit publishes on `mqttTopics.unitStatus(unitId)` every few seconds and on every change:
 *   { "v": 1, "unitId": "amb-1", "status": "en_route", "lat": 51.51, "lon": -0.12,
 *     "ts": 1795000000000, "dispatchId": "3f2c..." }
 * It acknowledges an order by publishing status `dispatched` with the order's dispatchId.
 *
 * The dispatcher publishes on `mqttTopics.unitDispatch(unitId)` an order or a cancellation. An order
 * carries what a crew needs and nothing that names the patient: a dispatch id, where to go, the
 * NEWS2 score and its one-line summary, the route and the ETA.
 */
export const UNIT_STATUSES = ['available', 'dispatched', 'en_route', 'on_scene', 'returning', 'unavailable'] as const;
export type UnitStatus = (typeof UNIT_STATUSES)[number];

export const UNIT_WIRE_VERSION = 1;

const latitude = z.number().finite().min(-90).max(90);
const longitude = z.number().finite().min(-180).max(180);
const unitId = z.string().regex(ID_PATTERN, 'unitId must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit');
const dispatchId = z.string().regex(ID_PATTERN, 'dispatchId must be an id (A-Z a-z 0-9 . _ -)');

export const unitStatusMessageSchema = z.strictObject({
  v: z.literal(UNIT_WIRE_VERSION),
  unitId,
  status: z.enum(UNIT_STATUSES),
  lat: latitude,
  lon: longitude,
  /** the unit's clock, ms since epoch */
  ts: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** the order this status is about (dispatched, en_route, on_scene; returning after a scene) */
  dispatchId: dispatchId.optional(),
});
export type UnitStatusMessage = z.infer<typeof unitStatusMessageSchema>;

export const dispatchOrderSchema = z.strictObject({
  v: z.literal(UNIT_WIRE_VERSION),
  type: z.literal('dispatch'),
  dispatchId,
  unitId,
  issuedAt: z.number().int().min(0),
  /** the unit acknowledges (status `dispatched` with this dispatchId) within this many ms, or the next unit is asked */
  ackWithinMs: z.number().int().min(1),
  /** where the patient is */
  location: z.strictObject({ lat: latitude, lon: longitude }),
  news2: z.strictObject({ score: z.number().int().min(0).max(20).optional(), summary: z.string().max(200) }),
  /** [lat, lon] pairs in degrees, from the unit's position to the patient, in driving order */
  route: z.array(z.tuple([latitude, longitude])).min(2).max(10_000),
  etaSeconds: z.number().finite().min(0),
  distanceMetres: z.number().finite().min(0),
});
export type DispatchOrder = z.infer<typeof dispatchOrderSchema>;

export const dispatchCancelSchema = z.strictObject({
  v: z.literal(UNIT_WIRE_VERSION),
  type: z.literal('cancel'),
  dispatchId,
  unitId,
  /** `cancelled` by staff, or `reassigned` when the acknowledgement came after another unit was asked */
  reason: z.enum(['cancelled', 'reassigned']),
  issuedAt: z.number().int().min(0),
});
export type DispatchCancel = z.infer<typeof dispatchCancelSchema>;

export const unitOrderSchema = z.discriminatedUnion('type', [dispatchOrderSchema, dispatchCancelSchema]);
export type UnitOrder = z.infer<typeof unitOrderSchema>;
