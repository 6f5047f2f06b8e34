import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mqttTopics } from '@pulseproof/contracts';
import { startTestBroker, TestBroker, waitFor } from '../../simulators/src/testing/test-broker';
import { FirmwareBridge } from './bridge';
import { parseBridgeConfig } from './config';
import { encodeFrame } from './frame';
import { PtyPair, requireSocat, startPtyPair } from './testing/pty-pair';

// Real serial ports (socat pty pairs), a real aedes broker, a real SQLite buffer.
jest.setTimeout(30_000);

const frame = (deviceId: string, seq: number) =>
  encodeFrame({ deviceId, seq, ts: 1_795_000_000_000 + seq * 1000, measurements: { heart_rate: 70 + (seq % 30), spo2: 96, temperature: 36.8 } });

let dir: string;
let broker: TestBroker;
const cleanups: Array<() => Promise<void> | void> = [];

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-bridge-'));
  broker = await startTestBroker();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await broker.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function pty(name = 'ward'): Promise<PtyPair> {
  const pair = await startPtyPair(dir, name);
  let killed = false;
  cleanups.push(() => (killed ? undefined : pair.kill()));
  const kill = pair.kill;
  return { ...pair, kill: () => ((killed = true), kill()) };
}

function startBridge(ports: Array<{ path: string; devices: string[] }>, overrides: Record<string, unknown> = {}): FirmwareBridge {
  const config = parseBridgeConfig(
    { broker: { url: broker.url, clientId: 'gw-test' }, bufferDir: 'buffer', ports: ports.map((p) => ({ ...p, baudRate: 115200 })), ...overrides },
    dir,
  );
  const bridge = new FirmwareBridge(config, undefined, { reopenDelayMs: 50, maxReopenDelayMs: 200, reconnectPeriodMs: 100 });
  bridge.start();
  let stopped = false;
  cleanups.push(() => (stopped ? undefined : bridge.stop().then(() => undefined)));
  const stop = bridge.stop.bind(bridge);
  bridge.stop = (ms?: number) => ((stopped = true), stop(ms));
  return bridge;
}

const published = () => broker.received.map((p) => ({ topic: p.topic, qos: p.qos, clientId: p.clientId, message: JSON.parse(p.payload) }));
const seqsOf = (deviceId: string) => published().filter((p) => p.message.deviceId === deviceId).map((p) => p.message.seq as number);

