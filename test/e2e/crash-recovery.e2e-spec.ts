import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, MqttClient } from 'mqtt';
import { mqttTopics } from '@pulseproof/contracts';
import { SqliteDeviceRegistry } from '@pulseproof/ingest';
import { auditVerify } from 'pulseproof';
import { freePort, PulseProofProcess, startProcess, MAIN } from './process';
import { E2E_ADMIN_TOKEN, eventually, getJson } from './support';

jest.setTimeout(180_000);

/**
 * Between binding its port and opening its registry, a restarting process answers CONNECT with
 * "server unavailable" (3.1.1 return code 3: try again later). mqtt.js 5 stops reconnecting after a
 * refused CONNACK unless told otherwise; a real device keeps trying, and so do these.
 */
const DEVICE_RECONNECT = { reconnectPeriod: 250, reconnectOnConnackError: true };

/** The devices here publish in bursts far above a real device's rate: the per-device limit is not under test. */
const NO_RATE_LIMIT = { MQTT_RATE_PER_DEVICE: '100000', MQTT_RATE_BURST: '100000' };

/** Registers devices with credentials in the data folder's registry, before the process starts. */
async function registerDevices(dataDir: string, devices: { deviceId: string; patientId: string }[]): Promise<{ username: string; password: string }[]> {
  const registry = new SqliteDeviceRegistry(join(dataDir, 'devices.sqlite'));
  try {
    const issued = [];
    for (const d of devices) {
      const { credentials } = await registry.registerDevice({ ...d, credentials: true, at: Date.now() - 3_600_000 });
      issued.push(credentials!);
    }
    return issued;
  } finally {
    registry.close();
  }
}

const READINGS = 400;
const KILL_AFTER_ACKS = 150;
// NEWS2 >= 7 (RCP 2017 Chart 1): RR 26 (3), SpO2 90 (3), HR 125 (2), T 39.2 (2)
const septic = {
  heart_rate: { value: 125, unit: '/min' },
  respiratory_rate: { value: 26, unit: '/min' },
  spo2: { value: 90, unit: '%' },
  temperature: { value: 39.2, unit: 'Cel' },
};

/**
 * Promise 2, "nothing acknowledged is lost": a device publishes at QoS 1 while the whole process is
 * killed with SIGKILL and started again on the same data. Every acknowledged reading must end up
 * stored once, anchored once and evaluated once.
 */
