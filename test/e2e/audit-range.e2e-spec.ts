import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { connectAsync, MqttClient } from 'mqtt';
import { mqttTopics } from '@pulseproof/contracts';
import { DeviceRegistry } from '@pulseproof/ingest';
import { EmbeddedSystem, PulseProofConfig, runCli, startEmbedded } from 'pulseproof';
import { eventually, getJson, testConfig } from './support';

jest.setTimeout(120_000);

const PER_DEVICE = 6;
const ON_CHAIN = new Set(['anchored', 'confirmed', 're-anchored']);

/**
 * Issue 4 item 6: readings stored and anchored by the real pipeline, then the ingest store tampered
 * with the way an insider with SQLite access would. The range audit must name each tampered
 * reading, pass a clean store, and refuse to call an audit clean when it cannot reach the chain.
 */
describe('pulseproof audit range', () => {
  let config: PulseProofConfig;
  let system: EmbeddedSystem;
  let device: MqttClient | undefined;
  const start = Date.now() - 3_600_000; // device times an hour ago: well past any grace period
  const range = ['--from', new Date(start - 1000).toISOString(), '--to', String(start + 60_000)];

  const audit = async (...extra: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['audit', 'range', ...range, '--data-dir', config.dataDir, '--rpc', system.rpcUrl, ...extra], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    return { code, out, err };
  };

  beforeAll(async () => {
    config = testConfig();
    system = await startEmbedded(config, { logLevels: ['error'] });
    // One client publishes for both beds: it signs in as a gateway they are attached to.
    const registry = system.app.get(DeviceRegistry);
    const gateway = await registry.registerPrincipal('gateway', 'auditor-test-gateway');
    await registry.registerDevice({ deviceId: 'bed-a', patientId: 'patient-a', gatewayId: 'auditor-test-gateway', credentials: false });
    await registry.registerDevice({ deviceId: 'bed-b', patientId: 'patient-b', gatewayId: 'auditor-test-gateway', credentials: false });
    device = await connectAsync(system.mqttUrl, { clientId: 'auditor-test-devices', reconnectPeriod: 0, ...gateway });
    for (let i = 0; i < PER_DEVICE; i++) {
      for (const deviceId of ['bed-a', 'bed-b']) {
        const payload = { v: 1, deviceId, seq: i, ts: start + i * 1000, measurements: { heart_rate: { value: 70 + i, unit: '/min' }, spo2: { value: 97.5, unit: '%' } } };
        await device.publishAsync(mqttTopics.readings(deviceId), JSON.stringify(payload), { qos: 1 });
      }
    }
    await eventually('every reading anchored', async () => {
      const { body } = await getJson(`${system.httpUrl}/api/anchors?limit=500`);
      const batches: { count: number; status: string }[] = Array.isArray(body) ? body : body.batches;
      const anchored = batches.filter((b) => ON_CHAIN.has(b.status)).reduce((n, b) => n + b.count, 0);
      return anchored === 2 * PER_DEVICE ? true : undefined;
    });
  });

  afterAll(async () => {
    await device?.endAsync();
    await system?.stop();
    rmSync(config.dataDir, { recursive: true, force: true });
  });

  it('passes a store nobody touched', async () => {
    const { code, out, err } = await audit();
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out).toEqual([expect.stringMatching(/readings checked.*: clean$/)]);
    expect(out[0]).toContain(`${2 * PER_DEVICE} readings checked`);
  });

  it('audit verify checks an NDJSON file of receipts and ends with a summary', async () => {
    const receipts = [];
    for (const id of ['bed-a:0', 'bed-b:1', 'bed-a:5']) receipts.push((await getJson(`${system.httpUrl}/api/readings/${id}/receipt`)).body);
    const tampered = { ...receipts[2], reading: { ...receipts[2].reading, measurements: { heart_rate: 30, spo2: 97.5 } } };
    const file = join(config.dataDir, 'receipts.ndjson');
    writeFileSync(file, [...receipts, tampered].map((r) => JSON.stringify(r)).join('\n'));
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['audit', 'verify', file, '--rpc', system.rpcUrl], { out: (l) => out.push(l), err: (l) => err.push(l) });
    expect(code).toBe(1);
    expect(out).toEqual([
      expect.stringMatching(/:1: valid: reading bed-a:0 /),
      expect.stringMatching(/:2: valid: reading bed-b:1 /),
      expect.stringMatching(/:3: valid: reading bed-a:5 /),
      '3 valid, 1 invalid (leaf-mismatch: 1)',
    ]);
    expect(err).toEqual([expect.stringMatching(/:4: invalid: reading bed-a:5: leaf does not match the reading/)]);
  });

  it('names each altered, deleted and inserted reading, and exits 1', async () => {
    const db = new Database(join(config.dataDir, 'readings.sqlite'));
    try {
      db.prepare(`UPDATE readings SET measurements = json_set(measurements, '$.heart_rate', 140) WHERE device_id = 'bed-a' AND seq = 3`).run();
      db.prepare(`DELETE FROM readings WHERE device_id = 'bed-b' AND seq = 2`).run();
      db.prepare('INSERT INTO readings (device_id, seq, patient_id, device_time, received_at, measurements, salt) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        'bed-a', 999, 'patient-a', start + 2500, start + 2600, JSON.stringify({ heart_rate: 71, spo2: 97.5 }), `0x${randomBytes(32).toString('hex')}`,
      );
    } finally {
      db.close();
    }
    const { code, out, err } = await audit();
    expect(code).toBe(1);
    expect(out).toEqual([]);
    // in leaf order (bed-b:2 was stored before bed-a:3), then the readings no batch has, then the summary
    expect(err).toEqual([
      expect.stringMatching(/^deleted bed-b:2: leaf \d+ of batch \d+ is anchored, the reading is not in the store$/),
      expect.stringMatching(/^altered bed-a:3: stored reading hashes to 0x[0-9a-f]{64}, leaf \d+ of batch \d+ anchored 0x[0-9a-f]{64}$/),
      expect.stringMatching(/^inserted bed-a:999: stored \(device time .*\), never given a leaf$/),
      expect.stringMatching(/: 1 altered, 1 deleted, 1 inserted$/),
    ]);
  });

  it('exits 3, not 0, when the chain does not answer', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['audit', 'range', ...range, '--data-dir', config.dataDir, '--rpc', 'http://127.0.0.1:1'], { out: (l) => out.push(l), err: (l) => err.push(l) });
    expect(code).toBe(3);
    expect(err).toEqual([expect.stringMatching(/^chain not reachable, audit incomplete: rpc unreachable: http:\/\/127\.0\.0\.1:1 /)]);
  });

  it('exits 2 for bad usage: a missing store, an unreadable time', async () => {
    const missing = join(config.dataDir, 'nowhere');
    const { code, err } = await audit('--data-dir', missing);
    expect(code).toBe(2);
    expect(err).toEqual([expect.stringContaining(`${join(missing, 'readings.sqlite')} not found`)]);
    const out: string[] = [];
    const bad: string[] = [];
    await expect(runCli(['audit', 'range', '--from', 'yesterday', '--to', '1', '--rpc', system.rpcUrl], { out: (l) => out.push(l), err: (l) => bad.push(l) })).resolves.toBe(2);
    expect(bad).toEqual([expect.stringContaining('--from yesterday is not a time')]);
  });

  it('documents the findings, exit codes and an example in --help', async () => {
    const out: string[] = [];
    await expect(runCli(['audit', 'range', '--help'], { out: (l) => out.push(l), err: () => undefined })).resolves.toBe(0);
    const help = out.join('\n');
    for (const text of ['--from <time>', '--to <time>', '--data-dir <dir>', '--rpc <url>', 'altered', 'deleted', 'inserted', 'Exit status: 0 clean', 'npx pulseproof audit range']) {
      expect(help).toContain(text);
    }
  });
});
