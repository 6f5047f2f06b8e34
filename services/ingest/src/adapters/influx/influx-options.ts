/**
 * Where and how the InfluxDB store writes and reads. The app builds this from INFLUX_* variables
 * (app/src/config.ts); every duration is in ms.
 */
export interface InfluxReadingStoreOptions {
  /** base URL, e.g. http://influxdb:8086 */
  readonly url: string;
  /**
   * `v2`: POST /api/v2/write?org=&bucket= (InfluxDB 1.8+ with its compatibility API, 2.x, 3.x);
   * `v1`: POST /write?db=&rp= (InfluxDB 1.x). Reads always use InfluxQL over /query.
   */
  readonly api: 'v1' | 'v2';
  /** database for /write (v1) and /query (both); with v2 it defaults to the bucket (2.x maps it via DBRP) */
  readonly database?: string;
  /** retention policy for /write and /query; the database's default when absent */
  readonly retentionPolicy?: string;
  /** v2 only */
  readonly org?: string;
  /** v2 only; on InfluxDB 1.8 this is "database/retention-policy" */
  readonly bucket?: string;
  /** v2: API token (on 1.8 "username:password"); sent as `Authorization: Token ...` */
  readonly token?: string;
  /** v1: sent as HTTP Basic authentication */
  readonly username?: string;
  readonly password?: string;
  /** how long the first insert of a batch waits for others to join it */
  readonly flushIntervalMs?: number;
  /** most readings in one write request */
  readonly batchSize?: number;
  /** retries of a failed lookup or write (network errors, 429, 5xx) before the batch fails */
  readonly maxRetries?: number;
  readonly minRetryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  /** write bodies larger than this many bytes are gzipped */
  readonly gzipThreshold?: number;
  /** HTTP request timeout */
  readonly timeoutMs?: number;
  /**
   * A reading reusing a stored (device, seq) is found when its device time is within this distance
   * of the stored one (docs/storage.md, "Conflicts"): InfluxDB has no index by seq.
   */
  readonly conflictWindowMs?: number;
}

export const INFLUX_DEFAULTS = {
  flushIntervalMs: 10,
  batchSize: 1_000,
  maxRetries: 5,
  minRetryDelayMs: 100,
  maxRetryDelayMs: 5_000,
  gzipThreshold: 1_000,
  timeoutMs: 10_000,
  conflictWindowMs: 300_000,
} as const;
