import { mqttTopics } from '@pulseproof/contracts';
import { SimulatedDevice } from './device';
import { PatientModel } from './patient-model';
import { TestBroker, startTestBroker, waitFor } from './testing/test-broker';

describe('a simulated device announces its presence on its status topic', () => {
  let broker: TestBroker;
  beforeEach(async () => (broker = await startTestBroker()));
  afterEach(async () => broker.close());

  const states = () => broker.statuses.map((p) => `${p.topic} ${p.payload}`);

  it('publishes online on connecting, and offline on a clean stop (a DISCONNECT discards the will)', async () => {
    const device = new SimulatedDevice({ brokerUrl: broker.url, deviceId: 'mon-1', model: new PatientModel({ seed: 1 }) });
    await device.connect();
    await waitFor(() => broker.statuses.length === 1, 'online');
    await device.stop(1_000);
    await waitFor(() => broker.statuses.length === 2, 'offline');
    expect(states()).toEqual([`${mqttTopics.status('mon-1')} online`, `${mqttTopics.status('mon-1')} offline`]);
    expect(broker.statuses.every((p) => p.qos === 1)).toBe(true);
    expect(broker.received).toEqual([]);
  });

  it('leaves offline as its last will, which the broker publishes when the connection drops', async () => {
    const device = new SimulatedDevice({ brokerUrl: broker.url, deviceId: 'mon-2', model: new PatientModel({ seed: 1 }), reconnectPeriodMs: 60_000 });
    await device.connect();
    await waitFor(() => broker.statuses.length === 1, 'online');
    await broker.goOffline();
    await waitFor(() => broker.statuses.length === 2, 'the will');
    expect(states()[1]).toBe(`${mqttTopics.status('mon-2')} offline`);
    await device.stop(100);
  });

  it('stays quiet with announceStatus: false', async () => {
    const device = new SimulatedDevice({ brokerUrl: broker.url, deviceId: 'mon-3', model: new PatientModel({ seed: 1 }), announceStatus: false });
    await device.connect();
    await device.publishReading();
    await device.stop(1_000);
    expect(broker.statuses).toEqual([]);
    expect(broker.received).toHaveLength(1);
  });
});
