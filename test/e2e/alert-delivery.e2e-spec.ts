import { rmSync } from 'node:fs';
import { IncomingHttpHeaders, Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { connectAsync, MqttClient } from 'mqtt';
import { AlertEvent, mqttTopics } from '@pulseproof/contracts';
import { verifyWebhook } from '@pulseproof/alerts';
import { DeviceRegistry } from '@pulseproof/ingest';
import { EmbeddedSystem, PulseProofConfig, startEmbedded } from 'pulseproof';
import { adminHeaders, eventually, getJson, openSse, testConfig } from './support';

jest.setTimeout(120_000);

const SECRET = 'e2e-webhook-secret-0123456789';

/**
 * One deteriorating reading, published by a device over MQTT, reaches a ward console over MQTT, the
 * dashboard's live stream and a webhook receiver (which refuses the first attempt), in the embedded
 * app configured from the environment as `npm start` is.
 */
describe('alert delivery in the embedded app', () => {
  let config: PulseProofConfig;
  let system: EmbeddedSystem;
  let receiver: Server;
  const requests: { headers: IncomingHttpHeaders; body: string }[] = [];
  const clients: MqttClient[] = [];
  let stream: { frames: string[]; close(): void } | undefined;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        requests.push({ headers: req.headers, body });
        res.writeHead(requests.length === 1 ? 503 : 204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/alerts`;
    config = testConfig({ ALERT_WEBHOOK_URLS: url, ALERT_WEBHOOK_SECRET: SECRET, ALERT_STREAM_HEARTBEAT_MS: '1000' });
    system = await startEmbedded(config, { logLevels: ['error'] });
  });

  afterAll(async () => {
    stream?.close();
    await Promise.all(clients.map((c) => c.endAsync()));
    await system?.stop();
    await new Promise((resolve) => receiver.close(resolve));
    rmSync(config.dataDir, { recursive: true, force: true });
  });

  const openStream = () => openSse(`${system.httpUrl}/api/alerts/stream`, adminHeaders);

  it('delivers a raised alert to the console, the live stream and the signed webhook', async () => {
    const registry = system.app.get(DeviceRegistry);
    const device = (await registry.registerDevice({ deviceId: 'bed-7', patientId: 'patient-7' })).credentials!;
    const consoleCredentials = await registry.registerPrincipal('console', 'ward-7-console');

    const console_ = await connectAsync(system.mqttUrl, { clientId: 'ward-7-console', reconnectPeriod: 0, ...consoleCredentials });
    clients.push(console_);
    const atConsole: { topic: string; event: AlertEvent }[] = [];
    console_.on('message', (topic, payload) => atConsole.push({ topic, event: JSON.parse(payload.toString('utf8')) as AlertEvent }));
    await console_.subscribeAsync(mqttTopics.alertsFilter, { qos: 1 });
    stream = await openStream();

    const bed = await connectAsync(system.mqttUrl, { clientId: 'bed-7', reconnectPeriod: 0, ...device });
    clients.push(bed);
    // every NEWS2 parameter in a scoring band (RCP 2017 Chart 1): RR 30, SpO2 85, SBP 85, HR 135, T 39.5
    const measurements = {
      heart_rate: { value: 135, unit: '/min' },
      respiratory_rate: { value: 30, unit: '/min' },
      spo2: { value: 85, unit: '%' },
      systolic_bp: { value: 85, unit: 'mm[Hg]' },
      temperature: { value: 39.5, unit: 'Cel' },
    };
    await bed.publishAsync(mqttTopics.readings('bed-7'), JSON.stringify({ v: 1, deviceId: 'bed-7', seq: 1, ts: Date.now(), measurements }), { qos: 1 });

    const raised = await eventually('the alert at the console', async () => atConsole.find((m) => m.event.state === 'active'));
    expect(raised.topic).toBe(mqttTopics.alerts('patient-7'));
    expect(raised.event).toMatchObject({ patientId: 'patient-7', readingId: 'bed-7:1', type: 'news2' });

    const frame = await eventually('the alert on the live stream', async () => stream!.frames.find((f) => f.includes('event: alert') && f.includes(raised.event.alertId)));
    expect(frame).toMatch(/^id: \d+$/m);

    // the receiver refused the first attempt; the retry (about a second later) is accepted
    await eventually('the webhook retry', async () => (requests.length >= 2 ? true : undefined));
    for (const request of requests.slice(0, 2)) {
      expect(verifyWebhook(SECRET, request.body, request.headers['pulseproof-signature'] as string)).toMatchObject({ ok: true });
      expect(JSON.parse(request.body)).toMatchObject({ id: `${raised.event.alertId}@${raised.event.updatedAt}`, alert: { alertId: raised.event.alertId } });
    }
    const deliveries = await eventually('the delivery records', async () => {
      const { body } = await getJson<{ channel: string; state: string; attempts: number; eventId: string }[]>(`${system.httpUrl}/api/alerts/deliveries`);
      const webhook = body.find((d) => d.channel === 'webhook' && d.eventId.startsWith(raised.event.alertId));
      return webhook?.state === 'delivered' ? body : undefined;
    });
    expect(deliveries.find((d) => d.channel === 'webhook' && d.eventId.startsWith(raised.event.alertId))).toMatchObject({ attempts: 2 });
    expect(deliveries.find((d) => d.channel === 'mqtt' && d.eventId.startsWith(raised.event.alertId))).toMatchObject({ state: 'delivered' });

    const { body: health } = await getJson(`${system.httpUrl}/api/health`);
    expect(health.components['alert-delivery']).toMatchObject({ detail: { channels: { mqtt: true, webhooks: 1, stream: true } } });
  });
});
