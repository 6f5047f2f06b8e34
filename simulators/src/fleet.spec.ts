import { DeviceMessage, deviceIdFromReadingsTopic, deviceMessageSchema, mqttTopics } from '@pulseproof/contracts';
import net from 'node:net';
import { SimulatorError } from './errors';
import { Fleet, FleetOptions, startFleet } from './fleet';
import { TestBroker, startTestBroker, waitFor } from './testing/test-broker';

describe('fleet against a real aedes broker', () => {
  let broker: TestBroker;
  const fleets: Fleet[] = [];

  const start = async (options: Omit<FleetOptions, 'brokerUrl'>) => {
    const fleet = await startFleet({ brokerUrl: broker.url, reconnectPeriodMs: 50, ...options });
    fleets.push(fleet);
    return fleet;
  };

  /** Every reading the broker received, validated against the contract on the way. */
  const receivedMessages = (): DeviceMessage[] =>
    broker.received.map((publish) => {
      const message = deviceMessageSchema.parse(JSON.parse(publish.payload));
      expect(publish.qos).toBe(1);
      expect(publish.topic).toBe(mqttTopics.readings(message.deviceId));
      expect(publish.clientId).toBe(message.deviceId);
      return message;
    });

  const seqsByDevice = (messages: DeviceMessage[]) => {
    const byDevice = new Map<string, number[]>();
    for (const message of messages) byDevice.set(message.deviceId, [...(byDevice.get(message.deviceId) ?? []), message.seq]);
    return byDevice;
  };

  beforeEach(async () => {
    broker = await startTestBroker();
  });

  afterEach(async () => {
    await Promise.all(fleets.splice(0).map((fleet) => fleet.stop({ timeoutMs: 1000 })));
    await broker.close();
  });

  it('publishes valid QoS 1 readings with increasing seq per device, and counts what the broker acknowledged', async () => {
    const fleet = await start({ patients: 5, deteriorating: 1, autoPublish: false });
    for (let i = 0; i < 4; i++) await fleet.publishNow();

    const stats = fleet.stats();
    expect(stats).toMatchObject({ sent: 20, acked: 20, errors: 0, inFlight: 0, connected: 5 });
    await waitFor(() => broker.received.length === 20, '20 readings at the broker');
    const byDevice = seqsByDevice(receivedMessages());
    expect([...byDevice.keys()].sort()).toEqual(fleet.members.map((member) => member.deviceId));
    for (const device of stats.devices) {
      const seqs = byDevice.get(device.deviceId)!;
      expect(seqs).toHaveLength(device.acked);
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
      expect(device.lastSeq).toBe(seqs[seqs.length - 1]);
    }
  });

  it('starts sequence numbers above those of an earlier run of the same devices, with no state on disk', async () => {
    const first = await start({ patients: 2, autoPublish: false });
    await first.publishNow();
    await first.stop();
    const second = await start({ patients: 2, autoPublish: false });
    await second.publishNow();
    await waitFor(() => broker.received.length === 4, '4 readings at the broker');
    for (const seqs of seqsByDevice(receivedMessages()).values()) expect(seqs[1]).toBeGreaterThan(seqs[0]!);
  });

  it('publishes on its own timers and stop() waits for the acknowledgements in flight', async () => {
    const fleet = await start({ patients: 4, intervalMs: 20 });
    await waitFor(() => fleet.stats().sent >= 40, '40 readings sent');
    const final = await fleet.stop();
    expect(final.inFlight).toBe(0);
    expect(final.errors).toBe(0);
    expect(final.acked).toBe(final.sent);
    expect(final.connected).toBe(0);
    await waitFor(() => broker.received.length === final.acked, 'every acknowledged reading at the broker');
    expect(new Set(receivedMessages().map((message) => message.deviceId)).size).toBe(4);
    await expect(fleet.publishNow()).rejects.toThrow(/stopped/);
    await expect(fleet.stop()).resolves.toEqual(final);
  });

  it('lets a test step a fake clock: device timestamps follow it and deteriorating patients alarm after onset', async () => {
    let now = Date.UTC(2026, 0, 1);
    const t0 = now;
    const fleet = await start({ patients: 6, deteriorating: 2, deteriorationOnsetMs: 60_000, autoPublish: false, clock: () => now });
    await fleet.publishNow();
    now = t0 + 60_000 + 3 * 60_000 + 5_000; // past onset and the default 3-minute window
    await fleet.publishNow();
    await waitFor(() => broker.received.length === 12, '12 readings at the broker');

    const latest = receivedMessages().filter((message) => message.ts === now);
    expect(latest).toHaveLength(6);
    for (const message of latest) {
      const member = fleet.members.find((m) => m.deviceId === message.deviceId)!;
      const m = message.measurements;
      const redFlags = m.respiratory_rate!.value >= 25 || m.spo2!.value <= 91;
      expect({ deviceId: member.deviceId, redFlags, tachycardic: m.heart_rate!.value >= 111 }).toEqual({
        deviceId: member.deviceId,
        redFlags: member.deteriorates,
        tachycardic: member.deteriorates,
      });
    }
  });

  it('keeps readings published during a broker outage and delivers them after reconnecting', async () => {
    const fleet = await start({ patients: 3, autoPublish: false });
    await fleet.publishNow();
    await broker.goOffline();
    await waitFor(() => fleet.stats().connected === 0, 'the devices to notice the outage');

    const delivered = fleet.publishNow();
    expect(fleet.stats()).toMatchObject({ sent: 6, acked: 3, inFlight: 3 });
    await broker.goOnline();
    await delivered;

    expect(fleet.stats()).toMatchObject({ sent: 6, acked: 6, errors: 0, inFlight: 0, connected: 3 });
    await waitFor(() => broker.received.length >= 6, 'the queued readings at the broker');
    const byDevice = seqsByDevice(receivedMessages());
    for (const device of fleet.stats().devices) {
      expect(byDevice.get(device.deviceId)).toEqual([device.lastSeq! - 1, device.lastSeq]);
      expect(device.reconnects).toBeGreaterThan(0);
    }
  });

  it('re-sends a reading whose PUBACK was lost with the connection ([MQTT-4.4.0-1])', async () => {
    // This broker sits on PUBLISHes while `stalled` is set, so the readings stay unacknowledged in flight.
    let stalled = false;
    const flaky = await startTestBroker({
      authorizePublish: (_client, _packet, callback) => {
        if (!stalled) callback(null);
      },
    });
    try {
      const fleet = await startFleet({ brokerUrl: flaky.url, patients: 2, autoPublish: false, reconnectPeriodMs: 50 });
      fleets.push(fleet);
      stalled = true;
      const delivered = fleet.publishNow();
      await waitFor(() => flaky.received.length === 0 && fleet.stats().inFlight === 2, 'two readings in flight');
      await flaky.goOffline();
      stalled = false;
      await flaky.goOnline();
      await delivered;
      expect(fleet.stats()).toMatchObject({ sent: 2, acked: 2, errors: 0 });
      await waitFor(() => flaky.received.length === 2, 'the re-sent readings at the broker');
      expect(new Set(flaky.received.map((publish) => publish.clientId))).toEqual(new Set(fleet.members.map((m) => m.deviceId)));
    } finally {
      await flaky.close();
    }
  });

  it('names the URL it could not reach', async () => {
    const closedPort = await freePort();
    const attempt = startFleet({ brokerUrl: `mqtt://127.0.0.1:${closedPort}`, patients: 3 });
    await expect(attempt).rejects.toThrow(`could not reach the MQTT broker at mqtt://127.0.0.1:${closedPort}`);
    await expect(attempt).rejects.toMatchObject({ code: 'SIM_E_BROKER_UNREACHABLE' });
  });

  it('reports a broker that refuses the credentials, without echoing the password', async () => {
    const guarded = await startTestBroker({
      authenticate: (_client, username, password, done) => done(null, username === 'ward' && password?.toString() === 'right'),
    });
    try {
      const attempt = startFleet({ brokerUrl: guarded.url, patients: 2, username: 'ward', password: 'wrong' });
      await expect(attempt).rejects.toBeInstanceOf(SimulatorError);
      await expect(attempt).rejects.toMatchObject({ code: 'SIM_E_BROKER_REJECTED' });
      await expect(attempt).rejects.not.toThrow(/wrong/);
      const fleet = await startFleet({ brokerUrl: guarded.url, patients: 2, username: 'ward', password: 'right', autoPublish: false });
      await fleet.publishNow();
      expect((await fleet.stop()).acked).toBe(2);
    } finally {
      await guarded.close();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
