import { DeviceMessage, deviceMessageSchema, mqttTopics } from '@pulseproof/contracts';
import { Fleet } from './fleet';
import { TestBroker, startTestBroker, waitFor } from './testing/test-broker';
import { startWard } from './ward';
import { parseWardScenario } from './ward-scenario';

describe('a ward scenario against a real aedes broker', () => {
  let broker: TestBroker;
  const fleets: Fleet[] = [];

  beforeEach(async () => {
    broker = await startTestBroker();
  });

  afterEach(async () => {
    await Promise.all(fleets.splice(0).map((fleet) => fleet.stop({ timeoutMs: 1000 })));
    await broker.close();
  });

  const received = (): DeviceMessage[] =>
    broker.received.map((publish) => {
      const message = deviceMessageSchema.parse(JSON.parse(publish.payload));
      expect(publish.topic).toBe(mqttTopics.readings(message.deviceId));
      expect(publish.clientId).toBe(message.deviceId);
      return message;
    });

  it('publishes monitor and wearable readings that validate against the wire schema', async () => {
    let now = Date.UTC(2026, 0, 1, 9);
    const scenario = parseWardScenario({
      seed: 7,
      patients: [{ id: 'p1', devices: ['monitor', 'wearable'], timeline: [{ at: '10s', scenario: 'cardiac-arrest' }] }],
    });
    const fleet = await startWard({ brokerUrl: broker.url, scenario, autoPublish: false, clock: () => now, reconnectPeriodMs: 50 });
    fleets.push(fleet);
    for (let i = 0; i < 6; i++) {
      now += 10_000;
      await fleet.publishNow();
    }
    expect(fleet.stats()).toMatchObject({ sent: 12, acked: 12, errors: 0 });
    await waitFor(() => broker.received.length === 12, '12 readings at the broker');
    const messages = received();
    const wearable = messages.filter((m) => m.deviceId === 'p1-wearable');
    expect(Object.keys(wearable[0]!.measurements)).toEqual(
      expect.arrayContaining(['heart_rate', 'spo2', 'skin_temperature', 'motion', 'gps_latitude', 'gps_longitude', 'battery']),
    );
    // both devices see the arrest: no heart rate within a minute of onset
    for (const m of messages.slice(-2)) expect(m.measurements.heart_rate?.value).toBe(0);
  });

  it('plays speed: at speed 60 one minute of timeline passes in one real second', async () => {
    let now = Date.UTC(2026, 0, 1, 9);
    const scenario = parseWardScenario({ patients: [{ id: 'p2', devices: ['monitor'], timeline: [{ at: '1m', scenario: 'cardiac-arrest' }] }] });
    const fleet = await startWard({ brokerUrl: broker.url, scenario, autoPublish: false, clock: () => now, speed: 60 });
    fleets.push(fleet);
    now += 500;
    await fleet.publishNow();
    now += 2000; // 2.5 s real = 2.5 min simulated: past the onset and the 15 s ramp
    await fleet.publishNow();
    await waitFor(() => broker.received.length === 2, '2 readings');
    const [before, after] = received();
    expect(before!.measurements.heart_rate!.value).toBeGreaterThan(40);
    expect(after!.measurements.heart_rate!.value).toBe(0);
    // timestamps stay on the device clock (real time), so ingest accepts them
    expect(after!.ts - before!.ts).toBe(2000);
  });

  it('network flapping: the device drops and reconnects, and every reading is acknowledged and arrives', async () => {
    let now = Date.now();
    const scenario = parseWardScenario({
      seed: 3,
      patients: [{ id: 'p3', devices: ['wearable'], timeline: [{ at: '0s', scenario: 'network-flapping' }] }],
    });
    const fleet = await startWard({ brokerUrl: broker.url, scenario, autoPublish: false, clock: () => now, reconnectPeriodMs: 50 });
    fleets.push(fleet);
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 12; i++) {
      now += 1500; // a drop every FLAP_PERIOD_MS (3 s) of device time: every other reading
      pending.push(fleet.publishNow());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await Promise.all(pending);
    const stats = fleet.stats();
    expect(stats.devices[0]!.reconnects).toBeGreaterThanOrEqual(3);
    expect(stats).toMatchObject({ sent: 12, acked: 12, errors: 0, inFlight: 0 });
    await waitFor(() => new Set(broker.received.map((p) => p.payload)).size >= 12, 'every reading at the broker');
    const seqs = new Set(received().map((m) => m.seq));
    expect(seqs.size).toBe(12);
  });
});
