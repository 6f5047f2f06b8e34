import {
  DeviceMessage,
  MAX_READING_BYTES,
  deviceIdFromReadingsTopic,
  deviceMessageSchema,
} from '@pulseproof/contracts';
import { Rejection } from './errors';

/** 2000-01-01T00:00:00Z: a device clock earlier than this was never set. */
export const EARLIEST_DEVICE_TIME = 946_684_800_000;

export interface DecodeLimits {
  readonly maxPayloadBytes: number;
  readonly maxClockAheadMs: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxPayloadBytes: MAX_READING_BYTES,
  maxClockAheadMs: 5 * 60_000,
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Validation at the edge: bytes from a topic become a typed message or a coded rejection. Nothing
 * here throws on hostile input; every failure names what a device maker must fix.
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
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(payload));
  } catch (error) {
    return new Rejection('INGEST_E_NOT_JSON', error instanceof Error ? error.message.slice(0, 200) : 'unparseable');
  }
  const parsed = deviceMessageSchema.safeParse(json);
  if (!parsed.success) {
    return new Rejection('INGEST_E_SCHEMA', describeIssues(parsed.error.issues));
  }
  const message = parsed.data;
  const topicDevice = deviceIdFromReadingsTopic(topic);
  if (topicDevice !== message.deviceId) {
    return new Rejection('INGEST_E_DEVICE_MISMATCH', `topic names "${topicDevice ?? '(none)'}", payload "${message.deviceId}"`);
  }
  if (message.ts > now + limits.maxClockAheadMs) {
    return new Rejection('INGEST_E_TIMESTAMP_FUTURE', `ts is ${message.ts - now} ms ahead of the server clock; the limit is ${limits.maxClockAheadMs} ms: set the device clock`);
  }
  if (message.ts < EARLIEST_DEVICE_TIME) {
    return new Rejection('INGEST_E_TIMESTAMP_PAST', `ts ${message.ts} is before 2000-01-01: set the device clock`);
  }
  return message;
}

function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ')
    .slice(0, 500);
}
