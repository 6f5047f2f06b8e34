import { Reading } from '@pulseproof/contracts';
import { ReadingStore } from '../adapters/reading-store';

/**
 * What every ReadingStore adapter promises, as one suite each adapter's spec runs against a real
 * backend (SQLite file, InfluxDB server). `open` gives an empty store; `reopen` closes nothing itself
 * and opens a new store on the same data, after the test closed the first one.
 */
export interface ReadingStoreHarness {
  open(): Promise<ReadingStore>;
  reopen(): Promise<ReadingStore>;
  /** optional: restart the backend between close and reopen (a server's own durability) */
  restartBackend?(): Promise<void>;
}

const T0 = Date.parse('2026-11-22T10:00:00Z');
const MINUTE = 60_000;
let saltCounter = 0;

export function reading(overrides: Partial<Reading> = {}): Reading {
  saltCounter += 1;
  return {
    deviceId: 'bed-1',
    seq: 1,
    patientId: 'patient-1',
    deviceTime: T0,
    receivedAt: T0 + 200,
    measurements: { heart_rate: 80, spo2: 97 },
    salt: `0x${saltCounter.toString(16).padStart(64, '0')}`,
    ...overrides,
  };
}

export function describeReadingStoreContract(name: string, harness: () => ReadingStoreHarness): void {
  describe(`ReadingStore contract: ${name}`, () => {
    let h: ReadingStoreHarness;
    let store: ReadingStore;

    beforeEach(async () => {
      h = harness();
      store = await h.open();
    });

    afterEach(async () => {
      await store.close();
    });

    it('stores a new (device, seq) and gives it back whole, salt included', async () => {
      const r = reading({ measurements: { heart_rate: 80, spo2: 97, temperature: 37.125 } });
      await expect(store.insert(r)).resolves.toEqual({ kind: 'inserted', reading: r });
      await expect(store.get('bed-1', 1)).resolves.toEqual(r);
      await expect(store.get('bed-1', 2)).resolves.toBeUndefined();
      await expect(store.count()).resolves.toBe(1);
    });

    it('answers a redelivery with the stored reading and its first salt, and stores it once', async () => {
      const first = reading();
      await store.insert(first);
      const again = reading({ receivedAt: T0 + 5_000, late: true });
      expect(again.salt).not.toBe(first.salt);
      await expect(store.insert(again)).resolves.toEqual({ kind: 'duplicate', reading: first });
      await expect(store.count()).resolves.toBe(1);
      await expect(store.get('bed-1', 1)).resolves.toEqual(first);
    });

    it('refuses other content under a used (device, seq) and keeps the original', async () => {
      const first = reading();
      await store.insert(first);
      await expect(store.insert(reading({ measurements: { heart_rate: 150, spo2: 97 } }))).resolves.toEqual({ kind: 'conflict' });
      await expect(store.insert(reading({ measurements: { heart_rate: 80 } }))).resolves.toEqual({ kind: 'conflict' });
      await expect(store.insert(reading({ deviceTime: T0 + 1_000 }))).resolves.toEqual({ kind: 'conflict' });
      await expect(store.get('bed-1', 1)).resolves.toEqual(first);
      await expect(store.count()).resolves.toBe(1);
    });

    it('settles concurrent inserts of one key as one insert and duplicates sharing its salt', async () => {
      const copies = [reading(), reading(), reading()];
      const outcomes = await Promise.all(copies.map((r) => store.insert(r)));
      expect(outcomes.map((o) => o.kind)).toEqual(['inserted', 'duplicate', 'duplicate']);
      for (const o of outcomes) expect(o.kind !== 'conflict' && o.reading.salt).toBe(copies[0]!.salt);
      await expect(store.count()).resolves.toBe(1);
    });

    it('stores many concurrent inserts from many devices, each resolved with its own outcome', async () => {
      const batch = Array.from({ length: 240 }, (_, i) => reading({ deviceId: `bed-${i % 12}`, seq: Math.floor(i / 12), deviceTime: T0 + i * 1_000 }));
      const outcomes = await Promise.all(batch.map((r) => store.insert(r)));
      expect(outcomes.every((o, i) => o.kind === 'inserted' && o.reading === batch[i])).toBe(true);
      await expect(store.count()).resolves.toBe(240);
      await expect(store.get('bed-7', 19)).resolves.toEqual(batch[19 * 12 + 7]);
    });

    it('keeps two readings of one device in the same millisecond apart', async () => {
      await store.insert(reading({ seq: 1 }));
      await store.insert(reading({ seq: 2, measurements: { heart_rate: 81 } }));
      await expect(store.count()).resolves.toBe(2);
      expect((await store.get('bed-1', 2))!.measurements).toEqual({ heart_rate: 81 });
    });

    it("lists a patient's readings in an inclusive range by device time, whatever the arrival order", async () => {
      const times = [5, 1, 3, 2, 4].map((m) => T0 + m * MINUTE);
      for (const [i, t] of times.entries()) await store.insert(reading({ seq: i + 1, deviceTime: t }));
      await store.insert(reading({ deviceId: 'bed-2', patientId: 'patient-2', deviceTime: T0 + 3 * MINUTE }));
      const got = await store.vitals({ patientId: 'patient-1', from: T0 + 2 * MINUTE, to: T0 + 4 * MINUTE, limit: 100 });
      expect(got.map((r) => r.deviceTime)).toEqual([2, 3, 4].map((m) => T0 + m * MINUTE));
      expect(got.every((r) => r.patientId === 'patient-1')).toBe(true);
      const limited = await store.vitals({ patientId: 'patient-1', from: T0, to: T0 + 10 * MINUTE, limit: 2 });
      expect(limited.map((r) => r.deviceTime)).toEqual([T0 + MINUTE, T0 + 2 * MINUTE]);
    });

    it('downsamples history to min/mean/max/count per epoch-aligned bucket, leaving out empty ones', async () => {
      const beats: [number, number][] = [[0, 60], [20_000, 70], [50_000, 90], [65_000, 100], [185_000, 50]];
      for (const [i, [offset, hr]] of beats.entries()) {
        await store.insert(reading({ seq: i + 1, deviceTime: T0 + offset, measurements: { heart_rate: hr } }));
      }
      await store.insert(reading({ seq: 10, deviceTime: T0 + 30_000, measurements: { spo2: 91 } }));
      await store.insert(reading({ deviceId: 'bed-2', patientId: 'patient-2', deviceTime: T0 + 10_000, measurements: { heart_rate: 200 } }));
      const buckets = await store.history({ patientId: 'patient-1', measurement: 'heart_rate', from: T0, to: T0 + 185_000, bucketMs: MINUTE });
      expect(buckets.map(({ mean, ...rest }) => rest)).toEqual([
        { start: T0, min: 60, max: 90, count: 3 },
        { start: T0 + MINUTE, min: 100, max: 100, count: 1 },
        { start: T0 + 3 * MINUTE, min: 50, max: 50, count: 1 },
      ]);
      expect(buckets.map((b) => b.mean)).toEqual([expect.closeTo(220 / 3, 9), 100, 50]);
      const inner = await store.history({ patientId: 'patient-1', measurement: 'heart_rate', from: T0 + 20_000, to: T0 + 64_999, bucketMs: MINUTE });
      expect(inner).toEqual([{ start: T0, min: 70, mean: 80, max: 90, count: 2 }]);
    });

    it('gives each measurement its latest value by device time, per patient', async () => {
      await store.insert(reading({ seq: 2, deviceTime: T0 + 2 * MINUTE, measurements: { heart_rate: 90 } }));
      await store.insert(reading({ seq: 1, deviceTime: T0 + MINUTE, measurements: { heart_rate: 70, spo2: 95 } })); // arrives late
      await store.insert(reading({ deviceId: 'bed-2', patientId: 'patient-2', deviceTime: T0 + 9 * MINUTE, measurements: { heart_rate: 150 } }));
      await expect(store.latest('patient-1')).resolves.toEqual({
        heart_rate: { value: 90, deviceTime: T0 + 2 * MINUTE, deviceId: 'bed-1', seq: 2 },
        spo2: { value: 95, deviceTime: T0 + MINUTE, deviceId: 'bed-1', seq: 1 },
      });
      await expect(store.latest('nobody')).resolves.toEqual({});
    });

    it('keeps the late flag, and leaves it off readings that were on time', async () => {
      await store.insert(reading({ seq: 1, late: true }));
      await store.insert(reading({ seq: 2 }));
      expect((await store.get('bed-1', 1))!.late).toBe(true);
      expect(await store.get('bed-1', 2)).not.toHaveProperty('late');
    });

    it('keeps what it acknowledged across close and reopen, first salt included', async () => {
      const first = reading({ measurements: { heart_rate: 80, systolic_bp: 121 } });
      const pending = [store.insert(first), store.insert(reading({ seq: 2 }))];
      await store.close();
      await expect(Promise.all(pending)).resolves.toHaveLength(2);
      await h.restartBackend?.();
      store = await h.reopen();
      await expect(store.get('bed-1', 1)).resolves.toEqual(first);
      await expect(store.insert(reading({ measurements: first.measurements }))).resolves.toEqual({ kind: 'duplicate', reading: first });
      await expect(store.count()).resolves.toBe(2);
    });

    it('refuses inserts once closed', async () => {
      await store.close();
      await expect(store.insert(reading())).rejects.toThrow(/closed/);
      store = await h.reopen();
    });
  });
}
