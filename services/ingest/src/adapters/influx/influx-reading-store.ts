import { Logger } from '@nestjs/common';
import { MEASUREMENT_CODES, MeasurementCode, Reading } from '@pulseproof/contracts';
import {
  HistoryBucket,
  HistoryQuery,
  InsertOutcome,
  LatestValues,
  ReadingStore,
  StoreStats,
  VitalsQuery,
  byDeviceTime,
  sameDeviceContent,
} from '../reading-store';
import { InfluxHttp, describeInfluxError } from './influx-http';
import { INFLUX_DEFAULTS, InfluxReadingStoreOptions } from './influx-options';
import { READINGS_MEASUREMENT, ident, literal, nsFrom, nsTo, rowsOf, toPoint, toReading } from './influx-schema';

interface Pending {
  readonly reading: Reading;
  readonly resolve: (outcome: InsertOutcome) => void;
  readonly reject: (error: unknown) => void;
}

/** statements per /query request when looking up a batch's keys */
const LOOKUP_STATEMENTS = 200;
const FROM = ident(READINGS_MEASUREMENT);

/**
 * Readings in InfluxDB: the distributed mode's time-series store.
 *
 * Inserts are batched: the first waits `flushIntervalMs` for others, then the batch's keys are
 * looked up (one InfluxQL request), the new readings are written (one line-protocol request) and
 * every promise of the batch settles once InfluxDB acknowledged the write. One batch is in flight
 * at a time, so a redelivery queued behind its original always sees it stored.
 */
export class InfluxReadingStore extends ReadingStore {
  private readonly logger = new Logger('InfluxReadingStore');
  private readonly http: InfluxHttp;
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;
  private readonly conflictWindowMs: number;
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private closed = false;
  private batchesCommitted = 0;
  private lastError: string | undefined;

  constructor(options: InfluxReadingStoreOptions) {
    super();
    this.flushIntervalMs = options.flushIntervalMs ?? INFLUX_DEFAULTS.flushIntervalMs;
    this.batchSize = options.batchSize ?? INFLUX_DEFAULTS.batchSize;
    this.conflictWindowMs = options.conflictWindowMs ?? INFLUX_DEFAULTS.conflictWindowMs;
    this.http = new InfluxHttp(options, this.batchSize);
  }

  insert(reading: Reading): Promise<InsertOutcome> {
    if (this.closed) return Promise.reject(new Error('the readings store is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ reading, resolve, reject });
      this.schedule();
    });
  }

  async get(deviceId: string, seq: number): Promise<Reading | undefined> {
    // No time bound is known: this scans the device's series. Not on the ingest path.
    const [result] = await this.http.query([
      `SELECT * FROM ${FROM} WHERE "device_id" = ${literal(deviceId)} AND "seq" = ${seq}`,
    ]);
    return firstStored(rowsOf(result?.series).map(toReading));
  }

  async vitals(query: VitalsQuery): Promise<Reading[]> {
    const [result] = await this.http.query([
      `SELECT * FROM ${FROM} WHERE "patient_id" = ${literal(query.patientId)} AND ${timeRange(query.from, query.to)} ` +
        `ORDER BY time ASC LIMIT ${Math.trunc(query.limit)}`,
    ]);
    return rowsOf(result?.series).map(toReading).sort(byDeviceTime);
  }

  async history(query: HistoryQuery): Promise<HistoryBucket[]> {
    const field = ident(query.measurement);
    const [result] = await this.http.query([
      `SELECT min(${field}), mean(${field}), max(${field}), count(${field}) FROM ${FROM} ` +
        `WHERE "patient_id" = ${literal(query.patientId)} AND ${timeRange(query.from, query.to)} ` +
        `GROUP BY time(${Math.trunc(query.bucketMs)}ms) fill(none)`,
    ]);
    return rowsOf(result?.series).map((row) => ({
      start: Number(row['time']),
      min: Number(row['min']),
      mean: Number(row['mean']),
      max: Number(row['max']),
      count: Number(row['count']),
    }));
  }

  async latest(patientId: string): Promise<LatestValues> {
    // One selector per statement: with a single last(), the other columns come from the same point.
    const codes = [...MEASUREMENT_CODES];
    const results = await this.http.query(
      codes.map((code) => `SELECT last(${ident(code)}) AS "value", "device_id", "seq" FROM ${FROM} WHERE "patient_id" = ${literal(patientId)}`),
    );
    const out: Partial<Record<MeasurementCode, LatestValues[MeasurementCode]>> = {};
    results.forEach((result, i) => {
      const row = rowsOf(result.series)[0];
      if (row === undefined || typeof row['value'] !== 'number') return;
      out[codes[i]!] = { value: row['value'], deviceTime: Number(row['time']), deviceId: String(row['device_id']), seq: Number(row['seq']) };
    });
    return out;
  }