describe('FirmwareBridge on real serial ports', () => {
  it('publishes each frame as the device message of wire format v1, at QoS 1, as the gateway', async () => {
    const cable = await pty();
    const bridge = startBridge([{ path: cable.bridgePath, devices: ['bed-1'] }]);
    await waitFor(() => bridge.stats().portsOpen === 1 && bridge.stats().connected, 'port open and broker connected');

    // Split mid-frame: the decoder must not care where the serial driver cut the bytes.
    const bytes = frame('bed-1', 1) + frame('bed-1', 2);
    cable.write(bytes.slice(0, 20));
    cable.write(bytes.slice(20));
    await waitFor(() => bridge.stats().published === 2, 'two readings acknowledged');

    expect(published()[0]).toEqual({
      topic: mqttTopics.readings('bed-1'),
      qos: 1,
      clientId: 'gw-test',
      message: {
        v: 1,
        deviceId: 'bed-1',
        seq: 1,
        ts: 1_795_000_001_000,
        measurements: { heart_rate: { value: 71, unit: '/min' }, spo2: { value: 96, unit: '%' }, temperature: { value: 36.8, unit: 'Cel' } },
      },
    });
    expect(bridge.stats()).toMatchObject({ framesOk: 2, corrupt: 0, rejected: 0, buffered: 0 });
  });

  it('counts noise, a checksum mismatch and a foreign device, and publishes none of them', async () => {
    const cable = await pty();
    const bridge = startBridge([{ path: cable.bridgePath, devices: ['bed-1'] }]);
    await waitFor(() => bridge.stats().portsOpen === 1, 'port open');

    const good = frame('bed-1', 10);
    const flipped = frame('bed-1', 11).replace('spo2=96', 'spo2=86'); // same CRC, other bytes
    cable.write(Buffer.from([0x00, 0xff, 0x13, 0x0d, 0x0a, 0x7e])); // line noise between frames
    cable.write(flipped);
    cable.write('$PP1,bed-1,12,17950'); // cut short by the next `$`
    cable.write(frame('bed-9', 13)); // valid, but bed-9 is not on this port
    cable.write(good);
    await waitFor(() => bridge.stats().published === 1, 'the good frame published');

    expect(seqsOf('bed-1')).toEqual([10]);
    expect(seqsOf('bed-9')).toEqual([]);
    const stats = bridge.stats();
    expect(stats.corruptByCode).toEqual({ BRIDGE_E_CRC: 1, BRIDGE_E_FRAME: 1 });
    expect(stats).toMatchObject({ framesOk: 1, corrupt: 2, rejected: 1 });
  });

  it('reads several ports, each accepting only its own devices', async () => {
    const left = await pty('left');
    const right = await pty('right');
    const bridge = startBridge([
      { path: left.bridgePath, devices: ['bed-1'] },
      { path: right.bridgePath, devices: ['bed-2'] },
    ]);
    await waitFor(() => bridge.stats().portsOpen === 2, 'both ports open');
    left.write(frame('bed-1', 1));
    right.write(frame('bed-2', 1));
    right.write(frame('bed-1', 2)); // bed-1 is not on the right port
    left.write(frame('bed-1', 3));
    await waitFor(() => bridge.stats().published === 3 && bridge.stats().rejected === 1, 'three published, one rejected');
    expect(seqsOf('bed-1')).toEqual([1, 3]);
    expect(seqsOf('bed-2')).toEqual([1]);
  });

  it('reopens a port that disappears and comes back', async () => {
    const first = await pty();
    const bridge = startBridge([{ path: first.bridgePath, devices: ['bed-1'] }]);
    await waitFor(() => bridge.stats().portsOpen === 1, 'port open');
    first.write(frame('bed-1', 1));
    await waitFor(() => bridge.stats().published === 1, 'first reading');

    await first.kill(); // cable pulled: the pty and its link are gone
    await waitFor(() => bridge.stats().portsOpen === 0, 'port seen as gone');
    const second = await pty(); // plugged back: same path, a new pty behind it
    await waitFor(() => bridge.stats().portsOpen === 1, 'port reopened');
    second.write(frame('bed-1', 2));
    await waitFor(() => bridge.stats().published === 2, 'reading after the reopen');

    expect(seqsOf('bed-1')).toEqual([1, 2]);
    expect(bridge.stats().reopens).toBe(1);
  });

  it('buffers on disk while the broker is down and delivers everything in order when it returns', async () => {
    const cable = await pty();
    const bridge = startBridge([{ path: cable.bridgePath, devices: ['bed-1', 'bed-2'] }]);
    await waitFor(() => bridge.stats().portsOpen === 1 && bridge.stats().connected, 'port open and broker connected');
    for (let seq = 1; seq <= 20; seq++) cable.write(frame(seq % 2 ? 'bed-1' : 'bed-2', seq));
    await waitFor(() => bridge.stats().framesOk >= 5, 'some frames in before the outage');

    await broker.goOffline();
    await waitFor(() => !bridge.stats().connected, 'bridge sees the broker gone');
    for (let seq = 21; seq <= 60; seq++) cable.write(frame(seq % 2 ? 'bed-1' : 'bed-2', seq));
    await waitFor(() => bridge.stats().framesOk === 60, 'every frame decoded during the outage');
    expect(bridge.stats().buffered).toBeGreaterThanOrEqual(40);

    await broker.goOnline();
    await waitFor(() => bridge.stats().buffered === 0, 'buffer delivered');
    // QoS 1 may deliver a reading twice around the cut; none may be missing, and in order of
    // first arrival they are exactly the order the frames came in on the wire.
    const firstArrival = [...new Set(published().map((p) => p.message.seq as number))];
    expect(firstArrival).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(bridge.stats()).toMatchObject({ published: 60, dropped: 0 });
  });

  it('keeps unacknowledged readings on disk across a bridge restart', async () => {
    await broker.goOffline();
    const cable = await pty();
    const first = startBridge([{ path: cable.bridgePath, devices: ['bed-1'] }]);
    await waitFor(() => first.stats().portsOpen === 1, 'port open');
    for (let seq = 1; seq <= 5; seq++) cable.write(frame('bed-1', seq));
    await waitFor(() => first.stats().buffered === 5, 'five readings buffered');
    await first.stop();

    await broker.goOnline();
    const second = startBridge([{ path: cable.bridgePath, devices: ['bed-1'] }]);
    await waitFor(() => second.stats().published === 5 && second.stats().buffered === 0, 'buffered readings delivered after the restart');
    expect(seqsOf('bed-1')).toEqual([1, 2, 3, 4, 5]);
  });

  it('drops the oldest readings when the buffer is full, and counts them', async () => {
    await broker.goOffline();
    const cable = await pty();
    const bridge = startBridge([{ path: cable.bridgePath, devices: ['bed-1'] }], { bufferMaxReadings: 3 });
    await waitFor(() => bridge.stats().portsOpen === 1, 'port open');
    for (let seq = 1; seq <= 5; seq++) cable.write(frame('bed-1', seq));
    await waitFor(() => bridge.stats().framesOk === 5, 'five frames decoded');
    expect(bridge.stats()).toMatchObject({ buffered: 3, dropped: 2 });

    await broker.goOnline();
    await waitFor(() => bridge.stats().published === 3, 'the newest three delivered');
    expect(seqsOf('bed-1')).toEqual([3, 4, 5]);
  });
});

describe('the serial test harness', () => {
  it('fails with the install command, rather than skipping, when socat is missing', () => {
    // an empty folder as the whole PATH: no socat to be found
    expect(() => requireSocat({ ...process.env, PATH: dir })).toThrow('apt-get install socat');
  });
});
