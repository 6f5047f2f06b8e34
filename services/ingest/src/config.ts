export interface IngestOptions {
  /** folder of `readings.sqlite` and `devices.sqlite` */
  readonly dataDir: string;
  /** largest payload accepted, bytes */
  readonly maxPayloadBytes: number;
  /** how far a device clock may run ahead of ours before a reading is refused, ms */
  readonly maxClockAheadMs: number;
}

export const INGEST_OPTIONS = Symbol('INGEST_OPTIONS');
