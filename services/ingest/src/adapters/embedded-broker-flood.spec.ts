import { connectAsync, MqttClient } from 'mqtt';
import { mqttTopics } from '@pulseproof/contracts';
import { readingPayload, SecuredIngest, startSecuredIngest } from '../testing/secured-ingest';

/**
 * Issue 3 item 2, rate limits: one flooding device and quiet devices on one broker. The clock the
 * buckets see is frozen, so no token comes back during the test and every count is exact: a device
 * gets its burst at once, `maxDelayMs x rate` more held back (PUBACK delayed), and the rest are
 * acknowledged and dead-lettered as INGEST_E_RATE_LIMITED.
 */
describe('EmbeddedBroker rate limits', () => {
  const RATE = 5;
  const BURST = 4;
  const MAX_DELAY_MS = 600;
  const BUDGET = BURST + (MAX_DELAY_MS * RATE) / 1000; // 7 readings per device while the clock stands still
  const FLOOD = 60;
  const QUIET = ['quiet-1', 'quiet-2', 'quiet-3', 'quiet-4'];
  const frozen = Date.now();
  let ingest: SecuredIngest;
  const clients: MqttClient[] = [];

  beforeEach(async () => {
    ingest = await startSecuredIngest({ rateLimit: { perDevicePerSecond: RATE, burst: BURST, maxDelayMs: MAX_DELAY_MS, now: () => frozen } });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await ingest.close();
  });

  const connectAs = async (clientId: string, credentials: { username: string; password: string }) => {
    const client = await connectAsync(ingest.url, { clientId, reconnectPeriod: 0, ...credentials });
    clients.push(client);
    return client;
  };
  const stored = async (patientId: string) =>
    (await ingest.store.vitals({ patientId, from: 0, to: frozen + 60_000, limit: 10_000 })).length;

  it('stores every quiet device reading while the flooder is held to its budget', async () => {
    const { registry } = ingest;
    const flooderCredentials = (await registry.registerDevice({ deviceId: 'flooder', patientId: 'patient-flood', at: 0 })).credentials!;
    const flooder = await connectAs('flooder', flooderCredentials);
    const quiet = await Promise.all(
      QUIET.map(async (deviceId) => connectAs(deviceId, (await registry.registerDevice({ deviceId, patientId: `patient-${deviceId}`, at: 0 })).credentials!)),
    );

    // mqtt.js keeps no in-flight window of its own: all FLOOD publishes go out at once.
    const flood = Array.from({ length: FLOOD }, (_, seq) => flooder.publishAsync(mqttTopics.readings('flooder'), readingPayload('flooder', seq, frozen - 1000), { qos: 1 }));
    const calm = quiet.flatMap((client, i) =>
      [0, 1].map((seq) => client.publishAsync(mqttTopics.readings(QUIET[i]!), readingPayload(QUIET[i]!, seq, frozen - 1000), { qos: 1 })),
    );
    await Promise.all([...flood, ...calm]); // every publish is acknowledged, stored or dead-lettered

    for (const deviceId of QUIET) expect(await stored(`patient-${deviceId}`)).toBe(2);
    expect(await stored('patient-flood')).toBe(BUDGET);
    const letters = await ingest.deadLetters();
    expect(letters).toHaveLength(FLOOD - BUDGET);
    expect(new Set(letters.map((l) => `${l.reason} ${l.deviceId}`))).toEqual(new Set(['INGEST_E_RATE_LIMITED flooder']));
  });

  it('gives a gateway the budget of each attached device, each device its own', async () => {
    const { registry } = ingest;
    const gateway = await registry.registerPrincipal('gateway', 'gw-1');
    const devices = ['serial-1', 'serial-2', 'serial-3'];
    for (const deviceId of devices) await registry.registerDevice({ deviceId, patientId: `patient-${deviceId}`, gatewayId: 'gw-1', credentials: false, at: 0 });
    const bridge = await connectAs('gw-1', gateway);
    await Promise.all(
      devices.flatMap((deviceId) =>
        Array.from({ length: 20 }, (_, seq) => bridge.publishAsync(mqttTopics.readings(deviceId), readingPayload(deviceId, seq, frozen - 1000), { qos: 1 })),
      ),
    );
    for (const deviceId of devices) expect(await stored(`patient-${deviceId}`)).toBe(BUDGET);
  });
});
