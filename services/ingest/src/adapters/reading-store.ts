import { MeasurementCode, Reading } from '@pulseproof/contracts';

export type InsertOutcome =
  /** first time this (device, seq) was seen: stored */
  | { readonly kind: 'inserted'; readonly reading: Reading }
  /** the same reading again (a QoS 1 redelivery): the stored one, salt included */
  | { readonly kind: 'duplicate'; readonly reading: Reading }
  /** (device, seq) was already used for different content */
  | { readonly kind: 'conflict' };

export interface VitalsQuery {
  readonly patientId: string;
  readonly from: number;
  readonly to: number;
  readonly limit: number;
}

/** One measurement of one patient, downsampled into buckets of device time. */
export interface HistoryQuery {
  readonly patientId: string;
  readonly measurement: MeasurementCode;
  /** device time, ms since epoch, both inclusive */
  readonly from: number;
  readonly to: number;
  /** bucket width, ms; buckets are aligned to the Unix epoch (as InfluxQL's GROUP BY time()) */
  readonly bucketMs: number;
}

export interface HistoryBucket {
  /** start of the bucket, ms since epoch */
  readonly start: number;
  readonly min: number;
  readonly mean: number;
  readonly max: number;
  readonly count: number;
}

/** The most recent value of one measurement, by device time. */
export interface LatestValue {
  readonly value: number;
  readonly deviceTime: number;
  readonly deviceId: string;
  readonly seq: number;
}

export type LatestValues = Partial<Record<MeasurementCode, LatestValue>>;

/** What the store says of itself in the health report: cheap, never a query. */
export interface StoreStats {
  readonly backend: 'sqlite' | 'influxdb';
  /** inserts waiting for their batch to be committed */
  readonly pending: number;
  readonly batchesCommitted: number;
  /** why the last batch failed; cleared by the next one that commits */
  readonly lastError?: string;
}

/**
 * Durable storage of readings: SQLite in the embedded mode, InfluxDB when distributed.
 *
 * `insert` is idempotent on (deviceId, seq): the first reading for a key is stored with its salt;
 * the same content again is a `duplicate` and gets the stored reading back (the first salt, so a
 * redelivery anchors to the same leaf); other content under a used key is a `conflict`. The promise
 * resolves only once the reading is durable, so the caller may acknowledge the device. Both
 * adapters pass the same contract suite (testing/reading-store.contract.ts).
 */
export abstract class ReadingStore {
  abstract insert(reading: Reading): Promise<InsertOutcome>;
  abstract get(deviceId: string, seq: number): Promise<Reading | undefined>;
  /** a patient's readings by device time, oldest first */
  abstract vitals(query: VitalsQuery): Promise<Reading[]>;
  /** min/mean/max/count per bucket, oldest first; empty buckets are left out */
  abstract history(query: HistoryQuery): Promise<HistoryBucket[]>;
  /** each measurement's most recent value for the patient */
  abstract latest(patientId: string): Promise<LatestValues>;
  abstract count(): Promise<number>;
  abstract stats(): StoreStats;
  /** commits what is pending, then releases the store */
  abstract close(): Promise<void>;
}

/**
 * Whether two readings for the same (device, seq) say the same thing. Only what the device sent
 * counts: the patient mapping, the arrival time, the salt and the late flag are ingest's.
 */
export function sameDeviceContent(a: Reading, b: Reading): boolean {
  if (a.deviceTime !== b.deviceTime) return false;
  const codes = Object.keys(a.measurements) as MeasurementCode[];
  if (codes.length !== Object.keys(b.measurements).length) return false;
  return codes.every((code) => a.measurements[code] === b.measurements[code]);
}

/** Readings are ordered by device time, then device and seq, in every adapter. */
export function byDeviceTime(a: Reading, b: Reading): number {
  return a.deviceTime - b.deviceTime || (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : a.seq - b.seq);
}
