import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync, MqttClient } from 'mqtt';
import { mqttTopics } from '@pulseproof/contracts';
import { DeviceRegistry, IssuedCredentials } from '@pulseproof/ingest';
import { EmbeddedSystem, runCli, startEmbedded, PulseProofConfig } from 'pulseproof';
import { eventually, getJson, testConfig } from './support';

jest.setTimeout(120_000);

/**
 * The whole pipeline in one process, driven as its users drive it: devices publish over MQTT with
 * mqtt.js, clinicians and auditors read the HTTP API, an auditor verifies a receipt with the CLI's
 * code against the real anvil chain.
 */
describe('embedded pipeline, end to end', () => {
  let config: PulseProofConfig;
  let system: EmbeddedSystem;
  const devices: MqttClient[] = [];
  const credentials = new Map<string, IssuedCredentials>();
  const start = Date.now() - 60_000;

  beforeAll(async () => {
    config = testConfig();
    system = await startEmbedded(config, { logLevels: ['error'] });
    // Each device is registered with its own credentials, as `npx pulseproof devices register` does.
    const registry = system.app.get(DeviceRegistry);
    for (const [deviceId, patientId] of [['bed-stable', 'patient-stable'], ['bed-septic', 'patient-septic']] as const) {
      credentials.set(deviceId, (await registry.registerDevice({ deviceId, patientId })).credentials!);
    }
  });

  afterAll(async () => {
    await Promise.all(devices.map((d) => d.endAsync()));
    await system?.stop();
    rmSync(config.dataDir, { recursive: true, force: true });
  });

  async function device(deviceId: string) {
    const client = await connectAsync(system.mqttUrl, { clientId: deviceId, clean: false, reconnectPeriod: 0, ...credentials.get(deviceId) });
    devices.push(client);
    return {
      publish: (seq: number, ts: number, vitals: Record<string, [number, string]>) =>
        client.publishAsync(
          mqttTopics.readings(deviceId),
          JSON.stringify({
            v: 1,
            deviceId,
            seq,
            ts,
            measurements: Object.fromEntries(Object.entries(vitals).map(([code, [value, unit]]) => [code, { value, unit }])),
          }),
          { qos: 1 },
        ),
      raw: (payload: string) => client.publishAsync(mqttTopics.readings(deviceId), payload, { qos: 1 }),
      publishOn: (otherDevice: string, payload: string) => client.publishAsync(mqttTopics.readings(otherDevice), payload, { qos: 1 }),
    };
  }

  const normal = { heart_rate: [72, '/min'], respiratory_rate: [14, '/min'], spo2: [98, '%'], systolic_bp: [124, 'mm[Hg]'], temperature: [36.8, 'Cel'] } as const;
  // Each parameter in a NEWS2 scoring band (RCP 2017 Chart 1): RR 26 (3), SpO2 90 (3), SBP 95 (2), HR 125 (2), T 39.2 (2)
  const septic = { heart_rate: [125, '/min'], respiratory_rate: [26, '/min'], spo2: [90, '%'], systolic_bp: [95, 'mm[Hg]'], temperature: [39.2, 'Cel'] } as const;

  it('stores, anchors and evaluates readings published by devices', async () => {
    const stable = await device('bed-stable');
    const sick = await device('bed-septic');
    for (let i = 0; i < 5; i++) {
      await stable.publish(1000 + i, start + i * 1000, normal as never);
      await sick.publish(5000 + i, start + i * 1000, (i < 2 ? normal : septic) as never);
    }
    // A malformed message is acknowledged (MQTT 3.1.1 has no negative PUBACK) and dead-lettered.
    await sick.raw('{"v":1,"deviceId":"bed-septic"');

    // Stored: the clinician's vitals query sees every reading, in device time order.
    const vitals = await eventually('stored vitals', async () => {
      const { body } = await getJson(`${system.httpUrl}/api/patients/patient-septic/vitals?from=${start - 1}&to=${start + 10_000}`);
      return body.readings.length === 5 ? body : undefined;
    });
    expect(vitals.readings.map((r: { seq: number }) => r.seq)).toEqual([5000, 5001, 5002, 5003, 5004]);
    expect(vitals.readings[4].measurements).toMatchObject({ respiratory_rate: 26, temperature: 39.2 });

    // Evaluated: the deteriorating patient has one active alert; the stable one has none.
    const alerts = await eventually('an alert for the septic patient', async () => {
      const { body } = await getJson(`${system.httpUrl}/api/alerts`);
      const list = Array.isArray(body) ? body : body.alerts;
      return list.some((a: { patientId: string }) => a.patientId === 'patient-septic') ? list : undefined;
    });
    // one NEWS2 alert (the heart-rate rise rule, 72 to 125/min, raises its own beside it)
    expect(alerts.filter((a: { patientId: string; type: string }) => a.patientId === 'patient-septic' && a.type === 'news2')).toHaveLength(1);
    expect(alerts.some((a: { patientId: string }) => a.patientId === 'patient-stable')).toBe(false);

    // Anchored: a receipt verifies against the chain through the auditor CLI's own code path.
    const receipt = await eventually('an anchored receipt', async () => {
      const { status, body } = await getJson(`${system.httpUrl}/api/readings/bed-septic:5004/receipt`);
      return status === 200 ? body : undefined;
    });
    const file = join(config.dataDir, 'receipt.json');
    writeFileSync(file, JSON.stringify(receipt));
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    await expect(runCli(['audit', 'verify', file, '--rpc', system.rpcUrl], io)).resolves.toBe(0);
    expect(out.join('\n')).toMatch(/^valid: reading bed-septic:5004/);

    // A receipt whose reading was altered after the fact fails, with one line saying what failed.
    const tampered = join(config.dataDir, 'tampered.json');
    writeFileSync(tampered, JSON.stringify({ ...receipt, reading: { ...receipt.reading, measurements: { ...receipt.reading.measurements, spo2: 97 } } }));
    err.length = 0;
    await expect(runCli(['audit', 'verify', tampered, '--rpc', system.rpcUrl], io)).resolves.toBe(1);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^invalid: reading bed-septic:5004: .*leaf/);

    // The anchors list names the batch the receipt came from.
    const { body: anchors } = await getJson(`${system.httpUrl}/api/anchors`);
    const list = Array.isArray(anchors) ? anchors : anchors.batches;
    expect(list.some((b: { root: string }) => b.root === receipt.root)).toBe(true);

    // Health reports every component, and the refused message under its reason.
    const { status, body: health } = await getJson(`${system.httpUrl}/api/health`);
    expect(status).toBe(200);
    expect(Object.keys(health.components)).toEqual(expect.arrayContaining(['broker', 'bus', 'ingest', 'anchor', 'chain', 'alerts']));
    expect(health.components.ingest.detail.refusedByReason).toEqual({ INGEST_E_NOT_JSON: 1 });
  });

  it('refuses devices that do not sign in, and a device publishing for another', async () => {
    const anonymous = await connectAsync(system.mqttUrl, { clientId: 'anonymous-bed', reconnectPeriod: 0 }).catch((e: { code?: number }) => e.code);
    expect(anonymous).toBe(5); // CONNACK "not authorised" [MQTT-3.2.2.3]
    const stable = await device('bed-stable');
    await stable.publishOn('bed-septic', JSON.stringify({ v: 1, deviceId: 'bed-septic', seq: 9_999, ts: start, measurements: { heart_rate: { value: 80, unit: '/min' } } }));
    const { body: health } = await eventually('the refusal counted', async () => {
      const response = await getJson(`${system.httpUrl}/api/health`);
      return response.body.components.ingest.detail.refusedByReason.INGEST_E_NOT_AUTHORISED === 1 ? response : undefined;
    });
    expect(health.components.ingest.detail.refusedByReason.INGEST_E_NOT_AUTHORISED).toBe(1);
    const { status } = await getJson(`${system.httpUrl}/api/readings/bed-septic:9999/receipt`);
    expect(status).toBe(404);
  });

  it('answers bad API requests with a 4xx and a message', async () => {
    const badId = await getJson(`${system.httpUrl}/api/readings/not-a-reading-id/receipt`);
    expect(badId.status).toBe(400);
    expect(typeof badId.body.message).toBe('string');
    const badRange = await getJson(`${system.httpUrl}/api/patients/patient-stable/vitals?from=yesterday`);
    expect(badRange.status).toBe(400);
    expect(badRange.body.message).toContain('"from"');
    const unknown = await getJson(`${system.httpUrl}/api/readings/bed-stable:999/receipt`);
    expect(unknown.status).toBe(404);
  });
});
