import { connectAsync, MqttClient } from 'mqtt';
import { mqttTopics } from '@pulseproof/contracts';
import { MqttPortInUseError } from '../errors';
import { EmbeddedBroker } from './embedded-broker';
import { InboundMessage, InboundOutcome } from './reading-source';

describe('EmbeddedBroker (real aedes, real mqtt.js clients)', () => {
  let broker: EmbeddedBroker;
  let port: number;
  const clients: MqttClient[] = [];
  const connect = async (clientId: string) => {
    const client = await connectAsync(`mqtt://127.0.0.1:${port}`, { clientId, reconnectPeriod: 0 });
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    broker = new EmbeddedBroker({ host: '127.0.0.1', port: 0 });
    port = await broker.listen();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await broker.stop();
  });

  it('acknowledges a QoS 1 publish only after the handler has finished with it', async () => {
    let finish!: (outcome: InboundOutcome) => void;
    const received: InboundMessage[] = [];
    await broker.start((message) => {
      received.push(message);
      return new Promise((resolve) => (finish = resolve));
    });
    const device = await connect('bed-1');
    let acked = false;
    const publishing = device.publishAsync(mqttTopics.readings('bed-1'), '{"x":1}', { qos: 1 }).then(() => (acked = true));
    while (received.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    expect(acked).toBe(false);
    finish('accepted');
    await publishing;
    expect(received[0]).toMatchObject({ topic: mqttTopics.readings('bed-1'), clientId: 'bed-1' });
    expect(received[0]!.payload.toString()).toBe('{"x":1}');
  });

  it('never acknowledges when the handler fails: the device connection is closed instead', async () => {
    await broker.start(async () => {
      throw new Error('disk full');
    });
    const device = await connect('bed-2');
    const closed = new Promise((resolve) => device.once('close', resolve));
    let acked = false;
    void device.publishAsync(mqttTopics.readings('bed-2'), '{}', { qos: 1 }).then(() => (acked = true), () => undefined);
    await closed;
    expect(acked).toBe(false);
  });

  it('forwards accepted readings to subscribers and keeps refused ones away from them', async () => {
    await broker.start(async (message) => (message.payload.toString() === 'good' ? 'accepted' : 'refused'));
    const console_ = await connect('ward-console');
    const seen: string[] = [];
    console_.on('message', (_topic, payload) => seen.push(payload.toString()));
    await console_.subscribeAsync('pulseproof/v1/#', { qos: 1 });
    const device = await connect('bed-3');
    await device.publishAsync(mqttTopics.readings('bed-3'), 'bad', { qos: 1 });
    await device.publishAsync(mqttTopics.readings('bed-3'), 'good', { qos: 1 });
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual(['good']);
  });

  it('lets services in the process listen to client topics and publish to subscribers', async () => {
    await broker.start(async () => 'accepted');
    const heard: string[] = [];
    const unsubscribe = await broker.subscribe(mqttTopics.unitStatusFilter, (topic, payload) => heard.push(`${topic} ${payload.toString()}`));
    const unit = await connect('amb-1');
    const orders: string[] = [];
    unit.on('message', (_topic, payload) => orders.push(payload.toString()));
    await unit.subscribeAsync(mqttTopics.unitDispatch('amb-1'), { qos: 1 });
    await unit.publishAsync(mqttTopics.unitStatus('amb-1'), 'available', { qos: 1 });
    await broker.publish(mqttTopics.unitDispatch('amb-1'), 'go');
    while (heard.length === 0 || orders.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(heard).toEqual([`${mqttTopics.unitStatus('amb-1')} available`]);
    expect(orders).toEqual(['go']);
    await unsubscribe();
    await unit.publishAsync(mqttTopics.unitStatus('amb-1'), 'busy', { qos: 1 });
    await new Promise((r) => setTimeout(r, 50));
    expect(heard).toHaveLength(1);
  });

  it('says which port is taken and how to choose another', async () => {
    const second = new EmbeddedBroker({ host: '127.0.0.1', port });
    await expect(second.listen()).rejects.toThrow(MqttPortInUseError);
    await expect(second.listen()).rejects.toThrow(`MQTT port ${port} is already in use`);
    await second.stop();
  });
});

describe('EmbeddedBroker before ingest is wired', () => {
  it('leaves a reading unacknowledged until a handler takes it, so the device resends it', async () => {
    const broker = new EmbeddedBroker({ host: '127.0.0.1', port: 0 });
    const port = await broker.listen();
    const device = await connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'early-bed', clean: false, reconnectPeriod: 50 });
    device.on('error', () => undefined);
    const received: string[] = [];
    const publishing = device.publishAsync(mqttTopics.readings('early-bed'), 'first', { qos: 1 });
    await new Promise((r) => setTimeout(r, 200));
    await broker.start(async (message) => {
      received.push(message.payload.toString());
      return 'accepted';
    });
    await publishing;
    expect(received).toContain('first');
    await device.endAsync(true);
    await broker.stop();
  });
});
