import Database from 'better-sqlite3';
import { SqliteGroupCommit, openSqlite } from '@pulseproof/bus';
import { MeasurementCode, Measurements, Reading } from '@pulseproof/contracts';
import {
  HistoryBucket,
  HistoryQuery,
  InsertOutcome,
  LatestValues,
  ReadingStore,
  StoreStats,
  VitalsQuery,
  sameDeviceContent,
} from './reading-store';
import { SqliteHistory } from './sqlite-history';
import { LATEST_UPDATE, migrateReadings } from './sqlite-reading-schema';

export interface SqliteReadingStoreOptions {
  /** readings whose device time is older than this many days are deleted; 0 keeps them forever */
  readonly retentionDays?: number;
  /** most inserts committed in one transaction (group commit) */
  readonly maxBatch?: number;
  /** how often retention runs, ms */
  readonly pruneEveryMs?: number;
}

interface Row {
  device_id: string;
  seq: number;
  patient_id: string;
  device_time: number;
  received_at: number;
  measurements: string;
  salt: string;
  late: number;
}

const DAY = 86_400_000;
const MINUTE = 60_000;
const PRUNE_CHUNK = 10_000;

/**
 * Readings in one SQLite file (WAL, synchronous=NORMAL): the embedded mode's time-series store.
 *
 * Group commit: inserts made while the event loop is busy (one MQTT read can carry many messages)
 * share one transaction, committed on the next turn; each promise resolves after that commit, so
 * a QoS 1 acknowledgement still follows durability, at one WAL append per batch instead of per reading.
 */
export class SqliteReadingStore extends ReadingStore {
  private readonly db: Database.Database;
  private readonly statements;
  private readonly historyOf: SqliteHistory;
  private readonly commits: SqliteGroupCommit<Reading, InsertOutcome>;
  private readonly retentionDays: number;
  private closed = false;
  private readonly pruneTimer: NodeJS.Timeout | undefined;

  constructor(file: string, options: SqliteReadingStoreOptions = {}) {
    super();
    this.retentionDays = options.retentionDays ?? 0;
    this.db = openSqlite(file);
    migrateReadings(this.db);
    this.statements = {
      insert: this.db.prepare(
        `INSERT INTO readings (device_id, seq, patient_id, device_time, received_at, measurements, salt, late)
         VALUES (@deviceId, @seq, @patientId, @deviceTime, @receivedAt, @measurements, @salt, @late)
         ON CONFLICT (device_id, seq) DO NOTHING`,
      ),
      latest: this.db.prepare(
        `INSERT INTO latest_values (patient_id, code, device_time, value, device_id, seq)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (patient_id, code) DO UPDATE SET ${LATEST_UPDATE}`,
      ),
      get: this.db.prepare<[string, number]>('SELECT * FROM readings WHERE device_id = ? AND seq = ?'),
      range: this.db.prepare<[string, number, number, number]>(
        'SELECT * FROM readings WHERE patient_id = ? AND device_time BETWEEN ? AND ? ORDER BY device_time, device_id, seq LIMIT ?',
      ),
      latestOf: this.db.prepare<[string]>('SELECT code, device_time, value, device_id, seq FROM latest_values WHERE patient_id = ?'),
      count: this.db.prepare('SELECT COUNT(*) AS n FROM readings'),
      pruneReadings: this.db.prepare<[number, number]>(
        'DELETE FROM readings WHERE (device_id, seq) IN (SELECT device_id, seq FROM readings WHERE device_time < ? LIMIT ?)',
      ),
      pruneLatest: this.db.prepare<[number]>('DELETE FROM latest_values WHERE device_time < ?'),
    };
    this.historyOf = new SqliteHistory(this.db);
    this.commits = new SqliteGroupCommit(this.db, (reading: Reading) => this.insertOne(reading), undefined, options.maxBatch ?? 1_000);
    if (this.retentionDays > 0) {
      this.prune();
      this.pruneTimer = setInterval(() => this.prune(), options.pruneEveryMs ?? 3_600_000).unref();
    }
  }

  insert(reading: Reading): Promise<InsertOutcome> {
    if (this.closed) return Promise.reject(new Error('the readings store is closed'));
    return this.commits.run(reading);
  }

  async get(deviceId: string, seq: number): Promise<Reading | undefined> {
    const row = this.statements.get.get(deviceId, seq) as Row | undefined;
    return row && toReading(row);
  }

  async vitals(query: VitalsQuery): Promise<Reading[]> {
    return (this.statements.range.all(query.patientId, query.from, query.to, query.limit) as Row[]).map(toReading);
  }

  async history(query: HistoryQuery): Promise<HistoryBucket[]> {
    return this.historyOf.query(query);
  }

  async latest(patientId: string): Promise<LatestValues> {
    const rows = this.statements.latestOf.all(patientId) as { code: MeasurementCode; device_time: number; value: number; device_id: string; seq: number }[];
    const out: Record<string, LatestValues[MeasurementCode]> = {};
    for (const row of rows) out[row.code] = { value: row.value, deviceTime: row.device_time, deviceId: row.device_id, seq: row.seq };
    return out as LatestValues;
  }

  async count(): Promise<number> {
    return (this.statements.count.get() as { n: number }).n;
  }

  stats(): StoreStats {
    return {
      backend: 'sqlite',
      pending: this.commits.waiting,
      batchesCommitted: this.commits.batchesCommitted,
      ...(this.commits.lastError !== undefined && { lastError: this.commits.lastError }),
    };
  }

  /**
   * Deletes readings whose device time is older than the retention, in chunks so a first run on a
   * large file does not hold the write lock for long. Returns how many readings went.
   */
  prune(now = Date.now()): number {
    if (this.retentionDays <= 0 || this.closed) return 0;
    // On a minute boundary, so the per-minute history loses exactly the minutes the readings lose.
    const cutoff = Math.floor((now - this.retentionDays * DAY) / MINUTE) * MINUTE;
    let deleted = 0;
    for (;;) {
      const { changes } = this.statements.pruneReadings.run(cutoff, PRUNE_CHUNK);
      deleted += changes;
      if (changes < PRUNE_CHUNK) break;
    }
    this.statements.pruneLatest.run(cutoff);
    this.historyOf.pruneBefore(cutoff);
    return deleted;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.commits.flush();
    this.closed = true;
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.db.close();
  }

  /** inside the batch's transaction: a repeat within the same batch sees the first one */
  private insertOne(reading: Reading): InsertOutcome {
    const result = this.statements.insert.run({
      ...reading,
      measurements: JSON.stringify(reading.measurements),
      late: reading.late ? 1 : 0,
    });
    if (result.changes === 1) {
      for (const [code, value] of Object.entries(reading.measurements)) {
        this.statements.latest.run(reading.patientId, code, reading.deviceTime, value, reading.deviceId, reading.seq);
      }
      this.historyOf.record(reading);
      return { kind: 'inserted', reading };
    }
    const stored = toReading(this.statements.get.get(reading.deviceId, reading.seq) as Row);
    return sameDeviceContent(stored, reading) ? { kind: 'duplicate', reading: stored } : { kind: 'conflict' };
  }
}

function toReading(row: Row): Reading {
  return {
    deviceId: row.device_id,
    seq: row.seq,
    patientId: row.patient_id,
    deviceTime: row.device_time,
    receivedAt: row.received_at,
    measurements: JSON.parse(row.measurements) as Measurements,
    salt: row.salt,
    ...(row.late === 1 && { late: true }),
  };
}
