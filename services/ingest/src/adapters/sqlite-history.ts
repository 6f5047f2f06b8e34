import Database from 'better-sqlite3';
import { Reading } from '@pulseproof/contracts';
import { HistoryBucket, HistoryQuery } from './reading-store';

const MINUTE = 60_000;

interface Partial {
  start: number;
  min: number;
  max: number;
  sum: number;
  count: number;
}

/**
 * History for the SQLite store. Every insert also folds its values into `minute_values` (min, max,
 * sum, count per patient, measurement and minute of device time, in the insert's transaction), so a
 * bucket that is a whole number of minutes reads one row per minute instead of every reading:
 * a month of 1 Hz data is 43,200 rows, not 2.6 million JSON documents. The partial minutes at the
 * edges of the range, and buckets that are not whole minutes, are computed from the readings.
 */
export class SqliteHistory {
  private readonly fold: Database.Statement;
  private readonly raw: Database.Statement;
  private readonly rolled: Database.Statement;
  private readonly prune: Database.Statement<[number]>;

  constructor(db: Database.Database) {
    this.fold = db.prepare(
      `INSERT INTO minute_values (patient_id, code, minute, min, max, sum, count) VALUES (?, ?, ?, ?, ?, ?, 1)
       ON CONFLICT (patient_id, code, minute) DO UPDATE SET
         min = MIN(min, excluded.min), max = MAX(max, excluded.max), sum = sum + excluded.sum, count = count + 1`,
    );
    this.raw = db.prepare(
      `SELECT (device_time / @bucket) * @bucket AS start, MIN(v) AS min, MAX(v) AS max, SUM(v) AS sum, COUNT(v) AS count
       FROM (SELECT device_time, json_extract(measurements, @path) AS v FROM readings
             WHERE patient_id = @patientId AND device_time BETWEEN @from AND @to)
       WHERE v IS NOT NULL GROUP BY start`,
    );
    this.rolled = db.prepare(
      `SELECT (minute / @bucket) * @bucket AS start, MIN(min) AS min, MAX(max) AS max, SUM(sum) AS sum, SUM(count) AS count
       FROM minute_values WHERE patient_id = @patientId AND code = @code AND minute >= @from AND minute < @until
       GROUP BY start`,
    );
    this.prune = db.prepare('DELETE FROM minute_values WHERE minute < ?');
  }

  /** inside the insert's transaction, for a reading that was new */
  record(reading: Reading): void {
    const minute = Math.floor(reading.deviceTime / MINUTE) * MINUTE;
    for (const [code, value] of Object.entries(reading.measurements)) {
      this.fold.run(reading.patientId, code, minute, value, value, value);
    }
  }

  query(q: HistoryQuery): HistoryBucket[] {
    // Integers, so SQLite divides as integers (a bound JS number is a REAL).
    const bucket = BigInt(Math.trunc(q.bucketMs));
    const raw = (from: number, to: number): Partial[] =>
      from > to ? [] : (this.raw.all({ bucket, path: `$.${q.measurement}`, patientId: q.patientId, from, to }) as Partial[]);
    // Whole minutes inside [from, to]; only usable when every minute falls in one bucket.
    const firstWhole = Math.ceil(q.from / MINUTE) * MINUTE;
    const afterWhole = Math.floor((q.to + 1) / MINUTE) * MINUTE;
    if (q.bucketMs % MINUTE !== 0 || firstWhole >= afterWhole) return merge(raw(q.from, q.to));
    const rolled = this.rolled.all({ bucket, patientId: q.patientId, code: q.measurement, from: firstWhole, until: afterWhole }) as Partial[];
    return merge([...raw(q.from, firstWhole - 1), ...rolled, ...raw(afterWhole, q.to)]);
  }

  /** drops whole minutes before `cutoff` (a minute boundary, as retention prunes readings) */
  pruneBefore(cutoff: number): void {
    this.prune.run(cutoff);
  }
}

/** Backfills `minute_values` from the readings of a file written before it existed. */
export const BACKFILL_MINUTE_VALUES = `
  INSERT INTO minute_values (patient_id, code, minute, min, max, sum, count)
  SELECT r.patient_id, j.key, (r.device_time / ${MINUTE}) * ${MINUTE}, MIN(j.value), MAX(j.value), SUM(j.value), COUNT(*)
  FROM readings AS r, json_each(r.measurements) AS j GROUP BY 1, 2, 3`;

function merge(parts: Partial[]): HistoryBucket[] {
  const buckets = new Map<number, Partial>();
  for (const p of parts) {
    const start = Number(p.start);
    const b = buckets.get(start);
    if (b === undefined) buckets.set(start, { ...p, start });
    else Object.assign(b, { min: Math.min(b.min, p.min), max: Math.max(b.max, p.max), sum: b.sum + p.sum, count: b.count + p.count });
  }
  return [...buckets.values()]
    .sort((a, b) => a.start - b.start)
    .map(({ start, min, max, sum, count }) => ({ start, min, mean: sum / count, max, count }));
}
