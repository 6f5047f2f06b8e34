import { DeviceMessage, MAX_READING_BYTES, deviceIdFromReadingsTopic } from '@pulseproof/contracts';
import { Rejection } from './errors';
import { checkPlausibility } from './validation/plausibility';
import { checkSchema } from './validation/schema';
import { DEFAULT_STRUCTURE_LIMITS, StructureLimits, checkStructure, exceedsDepth } from './validation/structure';
import { DEFAULT_MAX_READING_AGE_MS, checkDeviceTime } from './validation/timestamps';

export interface DecodeLimits {
  readonly maxPayloadBytes: number;
  /** how far a device clock may run ahead of ours, ms */
  readonly maxClockAheadMs: number;
  /** oldest reading accepted, as its age on arrival, ms (default 7 days) */
  readonly maxReadingAgeMs?: number;
  /** nesting depth, string lengths, measurement count (defaults: DEFAULT_STRUCTURE_LIMITS) */
  readonly structure?: StructureLimits;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxPayloadBytes: MAX_READING_BYTES,
  maxClockAheadMs: 5 * 60_000,
  maxReadingAgeMs: DEFAULT_MAX_READING_AGE_MS,
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Validation at the edge: bytes from a topic become a typed message or a coded rejection. Nothing
 * here throws on hostile input; every failure names what a device maker must fix. The cheap,
 * bounding checks come first (size, encoding, depth) so a hostile payload costs little.
 */
export function decodeDeviceMessage(
  topic: string,
  payload: Uint8Array,
  now: number,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): DeviceMessage | Rejection {
  if (payload.byteLength > limits.maxPayloadBytes) {
    return new Rejection('INGEST_E_TOO_LARGE', `${payload.byteLength} bytes; the limit is ${limits.maxPayloadBytes}`);
  }
  const structure = limits.structure ?? DEFAULT_STRUCTURE_LIMITS;
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return new Rejection('INGEST_E_NOT_JSON', 'payload is not valid UTF-8');
  }
  if (exceedsDepth(text, structure.maxDepth)) {
    return new Rejection('INGEST_E_TOO_DEEP', `objects and arrays nest deeper than ${structure.maxDepth} levels; a reading needs 3`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return new Rejection('INGEST_E_NOT_JSON', error instanceof Error ? error.message.slice(0, 200) : 'unparseable');
  }
  const shapeProblem = checkStructure(json, structure);
  if (shapeProblem) return shapeProblem;
  const message = checkSchema(json);
  if (message instanceof Rejection) return message;
  const topicDevice = deviceIdFromReadingsTopic(topic);
  if (topicDevice !== message.deviceId) {
    return new Rejection('INGEST_E_DEVICE_MISMATCH', `topic names "${topicDevice?.slice(0, 64) ?? '(none)'}", payload "${message.deviceId}"`);
  }
  const timeProblem = checkDeviceTime(message.ts, now, {
    maxClockAheadMs: limits.maxClockAheadMs,
    maxAgeMs: limits.maxReadingAgeMs ?? DEFAULT_MAX_READING_AGE_MS,
  });
  if (timeProblem) return timeProblem;
  return checkPlausibility(message) ?? message;
}
