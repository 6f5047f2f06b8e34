import { Rejection } from '../errors';

/** 2000-01-01T00:00:00Z: a device clock earlier than this was never set. */
export const EARLIEST_DEVICE_TIME = 946_684_800_000;

export interface TimeLimits {
  /** how far a device clock may run ahead of ours before a reading is refused, ms */
  readonly maxClockAheadMs: number;
  /** oldest device time accepted, as an age at arrival, ms; older readings are refused */
  readonly maxAgeMs: number;
}

export const DEFAULT_LATE_AFTER_MS = 5 * 60_000;
export const DEFAULT_MAX_READING_AGE_MS = 7 * 24 * 3_600_000;

/**
 * The device time of a reading against ingest's clock. Late data (a device that buffered through
 * an outage) is accepted and marked, see `isLate`; only a clock that cannot be right, or a reading
 * too old to matter to care or to batches already anchored, is refused.
 */
export function checkDeviceTime(ts: number, now: number, limits: TimeLimits): Rejection | undefined {
  if (ts > now + limits.maxClockAheadMs) {
    return new Rejection('INGEST_E_TIMESTAMP_FUTURE', `ts is ${ts - now} ms ahead of the server clock; the limit is ${limits.maxClockAheadMs} ms: set the device clock`);
  }
  if (ts < EARLIEST_DEVICE_TIME) {
    return new Rejection('INGEST_E_TIMESTAMP_PAST', `ts ${ts} is before 2000-01-01: set the device clock`);
  }
  if (now - ts > limits.maxAgeMs) {
    return new Rejection('INGEST_E_TIMESTAMP_TOO_OLD', `ts is ${now - ts} ms old; readings older than ${limits.maxAgeMs} ms are not accepted: drop buffered data that old, or check the device clock`);
  }
  return undefined;
}

/** A reading measured longer ago than `lateAfterMs` before it arrived is stored with `late: true`. */
export function isLate(ts: number, receivedAt: number, lateAfterMs: number): boolean {
  return receivedAt - ts > lateAfterMs;
}
