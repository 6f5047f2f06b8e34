import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeReadingStoreContract, reading } from '../testing/reading-store.contract';
import { SqliteReadingStore } from './sqlite-reading-store';

const DAY = 86_400_000;
const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pp-readings-'));
  dirs.push(dir);
  return join(dir, 'readings.sqlite');
}
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describeReadingStoreContract('SQLite', () => {
  const file = tempFile();
  return {
    open: async () => new SqliteReadingStore(file),
    reopen: async () => new SqliteReadingStore(file),
  };
});

describe('SqliteReadingStore', () => {
  let file: string;
  let store: SqliteReadingStore;
  beforeEach(() => (file = tempFile()));
  afterEach(async () => store.close());

  it('commits inserts made in the same turn of the event loop in one transaction', async () => {
    store = new SqliteReadingStore(file);
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => store.insert(reading({ seq: i }))));
    expect(outcomes.every((o) => o.kind === 'inserted')).toBe(true);
    expect(store.stats()).toMatchObject({ backend: 'sqlite', batchesCommitted: 1, pending: 0 });
    await store.insert(reading({ seq: 99 }));
    expect(store.stats().batchesCommitted).toBe(2);
  });

  it('splits a burst larger than maxBatch into several transactions', async () => {
    store = new SqliteReadingStore(file, { maxBatch: 10 });
    await Promise.all(Array.from({ length: 25 }, (_, i) => store.insert(reading({ seq: i }))));
    expect(store.stats().batchesCommitted).toBe(3);
    await expect(store.count()).resolves.toBe(25);
  });

  it('deletes readings older than the retention by device time, and their latest values', async () => {
    // the real clock: the constructor prunes against it, so a fixed date would age out of the test
    const now = Date.now();
    store = new SqliteReadingStore(file);
    await store.insert(reading({ seq: 1, deviceTime: now - 31 * DAY, measurements: { spo2: 90 } }));
    await store.insert(reading({ seq: 2, deviceTime: now - 29 * DAY, measurements: { heart_rate: 70 } }));
    await store.close();
    store = new SqliteReadingStore(file, { retentionDays: 30 });
    expect(store.prune(now)).toBe(0); // the constructor already pruned against the real clock
    await expect(store.get('bed-1', 1)).resolves.toBeUndefined();
    await expect(store.latest('patient-1')).resolves.toEqual({ heart_rate: expect.objectContaining({ seq: 2 }) });
    const history = (measurement: 'spo2' | 'heart_rate') => store.history({ patientId: 'patient-1', measurement, from: 0, to: now, bucketMs: DAY });
    await expect(history('spo2')).resolves.toEqual([]);
    await expect(history('heart_rate')).resolves.toHaveLength(1);
    expect(store.prune(now + 2 * DAY)).toBe(1);
    await expect(history('heart_rate')).resolves.toEqual([]);
    await expect(store.count()).resolves.toBe(0);
  });

  it('gives the same history from per-minute rollups as from the readings, edges and odd buckets included', async () => {
    store = new SqliteReadingStore(file);
    const T0 = Date.parse('2026-11-22T10:00:00Z');
    let seed = 7;
    const random = () => ((seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647);
    const readings = Array.from({ length: 600 }, (_, i) =>
      reading({ seq: i, deviceTime: T0 + Math.floor(random() * 2 * 3_600_000), measurements: { heart_rate: Math.round(random() * 100_000) / 1000 } }),
    );
    await Promise.all(readings.map((r) => store.insert(r)));
    const cases: [number, number, number][] = [
      [T0, T0 + 7_200_000, 60_000],
      [T0 + 12_345, T0 + 5_000_000, 300_000],
      [T0 + 59_999, T0 + 3_600_001, 900_000],
      [T0 + 1_000, T0 + 7_000_000, 90_000], // not whole minutes: from the readings only
      [T0 + 61_000, T0 + 119_000, 60_000], // inside one minute
    ];
    for (const [from, to, bucketMs] of cases) {
      const expected = new Map<number, number[]>();
      for (const r of readings) {
        if (r.deviceTime < from || r.deviceTime > to) continue;
        const start = Math.floor(r.deviceTime / bucketMs) * bucketMs;
        expected.set(start, [...(expected.get(start) ?? []), r.measurements.heart_rate!]);
      }
      const got = await store.history({ patientId: 'patient-1', measurement: 'heart_rate', from, to, bucketMs });
      expect(got.map((b) => b.start)).toEqual([...expected.keys()].sort((a, b) => a - b));
      for (const b of got) {
        const values = expected.get(b.start)!;
        expect(b).toEqual({
          start: b.start,
          min: Math.min(...values),
          max: Math.max(...values),
          count: values.length,
          mean: expect.closeTo(values.reduce((x, y) => x + y, 0) / values.length, 9),
        });
      }
    }
  });

  it('keeps everything when the retention is 0', async () => {
    store = new SqliteReadingStore(file, { retentionDays: 0 });
    await store.insert(reading({ deviceTime: 0 }));
    expect(store.prune()).toBe(0);
    await expect(store.count()).resolves.toBe(1);
  });

  it('upgrades a file written before the late column and latest values existed', async () => {
    const old = new Database(file);
    old.exec(`CREATE TABLE readings (device_id TEXT NOT NULL, seq INTEGER NOT NULL, patient_id TEXT NOT NULL,
      device_time INTEGER NOT NULL, received_at INTEGER NOT NULL, measurements TEXT NOT NULL, salt TEXT NOT NULL,
      PRIMARY KEY (device_id, seq)) WITHOUT ROWID`);
    const r = reading();
    old.prepare('INSERT INTO readings VALUES (?, ?, ?, ?, ?, ?, ?)').run(r.deviceId, r.seq, r.patientId, r.deviceTime, r.receivedAt, JSON.stringify(r.measurements), r.salt);
    old.close();
    store = new SqliteReadingStore(file);
    await expect(store.get('bed-1', 1)).resolves.toEqual(r);
    await expect(store.latest('patient-1')).resolves.toEqual({
      heart_rate: { value: 80, deviceTime: r.deviceTime, deviceId: 'bed-1', seq: 1 },
      spo2: { value: 97, deviceTime: r.deviceTime, deviceId: 'bed-1', seq: 1 },
    });
    await expect(store.history({ patientId: 'patient-1', measurement: 'spo2', from: r.deviceTime - DAY, to: r.deviceTime + DAY, bucketMs: 3_600_000 })).resolves.toEqual([
      { start: r.deviceTime, min: 97, mean: 97, max: 97, count: 1 },
    ]);
  });
});
