import { connectAsync, IClientOptions, MqttClient } from 'mqtt';
import { mqttTopics } from '@pulseproof/contracts';
import { IssuedCredentials } from '../registry/device-registry';
import { readingPayload, SecuredIngest, startSecuredIngest } from '../testing/secured-ingest';
import { EmbeddedBroker } from './embedded-broker';

/**
 * Issue 3 item 2 on the embedded broker: real aedes, real mqtt.js clients, the real registry and
 * IngestService on SQLite. Who may connect, publish and subscribe, and what a refusal leaves behind.
 */
describe('EmbeddedBroker with auth required', () => {
  let ingest: SecuredIngest;
  let bed1: IssuedCredentials;
  let bed2: IssuedCredentials;
  let gateway: IssuedCredentials;
  let console_: IssuedCredentials;
  let unit: IssuedCredentials;
  const clients: MqttClient[] = [];

  const connect = async (options: IClientOptions) => {
    const client = await connectAsync(ingest.url, { reconnectPeriod: 0, ...options });
    clients.push(client);
    return client;
  };
  const as = (credentials: IssuedCredentials, clientId = credentials.username) => connect({ clientId, ...credentials });
  const refusalCode = (options: IClientOptions) =>
    connectAsync(ingest.url, { reconnectPeriod: 0, ...options }).then(
      (client) => client.endAsync(true).then(() => 0),
      (error: { code?: number }) => error.code,
    );
  const inProcess = async (filter: string) => {
    const heard: string[] = [];
    await ingest.broker.subscribe(filter, (topic) => heard.push(topic));
    return heard;
  };

  beforeEach(async () => {
    ingest = await startSecuredIngest();
    const { registry } = ingest;
    bed1 = (await registry.registerDevice({ deviceId: 'bed-1', patientId: 'patient-1', at: 0 })).credentials!;
    bed2 = (await registry.registerDevice({ deviceId: 'bed-2', patientId: 'patient-2', at: 0 })).credentials!;
    gateway = await registry.registerPrincipal('gateway', 'gw-1');
    await registry.registerDevice({ deviceId: 'serial-1', patientId: 'patient-3', gatewayId: 'gw-1', credentials: false, at: 0 });
    await registry.registerDevice({ deviceId: 'serial-2', patientId: 'patient-4', credentials: false, at: 0 });
    console_ = await registry.registerPrincipal('console', 'ward-7');
    unit = await registry.registerPrincipal('unit', 'amb-1');
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await ingest.close();
  });

  it('refuses a wrong password (4), no credentials (5), a revoked principal (5) and a taken client id (2)', async () => {
    expect(await refusalCode({ clientId: 'bed-1', username: 'bed-1', password: 'not-the-secret' })).toBe(4);
    expect(await refusalCode({ clientId: 'bed-1', username: 'bed-1' })).toBe(4);
    expect(await refusalCode({ clientId: 'bed-1' })).toBe(5);
    expect(await refusalCode({ clientId: 'nobody', username: 'nobody', password: 'x' })).toBe(4);
    // bed-2 may not take over bed-1's session (its queued commands) by using its client id.
    expect(await refusalCode({ clientId: 'bed-1', ...bed2 })).toBe(2);
    expect(await refusalCode({ clientId: 'bed-1', ...bed1 })).toBe(0);
    ingest.registry.revoke('bed-2');
    expect(await refusalCode({ clientId: 'bed-2', ...bed2 })).toBe(5);
  });

  it('stores a device own reading and dead-letters, yet acknowledges, one on another device topic', async () => {
    const readings = await inProcess(mqttTopics.readingsFilter);
    const device = await as(bed1);
    await device.publishAsync(mqttTopics.readings('bed-1'), readingPayload('bed-1', 1), { qos: 1 });
    // Spoofing bed-2 on its own topic: the topic rules refuse it, whatever the payload says.
    await device.publishAsync(mqttTopics.readings('bed-2'), readingPayload('bed-2', 1), { qos: 1 });
    // ...and on bed-1's topic with bed-2 in the payload, decode refuses it.
    await device.publishAsync(mqttTopics.readings('bed-1'), readingPayload('bed-2', 2), { qos: 1 });
    // A device publishes no commands, not even its own.
    await device.publishAsync(mqttTopics.commands('bed-1'), '{}', { qos: 1 });

    expect(await ingest.store.get('bed-1', 1)).toMatchObject({ patientId: 'patient-1' });
    expect(await ingest.store.get('bed-2', 1)).toBeUndefined();
    expect(await ingest.store.get('bed-2', 2)).toBeUndefined();
    const letters = await ingest.deadLetters();
    expect(letters.map((l) => [l.reason, l.topic])).toEqual([
      ['INGEST_E_NOT_AUTHORISED', mqttTopics.readings('bed-2')],
      ['INGEST_E_DEVICE_MISMATCH', mqttTopics.readings('bed-1')],
      ['INGEST_E_NOT_AUTHORISED', mqttTopics.commands('bed-1')],
    ]);
    expect(letters[0]!.detail).toBe(`device "bed-1" may not publish to ${mqttTopics.readings('bed-2')}`);
    expect(readings).toEqual([mqttTopics.readings('bed-1')]);
  });

  it('lets a gateway publish for its attached devices and for no other', async () => {
    // One connection per device behind the gateway, as the simulated fleet connects.
    const attached = await as(gateway, 'serial-1');
    await attached.publishAsync(mqttTopics.readings('serial-1'), readingPayload('serial-1', 7), { qos: 1 });
    await attached.publishAsync(mqttTopics.readings('serial-2'), readingPayload('serial-2', 7), { qos: 1 });
    expect(await ingest.store.get('serial-1', 7)).toMatchObject({ patientId: 'patient-3' });
    expect(await ingest.store.get('serial-2', 7)).toBeUndefined();
    expect((await ingest.deadLetters()).map((l) => [l.reason, l.deviceId])).toEqual([['INGEST_E_NOT_AUTHORISED', 'serial-2']]);
    // Nor may it use a client id of a device not attached to it.
    expect(await refusalCode({ clientId: 'serial-2', ...gateway })).toBe(2);
  });

  it('grants each principal only its own subscriptions (0x80 for the rest)', async () => {
    // mqtt.js rejects a SUBACK return code 0x80 (failure) [MQTT-3.9.3] with an error.
    const granted = (client: MqttClient, filter: string) =>
      client.subscribeAsync(filter, { qos: 1 }).then((grants) => grants[0]!.qos, (error: Error) => (/Subscribe error/.test(error.message) ? 128 : -1));
    const device = await as(bed1);
    expect(await granted(device, mqttTopics.commands('bed-1'))).toBe(1);
    expect(await granted(device, mqttTopics.commands('bed-2'))).toBe(128);
    expect(await granted(device, mqttTopics.readingsFilter)).toBe(128);
    expect(await granted(device, '#')).toBe(128);
    const gw = await as(gateway);
    expect(await granted(gw, mqttTopics.commands('serial-1'))).toBe(1);
    expect(await granted(gw, mqttTopics.commands('serial-2'))).toBe(128);
    expect(await granted(gw, 'pulseproof/v1/devices/+/commands')).toBe(128);
    const ward = await as(console_);
    expect(await granted(ward, mqttTopics.alertsFilter)).toBe(1);
    expect(await granted(ward, mqttTopics.unitStatusFilter)).toBe(1);
    expect(await granted(ward, 'pulseproof/v1/#')).toBe(128);
    const ambulance = await as(unit);
    expect(await granted(ambulance, mqttTopics.unitDispatch('amb-1'))).toBe(1);
    expect(await granted(ambulance, mqttTopics.unitDispatch('amb-2'))).toBe(128);

    // What is granted is delivered.
    const commands: string[] = [];
    device.on('message', (topic, payload) => commands.push(`${topic} ${payload.toString()}`));
    await ingest.broker.publish(mqttTopics.commands('bed-1'), 'sync-clock');
    await ingest.broker.publish(mqttTopics.commands('bed-2'), 'not for bed-1');
    while (commands.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(commands).toEqual([`${mqttTopics.commands('bed-1')} sync-clock`]);
  });

  it('disconnects a revoked device at once, refuses it after, and stops a gateway publishing for it', async () => {
    const device = await as(bed1);
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    const gw = await as(gateway);
    const behindGateway = await as(gateway, 'serial-1');
    const behindClosed = new Promise<void>((resolve) => behindGateway.once('close', () => resolve()));
    let gatewayClosed = false;
    gw.once('close', () => (gatewayClosed = true));

    ingest.registry.revoke('bed-1');
    await closed;
    expect(await refusalCode({ clientId: 'bed-1', ...bed1 })).toBe(5);

    ingest.registry.revoke('serial-1');
    await behindClosed; // its own connection (client id serial-1) is closed
    await gw.publishAsync(mqttTopics.readings('serial-1'), readingPayload('serial-1', 9), { qos: 1 });
    expect(gatewayClosed).toBe(false);
    expect(await ingest.store.get('serial-1', 9)).toBeUndefined();
    expect((await ingest.deadLetters()).map((l) => [l.reason, l.deviceId])).toEqual([['INGEST_E_NOT_AUTHORISED', 'serial-1']]);
  });

  it('publishes a last will only on a topic the principal may publish to', async () => {
    const statuses = await inProcess(mqttTopics.statusFilter);
    const will = (deviceId: string) => ({ topic: mqttTopics.status(deviceId), payload: Buffer.from('offline'), qos: 1 as const, retain: false });
    const honest = await connect({ clientId: 'bed-1', ...bed1, will: will('bed-1') });
    const liar = await connect({ clientId: 'bed-2', ...bed2, will: will('bed-1') });
    // A connection lost without DISCONNECT publishes the will [MQTT-3.1.2-8].
    liar.stream.destroy();
    honest.stream.destroy();
    while (statuses.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    expect(statuses).toEqual([mqttTopics.status('bed-1')]);
  });

  it('publishes an ambulance status only to its own topic', async () => {
    const heard = await inProcess(mqttTopics.unitStatusFilter);
    const ambulance = await as(unit);
    await ambulance.publishAsync(mqttTopics.unitStatus('amb-1'), '{"state":"available"}', { qos: 1 });
    await ambulance.publishAsync(mqttTopics.unitStatus('amb-2'), '{"state":"available"}', { qos: 1 });
    while (heard.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(heard).toEqual([mqttTopics.unitStatus('amb-1')]);
    expect((await ingest.deadLetters()).map((l) => [l.reason, l.topic])).toEqual([['INGEST_E_NOT_AUTHORISED', mqttTopics.unitStatus('amb-2')]]);
  });
});

describe('EmbeddedBroker with auth required before the registry is given', () => {
  it('answers "server unavailable" (3) so devices retry, then signs them in', async () => {
    const ingest = await startSecuredIngest();
    const { registry } = ingest;
    const credentials = (await registry.registerDevice({ deviceId: 'bed-9', patientId: 'patient-9', at: 0 })).credentials!;
    const waiting = new EmbeddedBroker({ host: '127.0.0.1', port: 0, auth: 'required' });
    const port = await waiting.listen();
    const url = `mqtt://127.0.0.1:${port}`;
    const code = await connectAsync(url, { reconnectPeriod: 0, clientId: 'bed-9', ...credentials }).then(
      (c) => c.endAsync(true).then(() => 0),
      (error: { code?: number }) => error.code,
    );
    expect(code).toBe(3);
    waiting.authenticateWith(registry);
    const device = await connectAsync(url, { reconnectPeriod: 0, clientId: 'bed-9', ...credentials });
    await device.endAsync(true);
    await waiting.stop();
    await ingest.close();
  });
});
