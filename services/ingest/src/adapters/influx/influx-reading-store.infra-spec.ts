import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BusMessage, SqliteBus } from '@pulseproof/bus';
import { DeadLetter, Reading, busTopics, mqttTopics } from '@pulseproof/contracts';
import { SqliteDeviceRegistry } from '../../registry';
import { IngestService } from '../../ingest.service';
import { describeReadingStoreContract, reading } from '../../testing/reading-store.contract';
import { Influxd, startInfluxd } from '../../testing/influxd';
import { InfluxReadingStore } from './influx-reading-store';

/**
 * The storage contract against a real InfluxDB 1.6 (Debian's influxd, v1 write API; reads with
 * InfluxQL over /query). The v2 write path cannot run here: influx-write-api.spec.ts checks its
 * requests against a loopback HTTP server instead.
 */
let influxd: Influxd;
let databases = 0;

beforeAll(async () => {
  influxd = await startInfluxd();
}, 60_000);

afterAll(async () => {
  await influxd?.stop();
});

describeReadingStoreContract('InfluxDB 1.6, v1 write API', () => {
  const database = `contract_${++databases}`;
  const open = async () => new InfluxReadingStore({ url: influxd.url, api: 'v1', database, retentionPolicy: 'autogen' });
  return {
    open: async () => {
      await influxd.query(`CREATE DATABASE ${database}`);
      return open();
    },
    reopen: open,
    restartBackend: () => influxd.restart(),
  };
});

describe('InfluxReadingStore on InfluxDB 1.6', () => {
  it('fails the inserts of a batch, with the reason, when the database does not exist', async () => {
    const store = new InfluxReadingStore({ url: influxd.url, api: 'v1', database: 'missing', maxRetries: 0 });
    await expect(store.insert(reading())).rejects.toThrow(/database not found/);
    expect(store.stats()).toMatchObject({ backend: 'influxdb', lastError: expect.stringMatching(/database not found/) });
    await store.close();
  });

});

describe('InfluxReadingStore on InfluxDB 1.6 with authentication on', () => {
  const admin = { username: 'pp-admin', password: 'pp-admin-secret' };
  let secured: Influxd;
  beforeAll(async () => {
    secured = await startInfluxd({ admin });
    await secured.query('CREATE DATABASE vitals');
    await secured.query(`CREATE USER "ingest" WITH PASSWORD 'ingest-secret'`);
    await secured.query('GRANT ALL ON "vitals" TO "ingest"');
  }, 60_000);
  afterAll(async () => secured?.stop());

  it('writes and reads as the configured user, over HTTP Basic authentication', async () => {
    const store = new InfluxReadingStore({ url: secured.url, api: 'v1', database: 'vitals', username: 'ingest', password: 'ingest-secret' });
    await expect(store.insert(reading())).resolves.toMatchObject({ kind: 'inserted' });
    await expect(store.count()).resolves.toBe(1);
    await store.close();
  });

  it('fails with the reason InfluxDB gives when the password is wrong', async () => {
    const store = new InfluxReadingStore({ url: secured.url, api: 'v1', database: 'vitals', username: 'ingest', password: 'wrong' });
    await expect(store.insert(reading({ seq: 2 }))).rejects.toThrow(/authorization failed/);
    await store.close();
  });
});

describe('IngestService storing into InfluxDB 1.6', () => {
  const NOW = Date.parse('2026-11-22T10:00:00Z');
  let dir: string;
  let store: InfluxReadingStore;
  let registry: SqliteDeviceRegistry;
  let bus: SqliteBus;
  let service: IngestService;

  const message = (seq: number, heartRate: number) => ({
    topic: mqttTopics.readings('bed-1'),
    payload: Buffer.from(JSON.stringify({ v: 1, deviceId: 'bed-1', seq, ts: NOW - 500, measurements: { heart_rate: { value: heartRate, unit: '/min' } } })),
  });

  beforeAll(async () => {
    await influxd.query('CREATE DATABASE ingest');
    dir = mkdtempSync(join(tmpdir(), 'pp-ingest-influx-'));
    store = new InfluxReadingStore({ url: influxd.url, api: 'v1', database: 'ingest' });
    registry = new SqliteDeviceRegistry(join(dir, 'devices.sqlite'));
    bus = new SqliteBus({ file: join(dir, 'bus.sqlite') });
    service = new IngestService({ dataDir: dir, maxPayloadBytes: 16_384, maxClockAheadMs: 300_000 }, store, registry, bus);
    registry.assign('bed-1', 'patient-1');
  });

  afterAll(async () => {
    await bus.close();
    await store.close();
    registry.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function drain<T>(topic: string): Promise<T[]> {
    const seen: T[] = [];
    const sub = bus.subscribe<T>(topic, `probe-${topic}`, async (batch: readonly BusMessage<T>[]) => {
      seen.push(...batch.map((m) => m.value));
    });
    while (bus.lag(topic, `probe-${topic}`) > 0) await new Promise((r) => setTimeout(r, 5));
    await sub.stop();
    return seen;
  }

  it('stores once, republishes a redelivery with the first salt, and dead-letters a replayed seq', async () => {
    await expect(service.handle(message(1, 80), NOW)).resolves.toBe('accepted');
    await expect(service.handle(message(1, 80), NOW + 10)).resolves.toBe('accepted');
    await expect(service.handle(message(1, 150), NOW + 20)).resolves.toBe('refused');
    await expect(store.count()).resolves.toBe(1);
    const published = await drain<Reading>(busTopics.readings);
    expect(published).toHaveLength(2);
    expect(published[1]).toEqual(published[0]);
    await expect(store.get('bed-1', 1)).resolves.toEqual(published[0]);
    const letters = await drain<DeadLetter>(busTopics.deadLetters);
    expect(letters.map((l) => l.reason)).toEqual(['INGEST_E_SEQUENCE_REPLAYED']);
  });
});
