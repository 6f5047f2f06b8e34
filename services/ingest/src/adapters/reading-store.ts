import { Reading } from '@pulseproof/contracts';

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

/**
 * Durable storage of readings: SQLite in the embedded mode, InfluxDB when distributed.
 * `insert` is idempotent on (deviceId, seq) and durable when it returns.
 */
export abstract class ReadingStore {
  abstract insert(reading: Reading): InsertOutcome;
  abstract get(deviceId: string, seq: number): Reading | undefined;
  /** a patient's readings by device time, oldest first */
  abstract vitals(query: VitalsQuery): Reading[];
  abstract count(): number;
  abstract close(): void;
}
