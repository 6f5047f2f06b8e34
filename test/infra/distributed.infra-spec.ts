import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connectAsync, MqttClient } from 'mqtt';
import { AnvilNode } from '@pulseproof/anchor';
import { mqttTopics } from '@pulseproof/contracts';
import { IssuedCredentials, SqliteDeviceRegistry, writeMosquittoFiles } from '@pulseproof/ingest';
import { Fleet, FleetStats, planFleet, startFleet } from '@pulseproof/simulators';
import { runCli } from 'pulseproof';
import { KafkaBroker, startKafka } from '../../packages/bus/src/testing/kafka';
import { Influxd, startInfluxd } from '../../services/ingest/src/testing/influxd';
import { MosquittoBroker, startMosquitto } from '../../services/ingest/src/testing/mosquitto';
import { freePort } from '../e2e/process';

jest.setTimeout(240_000);

const CLI = resolve(__dirname, '../../app/dist/cli.js');
const ADMIN_TOKEN = 'infra-admin-token-0123456789abcdef';
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

interface ServiceProcess {
  readonly name: string;
  readonly http: string;
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<number | string>;
}

async function getJson<T = any>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url, { headers: auth });
  return { status: response.status, body: (await response.json().catch(() => undefined)) as T };
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const normal = { heart_rate: 72, respiratory_rate: 14, spo2: 98, systolic_bp: 124, temperature: 36.8 };
// each parameter in a NEWS2 scoring band (RCP 2017 Chart 1): RR 26 (3), SpO2 90 (3), SBP 95 (2), HR 125 (2), T 39.2 (2)
const septic = { heart_rate: 125, respiratory_rate: 26, spo2: 90, systolic_bp: 95, temperature: 39.2 };
const units: Record<string, string> = { heart_rate: '/min', respiratory_rate: '/min', spo2: '%', systolic_bp: 'mm[Hg]', temperature: 'Cel' };

/**
 * The distributed topology on real servers, each service a child process of the built app
 * (`node app/dist/cli.js ingest|anchor|alerts`): simulated devices -> Mosquitto (accounts from the
 * registry export) -> two ingest processes (shared subscription) -> Kafka -> anchor (anvil) and
 * alerts; readings stored in InfluxDB 1.6 (v1 API). One ingest and the alerts process are killed
 * with SIGKILL mid-stream and restarted: nothing Mosquitto acknowledged is lost, no alert is raised twice.
 */
