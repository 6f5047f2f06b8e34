import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { mqttTopics } from '@pulseproof/contracts';
import { MosquittoBroker, startMosquitto } from '../testing/mosquitto';
import { IssuedCredentials } from './device-registry';
import { writeMosquittoFiles } from './mosquitto-export';
import { SqliteDeviceRegistry } from './sqlite-device-registry';

function connect(url: string, credentials: IssuedCredentials, clientId = credentials.username): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync(url, { ...credentials, clientId, reconnectPeriod: 0, connectTimeout: 5_000 });
}

/** Messages in arrival order, and a wait for the first one on a topic. */
function inbox(client: mqtt.MqttClient) {
  const seen: { topic: string; payload: string }[] = [];
  const waiters: { topic: string; resolve: () => void }[] = [];
  client.on('message', (topic, payload) => {
    seen.push({ topic, payload: payload.toString() });
    for (const w of waiters.filter((w) => w.topic === topic)) w.resolve();
  });
  return {
    seen,
    next: (topic: string) =>
      seen.some((m) => m.topic === topic) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ topic, resolve })),
  };
}

describe('devices export-mosquitto against a real Mosquitto 2.0', () => {
  let dir: string;
  let outDir: string;
  let registry: SqliteDeviceRegistry;
  let broker: MosquittoBroker | undefined;
  const clients: mqtt.MqttClient[] = [];
  let bed1: IssuedCredentials;
  let bed2: IssuedCredentials;
  let service: IssuedCredentials;
  let wardConsole: IssuedCredentials;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-mosq-export-'));
    outDir = join(dir, 'mosquitto');
    registry = new SqliteDeviceRegistry(join(dir, 'devices.sqlite'), { scrypt: { N: 1 << 10, r: 8, p: 1, keyLength: 32 } });
    bed1 = (await registry.registerDevice({ deviceId: 'bed-1', patientId: 'p-1' })).credentials!;
    bed2 = (await registry.registerDevice({ deviceId: 'bed-2', patientId: 'p-2' })).credentials!;
    service = await registry.registerPrincipal('service', 'ingest');
    wardConsole = await registry.registerPrincipal('console', 'ward-3');
    await registry.registerDevice({ deviceId: 'bed-gone' });
    registry.revoke('bed-gone');
    const written = writeMosquittoFiles(registry, outDir);
    // With max_queued_messages 0 (the harness default, "no limit"), Mosquitto 2.0.11 drops the
    // connection of a 3.1.1 client right after PUBACKing a QoS 1 publish its ACL denied
    // ("Bad socket read/write ... Unknown error"); its own default (1000) keeps the client.
    broker = await startMosquitto({ passwordFile: written.passwdFile, aclFile: written.aclFile, maxQueuedMessages: 1000 });
  });

  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await broker?.stop();
    registry.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const track = async (pending: Promise<mqtt.MqttClient>) => {
    const client = await pending;
    clients.push(client);
    return client;
  };

  it('writes hashes only: passwd mode 0600, no secret in either file, revoked principals left out', () => {
    const passwd = readFileSync(join(outDir, 'passwd'), 'utf8');
    const acl = readFileSync(join(outDir, 'acl'), 'utf8');
    expect(statSync(join(outDir, 'passwd')).mode & 0o777).toBe(0o600);
    expect(passwd.split('\n').filter(Boolean).map((l) => l.split(':')[0])).toEqual(['bed-1', 'bed-2', 'ingest', 'ward-3']);
    expect(passwd).toMatch(/^bed-1:\$7\$1000\$[A-Za-z0-9+/=]{16}\$[A-Za-z0-9+/=]{88}$/m);
    for (const secret of [bed1, bed2, service, wardConsole]) {
      expect(passwd).not.toContain(secret.password);
      expect(acl).not.toContain(secret.password);
    }
    expect(acl).not.toContain('bed-gone');
  });

  it('lets a device publish its own readings to the service, and delivers nothing it may not publish', async () => {
    const ingest = await track(connect(broker!.url, service, 'pulseproof-ingest'));
    const got = inbox(ingest);
    await ingest.subscribeAsync('$share/ingest/pulseproof/v1/devices/+/readings', { qos: 1 });

    const device = await track(connect(broker!.url, bed1));
    // Mosquitto accepts and drops a publish the ACL denies; QoS 1 from one client arrives in order
    // [MQTT-4.6.0-2], so once the marker is in, the forged one would have come before it.
    await device.publishAsync(mqttTopics.readings('bed-2'), 'forged', { qos: 1 });
    await device.publishAsync(mqttTopics.readings('bed-1'), 'own', { qos: 1 });
    await got.next(mqttTopics.readings('bed-1'));
    expect(got.seen).toEqual([{ topic: mqttTopics.readings('bed-1'), payload: 'own' }]);
  });

  it("never delivers another device's commands, even to a wildcard subscription", async () => {
    const device = await track(connect(broker!.url, bed1, 'bed-1-commands'));
    const got = inbox(device);
    await device.subscribeAsync(['pulseproof/v1/devices/+/commands', mqttTopics.commands('bed-1')], { qos: 1 });
    const ingest = await track(connect(broker!.url, service, 'pulseproof-commands'));
    await ingest.publishAsync(mqttTopics.commands('bed-2'), 'for bed-2', { qos: 1 });
    await ingest.publishAsync(mqttTopics.commands('bed-1'), 'for bed-1', { qos: 1 });
    await got.next(mqttTopics.commands('bed-1'));
    expect(got.seen.map((m) => m.payload)).not.toContain('for bed-2');
  });

  it('delivers alerts to a subscribed console', async () => {
    const ward = await track(connect(broker!.url, wardConsole));
    const got = inbox(ward);
    await ward.subscribeAsync('pulseproof/v1/alerts/#', { qos: 1 });
    const ingest = await track(connect(broker!.url, service, 'pulseproof-alerts'));
    await ingest.publishAsync(mqttTopics.alerts('p-1'), 'news2 high', { qos: 1 });
    await got.next(mqttTopics.alerts('p-1'));
    expect(got.seen).toEqual([{ topic: mqttTopics.alerts('p-1'), payload: 'news2 high' }]);
  });

  it('refuses a wrong password, an unknown user and anonymous clients', async () => {
    await expect(connect(broker!.url, { username: 'bed-1', password: bed2.password })).rejects.toThrow();
    await expect(connect(broker!.url, { username: 'bed-9', password: bed1.password })).rejects.toThrow();
    await expect(mqtt.connectAsync(broker!.url, { reconnectPeriod: 0, connectTimeout: 5_000 })).rejects.toThrow();
  });

  it('refuses a revoked device once the files are exported again and Mosquitto reloads them', async () => {
    const before = await connect(broker!.url, bed2, 'bed-2-before');
    await before.endAsync();
    registry.revoke('bed-2');
    writeMosquittoFiles(registry, outDir);
    process.kill(broker!.pid, 'SIGHUP');
    // The reload happens in the broker's own loop: retry until it answers with the new files.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const refused = await connect(broker!.url, bed2, 'bed-2-after').then(
        (client) => client.endAsync().then(() => false),
        () => true,
      );
      if (refused) break;
      if (Date.now() > deadline) throw new Error(`Mosquitto still accepts the revoked device:\n${broker!.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const other = await track(connect(broker!.url, bed1, 'bed-1-after'));
    expect(other.connected).toBe(true);
  });
});
