import { SqliteBus } from '@pulseproof/bus';
import { AlertEvent, MqttMessaging, busTopics, mqttTopics } from '@pulseproof/contracts';
import { EmbeddedBroker } from '@pulseproof/ingest';
import mqtt, { MqttClient } from 'mqtt';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertDeliveryService } from './alert-delivery.service';
import { AlertStream } from './alert-stream';
import { resolveDeliveryOptions } from './delivery.config';
import { DeliveryStore } from './delivery-store';

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function alertEvent(patientId: string, updatedAt: number): AlertEvent {
  return {
    alertId: `news2:${patientId}:bed-1:1`,
    patientId,
    type: 'news2',
    priority: 'high',
    state: 'active',
    summary: 'NEWS2 7',
    readingId: 'bed-1:1',
    raisedAt: 1_795_000_000_000,
    updatedAt,
  };
}

describe('alerts to MQTT consoles (real aedes broker, real mqtt.js console)', () => {
  let dir: string;
  let bus: SqliteBus;
  let broker: EmbeddedBroker;
  let consoleClient: MqttClient;
  let received: { topic: string; qos: number; event: AlertEvent }[];
  let stop: (() => Promise<void>) | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pulseproof-mqtt-alerts-'));
    bus = new SqliteBus({ file: join(dir, 'bus.sqlite'), retryDelayMs: 10 });
    broker = new EmbeddedBroker({ host: '127.0.0.1', port: 0 });
    const port = await broker.listen();
    received = [];
    consoleClient = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'ward-console', protocolVersion: 4, reconnectPeriod: 0 });
    consoleClient.on('message', (topic, payload, packet) => received.push({ topic, qos: packet.qos, event: JSON.parse(payload.toString('utf8')) as AlertEvent }));
    await consoleClient.subscribeAsync(mqttTopics.alertsFilter, { qos: 1 });
  });

  afterEach(async () => {
    await stop?.();
    stop = undefined;
    await consoleClient.endAsync(true);
    await broker.stop();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(messaging: MqttMessaging) {
    const options = resolveDeliveryOptions({ dataDir: dir, messaging, mqttRetry: { baseDelayMs: 10, maxDelayMs: 40 } });
    const store = DeliveryStore.open(dir);
    const stream = new AlertStream(store, options);
    const service = new AlertDeliveryService(bus, store, stream, options);
    await service.onApplicationBootstrap();
    stop = async () => {
      stream.onModuleDestroy();
      await service.onApplicationShutdown();
    };
    return service;
  }

  it("publishes each event once, at QoS 1, on the patient's alerts topic", async () => {
    const service = await start(broker);
    await bus.publish(busTopics.alerts, 'p-1', alertEvent('p-1', 1_795_000_000_000));
    await bus.publish(busTopics.alerts, 'p-1', alertEvent('p-1', 1_795_000_000_000));
    await bus.publish(busTopics.alerts, 'p-2', alertEvent('p-2', 1_795_000_001_000));

    await until(() => received.length === 2, 'two alerts at the console');
    await until(() => service.health().detail!['pending'] === 0, 'the outbox to empty');
    expect(received.map((m) => m.topic)).toEqual(['pulseproof/v1/alerts/p-1', 'pulseproof/v1/alerts/p-2']);
    expect(received.every((m) => m.qos === 1)).toBe(true);
    expect(received[0]!.event).toEqual(alertEvent('p-1', 1_795_000_000_000));
    expect(service.listDeliveries({ channel: 'mqtt', limit: 10 }).map((d) => d.state)).toEqual(['delivered', 'delivered']);
  });

  it("sends different patients' events in parallel and one patient's in order", async () => {
    const calls: { topic: string; updatedAt: number; release: () => void }[] = [];
    const held: MqttMessaging = {
      publish: (topic, payload) =>
        new Promise<void>((release) => calls.push({ topic, updatedAt: (JSON.parse(payload) as AlertEvent).updatedAt, release })),
      subscribe: (filter, handler) => broker.subscribe(filter, handler),
    };
    await start(held);
    await bus.publish(busTopics.alerts, 'p-1', alertEvent('p-1', 1_795_000_000_000));
    await bus.publish(busTopics.alerts, 'p-1', alertEvent('p-1', 1_795_000_001_000));
    await bus.publish(busTopics.alerts, 'p-2', alertEvent('p-2', 1_795_000_000_500));

    await until(() => calls.length === 2, 'two publishes in flight');
    expect(calls.map((c) => [c.topic, c.updatedAt])).toEqual([
      [mqttTopics.alerts('p-1'), 1_795_000_000_000],
      [mqttTopics.alerts('p-2'), 1_795_000_000_500],
    ]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toHaveLength(2);
    calls[0]!.release();
    await until(() => calls.length === 3, "p-1's second event");
    expect([calls[2]!.topic, calls[2]!.updatedAt]).toEqual([mqttTopics.alerts('p-1'), 1_795_000_001_000]);
    for (const call of calls) call.release();
  });

  it('retries a publish the broker refused, then delivers it', async () => {
    let refusals = 2;
    const flaky: MqttMessaging = {
      publish: (topic, payload, options) => (refusals-- > 0 ? Promise.reject(new Error('broker unavailable')) : broker.publish(topic, payload, options)),
      subscribe: (filter, handler) => broker.subscribe(filter, handler),
    };
    const service = await start(flaky);
    await bus.publish(busTopics.alerts, 'p-3', alertEvent('p-3', 1_795_000_000_000));

    await until(() => received.length === 1, 'the alert at the console');
    expect(received[0]!.topic).toBe(mqttTopics.alerts('p-3'));
    await until(() => service.listDeliveries({ channel: 'mqtt', limit: 1 })[0]?.state === 'delivered', 'the delivery record');
    expect(service.listDeliveries({ channel: 'mqtt', limit: 1 })[0]).toMatchObject({ attempts: 3, lastError: null });
  });
});
