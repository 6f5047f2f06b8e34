import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, MqttClient } from 'mqtt';
import { mqttTopics } from '@pulseproof/contracts';
import { SqliteDeviceRegistry } from '@pulseproof/ingest';
import { MosquittoBroker, startMosquitto } from '../../services/ingest/src/testing/mosquitto';
import { freePort, PulseProofProcess, startProcess } from '../e2e/process';
import { E2E_ADMIN_TOKEN, eventually, getJson } from '../e2e/support';

jest.setTimeout(180_000);

const normal = {
  heart_rate: { value: 72, unit: '/min' },
  respiratory_rate: { value: 14, unit: '/min' },
  spo2: { value: 97, unit: '%' },
  temperature: { value: 36.8, unit: 'Cel' },
};

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * `npm start` with MQTT_URL: ingest is a client of Debian's Mosquitto (shared subscription, MQTT 5
 * persistent session), the embedded broker does not start, and a SIGKILL of the process loses
 * nothing Mosquitto acknowledged to the device: the session keeps what ingest had not acknowledged.
 */
describe('external broker (Mosquitto) with the built app', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pp-external-'));
  let broker: MosquittoBroker;
  let env: Record<string, string>;
  let running: PulseProofProcess | undefined;
  let device: MqttClient | undefined;

  beforeAll(async () => {
    broker = await startMosquitto();
    env = {
      DATA_DIR: dataDir,
      ADMIN_API_TOKEN: E2E_ADMIN_TOKEN,
      PORT: String(await freePort()),
      MQTT_PORT: String(await freePort()),
      MQTT_URL: broker.url,
      INGEST_INSTANCE_ID: 'infra-1',
      SIM_PATIENTS: '0',
    };
    // Mosquitto authenticates the devices here; the registry maps them to patients.
    const registry = new SqliteDeviceRegistry(join(dataDir, 'devices.sqlite'));
    await registry.registerDevice({ deviceId: 'ext-1', patientId: 'patient-ext', intervalMs: 60_000, credentials: false, at: 0 });
    registry.close();
  });

  afterAll(async () => {
    await device?.endAsync(true);
    if (running && running.child.exitCode === null) {
      running.child.kill('SIGINT');
      await running.exited;
    }
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores through Mosquitto, loses nothing across kill -9, and tracks liveness from the status topic', async () => {
    running = await startProcess(env);
    expect(running.output()).toContain('external');
    expect(await accepts(Number(env['MQTT_PORT']))).toBe(false); // no embedded broker

    device = await connectAsync(broker.url, {
      clientId: 'ext-1',
      reconnectPeriod: 0,
      will: { topic: mqttTopics.status('ext-1'), payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    await device.publishAsync(mqttTopics.status('ext-1'), 'online', { qos: 1, retain: true });

    const http = `http://127.0.0.1:${env['PORT']}`;
    const total = 300;
    const start = Date.now();
    let acked = 0;
    let killed: Promise<unknown> | undefined;
    const publishes: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const message = { v: 1, deviceId: 'ext-1', seq: 1 + i, ts: start + i, measurements: normal };
      publishes.push(
        device.publishAsync(mqttTopics.readings('ext-1'), JSON.stringify(message), { qos: 1 }).then(() => {
          acked += 1;
          if (acked === 100) {
            running!.child.kill('SIGKILL');
            killed = running!.exited;
          }
        }),
      );
      await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all(publishes); // Mosquitto acknowledged every one, ingest up or not
    expect(await killed).toBe('SIGKILL');

    running = await startProcess(env);
    const readings = await eventually('every reading stored', async () => {
      const { body } = await getJson(`${http}/api/patients/patient-ext/vitals?from=${start - 1}&to=${Date.now() + 1}&limit=10000`);
      return body.readings?.length >= total ? (body.readings as { seq: number }[]) : undefined;
    }, 60_000);
    const seqs = readings.map((r) => r.seq);
    expect(seqs).toHaveLength(total);
    expect(new Set(seqs).size).toBe(total);

    const online = await eventually('ext-1 online', async () => {
      const { body } = await getJson(`${http}/api/liveness`);
      const d = body.devices.find((x: { deviceId: string }) => x.deviceId === 'ext-1');
      return d?.state === 'online' && d.lastSeenAt ? d : undefined;
    });
    expect(online).toMatchObject({ deviceId: 'ext-1', connection: 'online', intervalMs: 60_000 });

    device.stream.destroy(); // the device vanishes: Mosquitto publishes its last will
    const offline = await eventually('ext-1 offline', async () => {
      const { body } = await getJson(`${http}/api/liveness?state=offline`);
      return body.devices.find((x: { deviceId: string }) => x.deviceId === 'ext-1');
    });
    expect(offline).toMatchObject({ state: 'offline', connection: 'offline' });

    running.child.kill('SIGINT');
    expect(await running.exited).toBe(0);
  });
});