describe('kill -9 mid-stream and restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pp-crash-'));
  let env: Record<string, string>;
  let running: PulseProofProcess | undefined;
  let device: MqttClient | undefined;
  let credentials: { username: string; password: string };

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first (npm test does)`);
    env = {
      DATA_DIR: dataDir, ADMIN_API_TOKEN: E2E_ADMIN_TOKEN,
      PORT: String(await freePort()),
      MQTT_PORT: String(await freePort()),
      SIM_PATIENTS: '0',
      BATCH_MAX_AGE_MS: '200',
      BATCH_MAX_SIZE: '64',
      ...NO_RATE_LIMIT,
    };
    credentials = (await registerDevices(dataDir, [{ deviceId: 'bed-crash', patientId: 'patient-crash' }]))[0]!;
  });

  afterAll(async () => {
    await device?.endAsync(true);
    if (running && running.child.exitCode === null) {
      running.child.kill('SIGINT');
      await running.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores, anchors and evaluates every acknowledged reading exactly once', async () => {
    running = await startProcess(env);
    device = await connectAsync(`mqtt://127.0.0.1:${env['MQTT_PORT']}`, { clientId: 'bed-crash', clean: false, ...DEVICE_RECONNECT, ...credentials });
    device.on('error', () => undefined); // refused reconnects while the process is down are expected

    const start = Date.now() - READINGS * 1000;
    let acked = 0;
    let killed: Promise<unknown> | undefined;
    const publishes = Array.from({ length: READINGS }, (_, i) =>
      device!
        .publishAsync(mqttTopics.readings('bed-crash'), JSON.stringify({ v: 1, deviceId: 'bed-crash', seq: 10_000 + i, ts: start + i * 1000, measurements: septic }), { qos: 1 })
        .then(() => {
          acked += 1;
          if (acked === KILL_AFTER_ACKS) {
            running!.child.kill('SIGKILL');
            killed = running!.exited;
          }
        }),
    );
    await eventually('the kill', async () => killed, 60_000);
    expect(await killed).toBe('SIGKILL');
    expect(acked).toBeLessThan(READINGS);

    // Same data, same ports: the device reconnects and resends what was never acknowledged.
    running = await startProcess(env);
    await Promise.all(publishes);
    const http = `http://127.0.0.1:${env['PORT']}`;

    // Stored once: all readings, no duplicates.
    const { body: vitals } = await getJson(`${http}/api/patients/patient-crash/vitals?from=${start - 1}&to=${Date.now()}&limit=10000`);
    const seqs = vitals.readings.map((r: { seq: number }) => r.seq);
    expect(new Set(seqs).size).toBe(READINGS);
    expect(seqs).toHaveLength(READINGS);

    // Anchored once: the batches on chain hold every reading exactly one time.
    const batches = await eventually('every reading anchored', async () => {
      const { body } = await getJson(`${http}/api/health`);
      if (body.components.anchor.detail.pendingLeaves !== 0 || body.components.anchor.detail.unanchoredBatches !== 0) return undefined;
      return (await getJson(`${http}/api/anchors?limit=500`)).body as { count: number; status: string }[];
    }, 90_000);
    expect(batches.reduce((sum, b) => sum + b.count, 0)).toBe(READINGS);
    expect(batches.every((b) => b.status === 'confirmed' || b.status === 're-anchored')).toBe(true);
    const rpcUrl = /anvil \(embedded\) at (\S+)/.exec(running.output())![1]!;
    for (const seq of [10_000, 10_000 + KILL_AFTER_ACKS, 10_000 + READINGS - 1]) {
      const { status, body: receipt } = await getJson(`${http}/api/readings/bed-crash:${seq}/receipt`);
      expect(status).toBe(200);
      const file = join(dataDir, `receipt-${seq}.json`);
      writeFileSync(file, JSON.stringify(receipt));
      const outcome = await auditVerify(file, rpcUrl);
      expect(outcome.lines.map((l) => l.text)).toEqual([expect.stringMatching(/^valid: /)]);
    }

    // Evaluated once: one alert for the patient, raised once, across the crash.
    const alerts = await eventually('the alert', async () => {
      const { body } = await getJson(`${http}/api/alerts?state=all&patientId=patient-crash`);
      return body.length > 0 ? body : undefined;
    });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ state: 'active', priority: 'high' });

    // Ctrl-C stops everything cleanly, anvil included.
    running.child.kill('SIGINT');
    expect(await running.exited).toBe(0);
    expect(running.output()).toContain('stopped cleanly');
    expect(existsSync(join(dataDir, 'anvil.pid'))).toBe(false);
  });
});

const FLEET = 25;
const PER_DEVICE = 120;
const normal = {
  heart_rate: { value: 72, unit: '/min' },
  respiratory_rate: { value: 14, unit: '/min' },
  spo2: { value: 97, unit: '%' },
  temperature: { value: 36.8, unit: 'Cel' },
};

/**
 * Issue 3 item 5 under load: many devices, each with a persistent session (clean session off, so
 * mqtt.js keeps every unacknowledged QoS 1 PUBLISH and resends it on reconnection [MQTT-4.4.0-1]),
 * publish while the process is killed with SIGKILL. After the restart every reading ends up stored
 * exactly once: the acknowledged ones were durable before their PUBACK, and the devices resent the
 * others.
 */