  async count(): Promise<number> {
    const [result] = await this.http.query([`SELECT count("seq") FROM ${FROM}`]);
    const row = rowsOf(result?.series)[0];
    return row === undefined ? 0 : Number(row['count']);
  }

  stats(): StoreStats {
    return {
      backend: 'influxdb',
      pending: this.pending.length,
      batchesCommitted: this.batchesCommitted,
      ...(this.lastError !== undefined && { lastError: this.lastError }),
    };
  }

  /** writes every pending insert, then closes the client */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inFlight || this.pending.length > 0) {
      if (!this.inFlight) this.run();
      await this.inFlight;
    }
    await this.http.close();
  }

  private schedule(): void {
    if (this.inFlight || this.pending.length === 0) return;
    if (this.pending.length >= this.batchSize || this.closed) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.run();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.run();
      }, this.flushIntervalMs);
    }
  }

  private run(): void {
    const batch = this.pending.splice(0, this.batchSize);
    this.inFlight = this.commit(batch).finally(() => {
      this.inFlight = undefined;
      if (!this.closed) this.schedule();
    });
  }

  private async commit(batch: readonly Pending[]): Promise<void> {
    try {
      const outcomes = await this.writeBatch(batch.map((p) => p.reading));
      this.batchesCommitted += 1;
      this.lastError = undefined;
      batch.forEach((p, i) => p.resolve(outcomes[i]!));
    } catch (error) {
      this.lastError = describeInfluxError(error);
      this.logger.error(`a batch of ${batch.length} readings was not stored: ${this.lastError}`);
      for (const p of batch) p.reject(error);
    }
  }

  private async writeBatch(readings: readonly Reading[]): Promise<InsertOutcome[]> {
    const stored = await this.lookup(readings);
    const fresh = new Map<string, Reading>();
    const outcomes = readings.map((reading): InsertOutcome => {
      const key = keyOf(reading.deviceId, reading.seq);
      const prior = stored.get(key) ?? fresh.get(key);
      if (prior === undefined) {
        fresh.set(key, reading);
        return { kind: 'inserted', reading };
      }
      return sameDeviceContent(prior, reading) ? { kind: 'duplicate', reading: prior } : { kind: 'conflict' };
    });
    if (fresh.size > 0) await this.http.write([...fresh.values()].map((r) => toPoint(r)));
    return outcomes;
  }

  /**
   * The stored readings of the batch's keys: per device, its seq range within the batch's device
   * time range widened by the conflict window, one statement each.
   */
  private async lookup(readings: readonly Reading[]): Promise<Map<string, Reading>> {
    const perDevice = new Map<string, { minSeq: number; maxSeq: number; from: number; to: number }>();
    for (const r of readings) {
      const d = perDevice.get(r.deviceId);
      if (d === undefined) perDevice.set(r.deviceId, { minSeq: r.seq, maxSeq: r.seq, from: r.deviceTime, to: r.deviceTime });
      else Object.assign(d, { minSeq: Math.min(d.minSeq, r.seq), maxSeq: Math.max(d.maxSeq, r.seq), from: Math.min(d.from, r.deviceTime), to: Math.max(d.to, r.deviceTime) });
    }
    const statements = [...perDevice].map(
      ([deviceId, d]) =>
        `SELECT * FROM ${FROM} WHERE "device_id" = ${literal(deviceId)} AND "seq" >= ${d.minSeq} AND "seq" <= ${d.maxSeq} ` +
        `AND ${timeRange(Math.max(0, d.from - this.conflictWindowMs), d.to + this.conflictWindowMs)}`,
    );
    const stored = new Map<string, Reading>();
    for (let i = 0; i < statements.length; i += LOOKUP_STATEMENTS) {
      for (const result of await this.http.query(statements.slice(i, i + LOOKUP_STATEMENTS))) {
        for (const reading of rowsOf(result.series).map(toReading)) {
          const key = keyOf(reading.deviceId, reading.seq);
          const known = stored.get(key);
          if (known === undefined || reading.receivedAt < known.receivedAt) stored.set(key, reading);
        }
      }
    }
    return stored;
  }
}

function keyOf(deviceId: string, seq: number): string {
  return `${deviceId}\u0000${seq}`;
}

/** inclusive range of device-time ms */
function timeRange(from: number, to: number): string {
  return `time >= ${nsFrom(from)} AND time <= ${nsTo(to)}`;
}

/** if a seq was ever stored twice (a reuse beyond the conflict window), the first one counts */
function firstStored(readings: Reading[]): Reading | undefined {
  return readings.sort((a, b) => a.receivedAt - b.receivedAt)[0];
}
