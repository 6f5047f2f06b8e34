import type { ReadingStoreChoice } from './adapters/open-reading-store';

export interface IngestOptions {
  /** folder of `readings.sqlite` and `devices.sqlite` */
  readonly dataDir: string;
  /** largest payload accepted, bytes */
  readonly maxPayloadBytes: number;
  /** how far a device clock may run ahead of ours before a reading is refused, ms */
  readonly maxClockAheadMs: number;
  /** bearer token of the device administration API (/api/devices, /api/principals); unset: the API answers 403 */
  readonly adminApiToken?: string;
  /** a reading measured longer than this before it arrived is stored with `late: true`, ms (default 5 min) */
  readonly lateAfterMs?: number;
  /** a reading older than this on arrival is refused (INGEST_E_TIMESTAMP_TOO_OLD), ms (default 7 days) */
  readonly maxReadingAgeMs?: number;
  /** newest dead letters kept in deadletters.sqlite (default 100,000); counts per reason are kept forever */
  readonly deadLetterRetention?: number;
  /** where readings are stored (default SQLite under dataDir, kept forever) */
  readonly readings?: ReadingStoreChoice;
}

export const INGEST_OPTIONS = Symbol('INGEST_OPTIONS');