describe('kill -9 under load from many devices, and restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pp-crash-load-'));
  let env: Record<string, string>;
  let running: PulseProofProcess | undefined;
  const devices: MqttClient[] = [];
  const ids = Array.from({ length: FLEET }, (_, i) => ({ deviceId: `load-crash-${i}`, patientId: `patient-load-${i}` }));
  let credentials: { username: string; password: string }[];

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first (npm test does)`);
    env = { DATA_DIR: dataDir, ADMIN_API_TOKEN: E2E_ADMIN_TOKEN, PORT: String(await freePort()), MQTT_PORT: String(await freePort()), SIM_PATIENTS: '0', ...NO_RATE_LIMIT };
    credentials = await registerDevices(dataDir, ids);
  });

  afterAll(async () => {
    await Promise.all(devices.map((d) => d.endAsync(true)));
    if (running && running.child.exitCode === null) {
      running.child.kill('SIGINT');
      await running.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores every reading once: the acknowledged ones survive, the unacknowledged ones are resent', async () => {
    running = await startProcess(env);
    const url = `mqtt://127.0.0.1:${env['MQTT_PORT']}`;
    for (const [i, { deviceId }] of ids.entries()) {
      const client = await connectAsync(url, { clientId: deviceId, clean: false, ...DEVICE_RECONNECT, ...credentials[i]! });
      client.on('error', () => undefined); // refused reconnects while the process is down are expected
      devices.push(client);
    }

    const start = Date.now();
    const ackedBeforeKill = new Set<string>();
    let acked = 0;
    let killedAt: { acked: number; sent: number } | undefined;
    let sent = 0;
    let killed: Promise<unknown> | undefined;
    const total = FLEET * PER_DEVICE;
    // Round after round, every device publishes one reading, a few ms apart: a steady stream.
    const publishes: Promise<void>[] = [];
    for (let round = 0; round < PER_DEVICE; round++) {
      for (const [i, client] of devices.entries()) {
        const deviceId = ids[i]!.deviceId;
        const seq = 1 + round;
        const message = { v: 1, deviceId, seq, ts: start + round, measurements: normal };
        sent += 1;
        publishes.push(
          client.publishAsync(mqttTopics.readings(deviceId), JSON.stringify(message), { qos: 1 }).then(() => {
            acked += 1;
            if (!killed) ackedBeforeKill.add(`${deviceId}:${seq}`);
            if (acked === Math.floor(total * 0.4)) {
              killedAt = { acked, sent };
              running!.child.kill('SIGKILL');
              killed = running!.exited;
            }
          }),
        );
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await eventually('the kill', async () => killed, 60_000);
    expect(await killed).toBe('SIGKILL');
    expect(killedAt!.sent).toBeGreaterThan(killedAt!.acked); // readings were in flight when it died

    // Same data, same ports: the devices reconnect on their own and resend what was never acknowledged.
    running = await startProcess(env);
    await Promise.all(publishes);
    expect(acked).toBe(total);

    const http = `http://127.0.0.1:${env['PORT']}`;
    const stored = new Map<string, number>();
    for (const { deviceId, patientId } of ids) {
      const { body } = await getJson(`${http}/api/patients/${patientId}/vitals?from=${start - 1}&to=${Date.now() + 1}&limit=10000`);
      for (const r of body.readings as { deviceId: string; seq: number }[]) {
        const key = `${r.deviceId ?? deviceId}:${r.seq}`;
        stored.set(key, (stored.get(key) ?? 0) + 1);
      }
    }
    // Exactly once: every sent reading stored, none twice.
    expect(stored.size).toBe(total);
    expect([...stored.values()].every((n) => n === 1)).toBe(true);
    // What was acknowledged before the kill is among it (it was durable before its PUBACK).
    expect([...ackedBeforeKill].filter((key) => !stored.has(key))).toEqual([]);

    running.child.kill('SIGINT');
    expect(await running.exited).toBe(0);
  });
});