describe('distributed topology: Mosquitto, two ingests, Kafka, anchor, alerts, InfluxDB, anvil', () => {
  const root = mkdtempSync(join(tmpdir(), 'pp-distributed-'));
  const dirs = { ingest: join(root, 'ingest'), anchor: join(root, 'anchor'), alerts: join(root, 'alerts'), mosquitto: join(root, 'mosquitto'), chain: join(root, 'chain') };
  let kafka: KafkaBroker;
  let influxd: Influxd;
  let mosquitto: MosquittoBroker;
  let anvil: AnvilNode;
  let fleet: Fleet | undefined;
  const running = new Set<ServiceProcess>();
  const devices: MqttClient[] = [];
  const env: Record<string, string> = {};
  let service: IssuedCredentials;
  let gateway: IssuedCredentials;
  const septicCredentials = new Map<string, IssuedCredentials>();
  const plan = { patients: 6, deteriorating: 0, intervalMs: 150, seed: 11 };
  const members = planFleet(plan);

  async function startService(name: string, command: 'ingest' | 'anchor' | 'alerts', own: Record<string, string>): Promise<ServiceProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, command], {
      // cwd without a .env: only what is given here configures the process
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? root, ...env, ...own, PORT: String(port), KAFKA_CLIENT_ID: name },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | string>((done) => child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')));
    const proc: ServiceProcess = { name, http: `http://127.0.0.1:${port}`, child, output: () => output, exited };
    running.add(proc);
    void exited.then(() => running.delete(proc));
    const deadline = Date.now() + 90_000;
    while (!output.includes('Press Ctrl-C to stop.')) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited before it was ready:\n${output}`);
      if (Date.now() > deadline) throw new Error(`${name} was not ready in time:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return proc;
  }

  const ingestEnv = (instance: string) => ({
    DATA_DIR: dirs.ingest,
    INGEST_INSTANCE_ID: instance,
    MQTT_URL: mosquitto.url,
    MQTT_USERNAME: 'pulseproof-services',
    MQTT_PASSWORD: service.password,
    READINGS_STORE: 'influxdb',
    INFLUX_URL: influxd.url,
    INFLUX_API: 'v1',
    INFLUX_DATABASE: 'pulseproof',
  });
  const alertsEnv = () => ({ DATA_DIR: dirs.alerts, ALERT_ESCALATION_STEPS_MS: '' });

  async function kill9(proc: ServiceProcess): Promise<void> {
    proc.child.kill('SIGKILL');
    expect(await proc.exited).toBe('SIGKILL');
  }

  beforeAll(async () => {
    for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
    [kafka, influxd, anvil] = await Promise.all([startKafka(), startInfluxd(), AnvilNode.start({ dataDir: dirs.chain })]);
    await influxd.query('CREATE DATABASE pulseproof');

    // The registry the ingests share (one DATA_DIR here; a shared volume in docker-compose), exported
    // to Mosquitto as `npx pulseproof devices export-mosquitto` does.
    const registry = new SqliteDeviceRegistry(join(dirs.ingest, 'devices.sqlite'));
    service = await registry.registerPrincipal('service', 'pulseproof-services');
    gateway = await registry.registerPrincipal('gateway', 'sim-gateway');
    for (const m of members) await registry.registerDevice({ deviceId: m.deviceId, patientId: m.patientId, gatewayId: 'sim-gateway', credentials: false });
    for (const n of [1, 2]) {
      const issued = await registry.registerDevice({ deviceId: `bed-septic-${n}`, patientId: `patient-septic-${n}` });
      septicCredentials.set(`bed-septic-${n}`, issued.credentials!);
    }
    const files = writeMosquittoFiles(registry, dirs.mosquitto);
    registry.close();
    mosquitto = await startMosquitto({ passwordFile: files.passwdFile, aclFile: files.aclFile, maxQueuedMessages: 0 });

    Object.assign(env, {
      BUS: 'kafka',
      KAFKA_BROKERS: kafka.brokers.join(','),
      KAFKA_PARTITIONS: '4',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      HTTP_HOST: '127.0.0.1',
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      SIM_PATIENTS: '0',
    });
  });

  afterAll(async () => {
    await fleet?.stop().catch(() => undefined);
    await Promise.all(devices.map((d) => d.endAsync(true).catch(() => undefined)));
    await Promise.all(
      [...running].map(async (p) => {
        p.child.kill('SIGTERM');
        const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
        await p.exited;
        clearTimeout(timer);
      }),
    );
    await mosquitto?.stop();
    await influxd?.stop();
    await anvil?.stop();
    await kafka?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  async function septicDevice(deviceId: string) {
    const client = await connectAsync(mosquitto.url, { clientId: deviceId, clean: false, reconnectPeriod: 0, ...septicCredentials.get(deviceId) });
    devices.push(client);
    return (seq: number, vitals: Record<string, number>) =>
      client.publishAsync(
        mqttTopics.readings(deviceId),
        JSON.stringify({ v: 1, deviceId, seq, ts: Date.now(), measurements: Object.fromEntries(Object.entries(vitals).map(([code, value]) => [code, { value, unit: units[code] }])) }),
        { qos: 1 },
      );
  }

  async function news2Alerts(alerts: ServiceProcess): Promise<{ patientId: string; type: string }[]> {
    const { body } = await getJson(`${alerts.http}/api/alerts`);
    const list = (Array.isArray(body) ? body : body.alerts) as { patientId: string; type: string }[];
    return list.filter((a) => a.type === 'news2');
  }

  it('stores, anchors and evaluates everything, and loses nothing when an ingest and alerts are killed -9', async () => {
    const ingest1 = await startService('ingest-1', 'ingest', ingestEnv('ingest-1'));
    const ingest2 = await startService('ingest-2', 'ingest', ingestEnv('ingest-2'));
    const anchor = await startService('anchor', 'anchor', {
      DATA_DIR: dirs.anchor,
      CHAIN_RPC_URL: anvil.rpcUrl,
      CHAIN_PRIVATE_KEY: anvil.privateKey,
      BATCH_MAX_AGE_MS: '1000',
    });
    let alerts = await startService('alerts', 'alerts', alertsEnv());

    // a second anchor process waits as a standby instead of anchoring beside the first
    const standbyPort = await freePort();
    const standby = spawn(process.execPath, [CLI, 'anchor'], {
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '', ...env, DATA_DIR: join(root, 'anchor-standby'), CHAIN_RPC_URL: anvil.rpcUrl, CHAIN_PRIVATE_KEY: anvil.privateKey, PORT: String(standbyPort), KAFKA_CLIENT_ID: 'anchor-standby' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let standbyOutput = '';
    standby.stdout!.on('data', (c: Buffer) => (standbyOutput += c.toString()));
    const standbyExited = new Promise<number | string>((done) => standby.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')));
    running.add({ name: 'anchor-standby', http: `http://127.0.0.1:${standbyPort}`, child: standby, output: () => standbyOutput, exited: standbyExited });

    fleet = await startFleet({ brokerUrl: mosquitto.url, username: 'sim-gateway', password: gateway.password, ...plan });
    const septic1 = await septicDevice('bed-septic-1');
    const septic2 = await septicDevice('bed-septic-2');
    for (let seq = 1; seq <= 10; seq++) {
      await septic1(seq, seq <= 2 ? normal : septic);
      await septic2(seq, seq <= 2 ? normal : septic);
    }

    // both septic patients alerted once, and the standby anchor did not start anchoring
    await eventually('a news2 alert for each septic patient', async () => (await news2Alerts(alerts)).filter((a) => a.patientId.startsWith('patient-septic')).length >= 2);
    await eventually('the standby anchor to wait', async () => standbyOutput.includes('standby'));
    expect(standbyOutput).not.toContain('Press Ctrl-C to stop.');
    standby.kill('SIGTERM');
    expect(await standbyExited).toBe(0);

    // mid-stream: the fleet keeps publishing while one ingest and the alerts process die
    await eventually('the fleet under way', async () => fleet!.stats().acked >= 60);
    await Promise.all([kill9(ingest1), kill9(alerts)]);
    for (let seq = 11; seq <= 20; seq++) {
      await septic1(seq, septic);
      await septic2(seq, septic);
    }
    const ackedWhileDown = fleet.stats().acked;
    await eventually('more readings acknowledged while they are down', async () => fleet!.stats().acked >= ackedWhileDown + 30);
    const restarted = await startService('ingest-1', 'ingest', ingestEnv('ingest-1'));
    alerts = await startService('alerts', 'alerts', alertsEnv());
    await new Promise((r) => setTimeout(r, 1_000));
    const final: FleetStats = await fleet.stop();
    fleet = undefined;
    expect(final.errors).toBe(0);

    // Stored: every reading Mosquitto acknowledged is in InfluxDB, each once (read through either ingest)
    const from = Date.now() - 3_600_000;
    for (const device of final.devices) {
      const patientId = members.find((m) => m.deviceId === device.deviceId)!.patientId;
      const seqs = await eventually(`every acknowledged reading of ${device.deviceId}`, async () => {
        const { body } = await getJson(`${ingest2.http}/api/patients/${patientId}/vitals?from=${from}&to=${Date.now() + 60_000}&limit=10000`);
        const got = (body.readings as { seq: number }[]).map((r) => r.seq);
        return got.length >= device.acked ? got : undefined;
      });
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(seqs.length).toBeLessThanOrEqual(device.sent);
    }
    for (const n of [1, 2]) {
      const { body } = await getJson(`${restarted.http}/api/patients/patient-septic-${n}/vitals?from=${from}&to=${Date.now() + 60_000}&limit=100`);
      expect((body.readings as { seq: number }[]).map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    }

    // Evaluated: the restarted alerts process caught up on everything, and raised no alert twice
    await eventually('alerts caught up on the readings', async () => {
      const { body } = await getJson(`${alerts.http}/api/health`);
      return body.components.alerts.detail.lag === 0 ? body : undefined;
    });
    const raised = await news2Alerts(alerts);
    expect(raised.filter((a) => a.patientId === 'patient-septic-1')).toHaveLength(1);
    expect(raised.filter((a) => a.patientId === 'patient-septic-2')).toHaveLength(1);

    // Anchored: a receipt for the last septic reading (sent while alerts was down) and one of the fleet's verify on chain
    const someFleetReading = `${final.devices[0]!.deviceId}:${final.devices[0]!.lastSeq}`;
    for (const readingId of ['bed-septic-1:20', someFleetReading]) {
      const receipt = await eventually(`a receipt for ${readingId}`, async () => {
        const { status, body } = await getJson(`${anchor.http}/api/readings/${readingId}/receipt`);
        return status === 200 ? body : undefined;
      });
      const file = join(root, `receipt-${readingId.replace(':', '-')}.json`);
      writeFileSync(file, JSON.stringify(receipt));
      const out: string[] = [];
      const err: string[] = [];
      await expect(runCli(['audit', 'verify', file, '--rpc', anvil.rpcUrl], { out: (l) => out.push(l), err: (l) => err.push(l) })).resolves.toBe(0);
      expect(out.join('\n')).toContain(`valid: reading ${readingId}`);
    }

    // Each process guards its API as the embedded app does
    const anonymous = await fetch(`${ingest2.http}/api/patients/patient-septic-1/vitals?from=${from}&to=${Date.now()}`);
    expect(anonymous.status).toBe(401);

    // Each process answers /api/health, names the Kafka bus and reports the lag of the groups it runs (or feeds)
    const lagsOf = new Map([
      [ingest2, ['anchorLag', 'alertsLag']],
      [restarted, ['anchorLag', 'alertsLag']],
      [anchor, ['anchorLag']],
      [alerts, ['alertsLag', 'alertDeliveryLag']],
    ]);
    for (const [proc, lags] of lagsOf) {
      const { status, body } = await getJson(`${proc.http}/api/health`);
      expect(status).toBe(200);
      expect(body.components.bus.detail.kind).toBe('kafka');
      expect(body.components.bus.detail.skippedMessages).toBe(0);
      for (const lag of lags) expect(body.components.bus.detail[lag]).toEqual(expect.any(Number));
    }

    // a clean stop exits 0
    for (const proc of [restarted, ingest2, anchor, alerts]) {
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
    }
  });
});
