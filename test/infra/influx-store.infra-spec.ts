import { rmSync } from 'node:fs';
import { connectAsync, MqttClient } from 'mqtt';
import { mqttTopics } from '@pulseproof/contracts';
import { DeviceRegistry, IssuedCredentials, ReadingStore } from '@pulseproof/ingest';
import { EmbeddedSystem, PulseProofConfig, startEmbedded } from 'pulseproof';
import { Influxd, startInfluxd } from '../../services/ingest/src/testing/influxd';
import { eventually, getJson, testConfig } from '../e2e/support';

jest.setTimeout(120_000);

/**
 * The embedded system with READINGS_STORE=influxdb: readings published over MQTT are stored in a
 * real InfluxDB 1.6 (Debian's influxd, v1 write API) and served by /vitals, /history and /latest
 * from InfluxQL; a redelivery is acknowledged and stored once.
 */
describe('embedded system storing readings in InfluxDB 1.6', () => {
  let influxd: Influxd;
  let config: PulseProofConfig;
  let system: EmbeddedSystem;
  let device: MqttClient | undefined;
  let credentials: IssuedCredentials;
  const start = Date.now() - 60_000;

  beforeAll(async () => {
    influxd = await startInfluxd();
    await influxd.query('CREATE DATABASE pulseproof');
    config = testConfig({ READINGS_STORE: 'influxdb', INFLUX_URL: influxd.url, INFLUX_API: 'v1', INFLUX_DATABASE: 'pulseproof' });
    system = await startEmbedded(config, { logLevels: ['error'] });
    credentials = (await system.app.get(DeviceRegistry).registerDevice({ deviceId: 'bed-influx', patientId: 'patient-influx' })).credentials!;
  });

  afterAll(async () => {
    await device?.endAsync();
    await system?.stop();
    await influxd?.stop();
    if (config) rmSync(config.dataDir, { recursive: true, force: true });
  });

  const publish = (client: MqttClient, seq: number, ts: number, heartRate: number) =>
    client.publishAsync(
      mqttTopics.readings('bed-influx'),
      JSON.stringify({ v: 1, deviceId: 'bed-influx', seq, ts, measurements: { heart_rate: { value: heartRate, unit: '/min' }, spo2: { value: 97, unit: '%' } } }),
      { qos: 1 },
    );

  it('stores what devices publish and serves vitals, history and latest from it', async () => {
    device = await connectAsync(system.mqttUrl, { clientId: 'bed-influx', reconnectPeriod: 0, ...credentials });
    for (let i = 0; i < 6; i++) await publish(device, i + 1, start + i * 10_000, 60 + i * 10);
    await publish(device, 3, start + 20_000, 80); // a redelivery: same reading, acknowledged, stored once

    const vitals = await eventually('stored vitals', async () => {
      const { body } = await getJson(`${system.httpUrl}/api/patients/patient-influx/vitals?from=${start}&to=${start + 60_000}`);
      return body.readings.length === 6 ? body : undefined;
    });
    expect(vitals.readings.map((r: { seq: number }) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);

    const bucket = 60_000;
    const { status, body } = await getJson(`${system.httpUrl}/api/patients/patient-influx/history?measurement=heart_rate&from=${start}&to=${start + 60_000}&bucket=1m`);
    expect(status).toBe(200);
    const values = [60, 70, 80, 90, 100, 110];
    const expected = new Map<number, number[]>();
    values.forEach((v, i) => {
      const b = Math.floor((start + i * 10_000) / bucket) * bucket;
      expected.set(b, [...(expected.get(b) ?? []), v]);
    });
    expect(body.buckets).toEqual(
      [...expected].map(([b, vs]) => ({ start: new Date(b).toISOString(), min: Math.min(...vs), max: Math.max(...vs), count: vs.length, mean: vs.reduce((x, y) => x + y) / vs.length })),
    );

    const latest = await getJson(`${system.httpUrl}/api/patients/patient-influx/latest`);
    expect(latest.body.values.heart_rate).toEqual({ value: 110, unit: '/min', time: new Date(start + 50_000).toISOString(), reading: 'bed-influx:6' });

    const store = system.app.get(ReadingStore);
    await expect(store.count()).resolves.toBe(6);
    expect(store.stats()).toMatchObject({ backend: 'influxdb' });
    const health = await getJson(`${system.httpUrl}/api/health`);
    expect(JSON.stringify(health.body)).toContain('"backend":"influxdb"');
  });
});
