import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mqttTopics } from '@pulseproof/contracts';
import mqtt, { MqttClient } from 'mqtt';
import { MosquittoBroker, startMosquitto } from '../testing/mosquitto';
import { ingestClientId, MqttReadingSource, MqttReadingSourceOptions, readingsClientId } from './mqtt-reading-source';
import { InboundHandler } from './reading-source';

/**
 * The external-broker source against Debian's Mosquitto. The handler stands in for ingest: a
 * durable write keyed by (device, seq) into a real SQLite file, like the reading store.
 */
class TestStore {
  private readonly db: Database.Database;
  attempts = 0;
  duplicates = 0;
  /** called before each write; throw to make the handler fail */
  before: (seq: number) => Promise<void> | void = () => undefined;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS readings (device TEXT, seq INTEGER, instance TEXT, PRIMARY KEY (device, seq))');
  }

  handler(instance: string): InboundHandler {
    return async ({ topic, payload }) => {
      const { deviceId, seq } = JSON.parse(payload.toString()) as { deviceId: string; seq: number };
      expect(topic).toBe(mqttTopics.readings(deviceId));
      this.attempts += 1;
      await this.before(seq);
      const { changes } = this.db.prepare('INSERT OR IGNORE INTO readings VALUES (?, ?, ?)').run(deviceId, seq, instance);
      if (changes === 0) this.duplicates += 1;
      return 'accepted';
    };
  }

  seqs(deviceId: string): number[] {
    return this.db.prepare('SELECT seq FROM readings WHERE device = ? ORDER BY seq').pluck().all(deviceId) as number[];
  }

  byInstance(): Record<string, number> {
    const rows = this.db.prepare('SELECT instance, count(*) AS n FROM readings GROUP BY instance').all() as { instance: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.instance, r.n]));
  }

  close(): void {
    this.db.close();
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Publishes seq from..to-1 at QoS 1 and resolves with the seqs the broker acknowledged. */
async function publishAll(device: MqttClient, deviceId: string, from: number, to: number): Promise<number[]> {
  const acked: number[] = [];
  await Promise.all(
    Array.from({ length: to - from }, (_, i) => from + i).map((seq) =>
      device.publishAsync(mqttTopics.readings(deviceId), JSON.stringify({ deviceId, seq }), { qos: 1 }).then(() => acked.push(seq)),
    ),
  );
  return acked.sort((a, b) => a - b);
}

describe('MqttReadingSource against Mosquitto', () => {
  let broker: MosquittoBroker;
  let dir: string;
  let store: TestStore;
  const sources: MqttReadingSource[] = [];
  const devices: MqttClient[] = [];

  const source = (instanceId: string, extra: Partial<MqttReadingSourceOptions> = {}) => {
    const s = new MqttReadingSource({ url: broker.url, instanceId, shareGroup: 'ingest', reconnectPeriodMs: 100, ...extra });
    sources.push(s);
    return s;
  };
  const device = async (deviceId: string) => {
    const client = await mqtt.connectAsync(broker.url, { clientId: deviceId, reconnectPeriod: 0 });
    devices.push(client);
    return client;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-mqtt-source-'));
    store = new TestStore(join(dir, 'readings.sqlite'));
    broker = await startMosquitto();
  });

  afterEach(async () => {
    for (const d of devices.splice(0)) await d.endAsync(true);
    for (const s of sources.splice(0)) await s.stop();
    await broker.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every reading a device published at QoS 1, once', async () => {
    await source('a').start(store.handler('a'));
    const acked = await publishAll(await device('dev-1'), 'dev-1', 1, 201);
    expect(acked).toHaveLength(200);
    await until(() => store.seqs('dev-1').length === 200, '200 stored readings');
    expect(store.seqs('dev-1')).toEqual(acked);
    expect(store.duplicates).toBe(0);
  });

  it('leaves a message unacknowledged when the handler fails, and takes it again on redelivery', async () => {
    const s = source('a');
    let failedOnce = false;
    store.before = (seq) => {
      if (seq === 5 && !failedOnce) {
        failedOnce = true;
        throw new Error('disk full');
      }
    };
    await s.start(store.handler('a'));
    await publishAll(await device('dev-1'), 'dev-1', 1, 11);
    await until(() => store.seqs('dev-1').length === 10, 'all 10 stored after the redelivery');
    expect(failedOnce).toBe(true);
    expect(s.handlerFailures).toBe(1);
    expect(store.seqs('dev-1')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('splits the readings between two instances of the share group, each stored once', async () => {
    await source('a').start(store.handler('a'));
    await source('b').start(store.handler('b'));
    const pubs = await Promise.all(['dev-1', 'dev-2', 'dev-3'].map(async (id) => publishAll(await device(id), id, 1, 101)));
    expect(pubs.map((p) => p.length)).toEqual([100, 100, 100]);
    await until(() => ['dev-1', 'dev-2', 'dev-3'].every((id) => store.seqs(id).length === 100), '300 stored readings');
    expect(store.duplicates).toBe(0);
    const split = store.byInstance();
    expect(split.a).toBeGreaterThan(0);
    expect(split.b).toBeGreaterThan(0);
    expect(split.a! + split.b!).toBe(300);
  });

  it('loses nothing Mosquitto acknowledged to the device when ingest stops mid-stream and restarts', async () => {
    // A slow store, so the stop catches messages in flight between Mosquitto and the handler.
    store.before = () => new Promise((r) => setTimeout(r, 2));
    const first = source('a');
    await first.start(store.handler('a'));
    const dev = await device('dev-1');
    const publishing = publishAll(dev, 'dev-1', 1, 1001);
    await until(() => store.seqs('dev-1').length >= 50, 'the first readings stored');
    await first.stop(); // no PUBACK for what was in flight; the session stays with Mosquitto
    const storedBeforeRestart = store.seqs('dev-1').length;
    const acked = await publishing; // Mosquitto keeps accepting from the device meanwhile
    expect(acked).toHaveLength(1000);
    expect(storedBeforeRestart).toBeLessThan(1000);

    store.before = () => undefined;
    await source('a').start(store.handler('a'));
    await until(() => store.seqs('dev-1').length === 1000, 'every acknowledged reading stored');
    expect(store.seqs('dev-1')).toEqual(acked);
  });

  it('with several readings sessions, hands the handler many readings at once and still loses nothing on a stop or a failure', async () => {
    // The store waits, so readings pile up in the handler: with 4 sessions up to 4 at once.
    let inFlight = 0;
    let mostInFlight = 0;
    let failedOnce = false;
    store.before = async (seq) => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight -= 1;
      if (seq === 7 && !failedOnce) {
        failedOnce = true;
        throw new Error('disk full'); // drops that one session without a PUBACK
      }
    };
    const first = source('a', { readingsConnections: 4 });
    await first.start(store.handler('a'));
    expect(first.connected).toBe(true);
    expect(first.describe().kind).toContain('connected');
    const dev = await device('dev-1');
    const publishing = publishAll(dev, 'dev-1', 1, 401);
    await until(() => store.seqs('dev-1').length >= 40, 'the first readings stored');
    await first.stop(); // every session stays with Mosquitto, with its unacknowledged share
    const acked = await publishing;
    expect(acked).toHaveLength(400);

    await source('a', { readingsConnections: 4 }).start(store.handler('a'));
    await until(() => store.seqs('dev-1').length === 400, 'every acknowledged reading stored');
    expect(store.seqs('dev-1')).toEqual(acked);
    expect(failedOnce).toBe(true);
    expect(mostInFlight).toBeGreaterThan(1);
  });

  it('names each readings session after the instance: session 0 keeps the instance id, the others add -r<k>', () => {
    expect(readingsClientId(ingestClientId('a'), 0)).toBe('pulseproof-ingest-a');
    expect(readingsClientId(ingestClientId('a'), 3)).toBe('pulseproof-ingest-a-r3');
    expect(() => source('a', { readingsConnections: 0 })).toThrow(/readingsConnections/);
  });

  it('publishes and subscribes for other services (MqttMessaging)', async () => {
    const s = source('a');
    await s.start(store.handler('a'));
    const received: string[] = [];
    const unsubscribe = await s.subscribe(mqttTopics.unitStatusFilter, (topic, payload) => received.push(`${topic} ${payload.toString()}`));
    const consoleClient = await device('console-1');
    await consoleClient.subscribeAsync(mqttTopics.alertsFilter, { qos: 1 });
    const alert = new Promise<string>((resolve) => consoleClient.on('message', (_t, p) => resolve(p.toString())));
    await s.publish(mqttTopics.alerts('p-1'), '{"alert":1}', { qos: 1 });
    expect(await alert).toBe('{"alert":1}');

    const unit = await device('unit-1');
    await unit.publishAsync(mqttTopics.unitStatus('u1'), 'available', { qos: 1 });
    await until(() => received.length === 1, 'the unit status');
    expect(received).toEqual([`${mqttTopics.unitStatus('u1')} available`]);
    await unsubscribe();
    await expect(s.publish('elsewhere/x', 'no')).rejects.toThrow(/pulseproof\/v1/);
  });

  it('fails the first connection with a message naming the settings', async () => {
    const closedPort = await (async () => {
      const other = await startMosquitto();
      await other.stop();
      return other.port;
    })();
    const refused = new MqttReadingSource({ url: `mqtt://127.0.0.1:${closedPort}`, instanceId: 'x', shareGroup: 'g', connectTimeoutMs: 2_000 });
    await expect(refused.connect()).rejects.toThrow(/MQTT_URL/);
  });
});
