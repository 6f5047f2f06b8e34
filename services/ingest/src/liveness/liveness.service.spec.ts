import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteBus } from '@pulseproof/bus';
import { DeviceStatusEvent, Reading, busTopics, mqttTopics } from '@pulseproof/contracts';
import mqtt from 'mqtt';
import { EmbeddedBroker } from '../adapters/embedded-broker';
import { SqliteDeviceRegistry } from '../registry/sqlite-device-registry';
import { LivenessService } from './liveness.service';
import { PresenceEvent, PresenceFeed, aedesPresence, parseStatus, statusTopicPresence } from './presence';

const reading = (deviceId: string, seq: number, receivedAt: number): Reading =>
  ({ deviceId, seq, patientId: 'p-1', deviceTime: receivedAt, receivedAt, measurements: [], salt: '0x00' }) as unknown as Reading;

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A presence feed the test drives by hand. */
function manualFeed(): PresenceFeed & { emit(event: PresenceEvent): void } {
  let listener: ((event: PresenceEvent) => void) | undefined;
  return {
    start: async (l) => {
      listener = l;
      return async () => void (listener = undefined);
    },
    emit: (event) => listener?.(event),
  };
}

describe('LivenessService', () => {
  let dir: string;
  let bus: SqliteBus;
  let registry: SqliteDeviceRegistry;
  let now: number;
  const events: DeviceStatusEvent[] = [];
  const services: LivenessService[] = [];

  const start = async (presence: PresenceFeed[] = []) => {
    const service = new LivenessService({ dataDir: dir, toleranceFactor: 2, checkIntervalMs: 60_000, presence, clock: () => now }, registry, bus);
    services.push(service);
    await service.onApplicationBootstrap();
    return service;
  };
  const stop = async (service: LivenessService) => {
    services.splice(services.indexOf(service), 1);
    await service.onApplicationShutdown();
  };
  const publishReading = async (deviceId: string, seq: number) => {
    const before = events.length;
    await bus.publish(busTopics.readings, 'p-1', reading(deviceId, seq, now));
    return before;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-liveness-'));
    bus = new SqliteBus({ file: join(dir, 'bus.sqlite') });
    registry = new SqliteDeviceRegistry(join(dir, 'devices.sqlite'));
    await registry.registerDevice({ deviceId: 'mon-1', patientId: 'p-1', intervalMs: 1_000, credentials: false });
    await registry.registerDevice({ deviceId: 'mon-2', patientId: 'p-2', intervalMs: 10_000, credentials: false });
    now = Date.now();
    events.length = 0;
    bus.subscribe<DeviceStatusEvent>(busTopics.deviceStatus, 'test', async (messages) => void events.push(...messages.map((m) => m.value)));
  });

  afterEach(async () => {
    for (const s of services.splice(0)) await s.onApplicationShutdown();
    registry.close();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports a device silent once after its interval × tolerance without a reading, and online when it comes back', async () => {
    const service = await start();
    await publishReading('mon-1', 1);
    await until(() => events.length === 1, 'online');
    expect(events[0]).toMatchObject({ deviceId: 'mon-1', state: 'online', patientId: 'p-1', intervalMs: 1_000, lastSeenAt: now });
    const lastSeen = now;

    now += 1_900; // within 2 × 1 s
    await service.check();
    now += 200;
    await service.check();
    await service.check();
    await until(() => events.length === 2, 'silent');
    expect(events[1]).toMatchObject({ deviceId: 'mon-1', state: 'silent', lastSeenAt: lastSeen, intervalMs: 1_000 });

    now += 5_000;
    await service.check();
    await publishReading('mon-1', 2);
    await until(() => events.length === 3, 'online again');
    expect(events[2]).toMatchObject({ deviceId: 'mon-1', state: 'online', lastSeenAt: now });
    expect(events.filter((e) => e.deviceId === 'mon-1').map((e) => e.state)).toEqual(['online', 'silent', 'online']);
    expect(service.view('silent').map((d) => d.deviceId)).toEqual([]);
  });

  it("names each device's current patient, so a clinician's view can be filtered to their wards", async () => {
    const service = await start();
    expect(service.view().map((d) => [d.deviceId, d.patientId])).toEqual([
      ['mon-1', 'p-1'],
      ['mon-2', 'p-2'],
    ]);
    registry.move('mon-1', 'p-3', now);
    expect(service.view().find((d) => d.deviceId === 'mon-1')?.patientId).toBe('p-3');
  });

  it('keeps what it reported across a restart: no second silent event, and a grace period after the start', async () => {
    let service = await start();
    await publishReading('mon-1', 1);
    await until(() => events.length === 1, 'online');
    now += 2_500;
    await service.check();
    await until(() => events.length === 2, 'silent');
    await stop(service);

    now += 60_000; // ingest was down for a minute: mon-2 (10 s interval) last heard of before that
    service = await start();
    await service.check();
    now += 5_000;
    await service.check();
    await new Promise((r) => setTimeout(r, 100));
    expect(events.map((e) => `${e.deviceId} ${e.state}`)).toEqual(['mon-1 online', 'mon-1 silent']);
    expect(service.view().find((d) => d.deviceId === 'mon-1')).toMatchObject({ state: 'silent', lastSeenAt: now - 67_500 });

    now += 16_000; // mon-2: more than 2 × 10 s since this start
    await service.check();
    await until(() => events.length === 3, 'mon-2 silent');
    expect(events[2]).toMatchObject({ deviceId: 'mon-2', state: 'silent', intervalMs: 10_000 });
  });

  it('reports offline and online from the presence feed, for registered devices only', async () => {
    const feed = manualFeed();
    await start([feed]);
    feed.emit({ deviceId: 'mon-1', state: 'online' });
    feed.emit({ deviceId: 'stranger', state: 'online' });
    feed.emit({ deviceId: 'mon-1', state: 'offline' });
    feed.emit({ deviceId: 'mon-1', state: 'offline' });
    await until(() => events.length === 2, 'online, offline');
    await new Promise((r) => setTimeout(r, 100));
    expect(events.map((e) => `${e.deviceId} ${e.state}`)).toEqual(['mon-1 online', 'mon-1 offline']);
  });

  it('parses the status topic: a bare word or JSON, nothing else', () => {
    expect(parseStatus(mqttTopics.status('mon-1'), Buffer.from('offline'))).toEqual({ deviceId: 'mon-1', state: 'offline' });
    expect(parseStatus(mqttTopics.status('mon-1'), Buffer.from('{"state":"online"}'))).toEqual({ deviceId: 'mon-1', state: 'online' });
    expect(parseStatus(mqttTopics.status('mon-1'), Buffer.from('maybe'))).toBeUndefined();
    expect(parseStatus(mqttTopics.readings('mon-1'), Buffer.from('online'))).toBeUndefined();
  });

  it('sees devices come and go on the embedded broker: connections, the retained status and the last will', async () => {
    const broker = new EmbeddedBroker({ host: '127.0.0.1', port: 0, auth: 'off' });
    const port = await broker.listen();
    await broker.start(async () => 'accepted');
    try {
      await start([aedesPresence(broker), statusTopicPresence(broker)]);
      const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        clientId: 'mon-1',
        reconnectPeriod: 0,
        will: { topic: mqttTopics.status('mon-1'), payload: Buffer.from('offline'), qos: 1, retain: true },
      });
      await device.publishAsync(mqttTopics.status('mon-1'), 'online', { qos: 1, retain: true });
      await until(() => events.length === 1, 'online');
      device.stream.destroy(); // a crash: no DISCONNECT, so the broker publishes the will
      await until(() => events.length === 2, 'offline');
      expect(events.map((e) => `${e.deviceId} ${e.state}`)).toEqual(['mon-1 online', 'mon-1 offline']);
      await device.endAsync(true);
    } finally {
      await broker.stop();
    }
  });
});
