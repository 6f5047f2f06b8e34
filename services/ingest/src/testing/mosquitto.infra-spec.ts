import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { MosquittoBroker, startMosquitto, writePasswordFile } from './mosquitto';

async function connect(url: string, options: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...options });
}

describe('Mosquitto test harness', () => {
  let broker: MosquittoBroker | undefined;
  let dir: string;

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pp-mosq-spec-'))));
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts an anonymous broker on a loopback port that forwards QoS 1 messages, and stops it by pid', async () => {
    broker = await startMosquitto();
    const subscriber = await connect(broker.url);
    await subscriber.subscribeAsync('t/#', { qos: 1 });
    const received = new Promise<string>((resolve) => subscriber.on('message', (_topic, payload) => resolve(payload.toString())));
    const publisher = await connect(broker.url);
    await publisher.publishAsync('t/1', 'hello', { qos: 1 });
    expect(await received).toBe('hello');
    await Promise.all([subscriber.endAsync(), publisher.endAsync()]);

    const { pid } = broker;
    await broker.stop();
    broker = undefined;
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('enforces a password file and an ACL file', async () => {
    const passwordFile = join(dir, 'passwords');
    const aclFile = join(dir, 'acl');
    writePasswordFile(passwordFile, { dev1: 'secret-1' });
    writeFileSync(aclFile, 'user dev1\ntopic write pulseproof/v1/devices/dev1/readings\n');
    broker = await startMosquitto({ passwordFile, aclFile });

    await expect(connect(broker.url, { username: 'dev1', password: 'wrong' })).rejects.toThrow();
    await expect(connect(broker.url)).rejects.toThrow();
    const device = await connect(broker.url, { username: 'dev1', password: 'secret-1' });
    expect(device.connected).toBe(true);
    await device.endAsync();
  });

  it('restarts on the same port with the persisted sessions', async () => {
    broker = await startMosquitto();
    const { port, dataDir } = broker;
    const sub = await connect(broker.url, { clientId: 'persistent-1', clean: false });
    await sub.subscribeAsync('q/#', { qos: 1 });
    await sub.endAsync();
    const pub = await connect(broker.url);
    await pub.publishAsync('q/1', 'while away', { qos: 1 });
    await pub.endAsync();
    await broker.stop({ keepData: true });

    broker = await startMosquitto({ port, dataDir });
    // Attached before the first network event: the queued message arrives right after CONNACK.
    const back = mqtt.connect(broker.url, { clientId: 'persistent-1', clean: false, reconnectPeriod: 0 });
    const received = new Promise<string>((resolve) => back.on('message', (_t, payload) => resolve(payload.toString())));
    expect(await received).toBe('while away');
    await back.endAsync();
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
    broker = undefined;
  });
});
