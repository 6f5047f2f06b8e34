import { deviceMessageSchema } from '@pulseproof/contracts';
import { main } from '../cli';
import { TestBroker, startTestBroker } from '../testing/test-broker';
import { capacityLine } from './load-cli';
import { runLoad } from './load-generator';
import { measureGeneratorCapacity } from './null-broker';

describe('load mode', () => {
  let broker: TestBroker;

  beforeEach(async () => {
    broker = await startTestBroker();
  });

  afterEach(async () => {
    await broker.close();
  });

  it('records publish-to-PUBACK latency for every acknowledged reading when asked', async () => {
    const report = await runLoad({ brokerUrl: broker.url, devices: 5, rate: 200, durationMs: 500, recordLatency: true });
    expect(report.latencyMs?.samples).toBe(report.acked);
    expect(report.latencyMs!.p50).toBeLessThanOrEqual(report.latencyMs!.p99);
    expect(report.latencyMs!.p99).toBeLessThanOrEqual(report.latencyMs!.max);
    expect((await runLoad({ brokerUrl: broker.url, devices: 1, rate: 50, durationMs: 200 })).latencyMs).toBeUndefined();
  });

  it('connects a few hundred devices in waves and every reading sent is acknowledged and arrives once', async () => {
    const progress: number[] = [];
    const report = await runLoad({
      brokerUrl: broker.url,
      devices: 300,
      wave: 100,
      rate: 1500,
      durationMs: 1000,
      progressEveryMs: 200,
      onProgress: (stats) => progress.push(stats.sent),
    });
    expect(report.connectErrors).toBe(0);
    expect(report.sent).toBeGreaterThan(0);
    expect(report.acked).toBe(report.sent);
    expect(report.errors).toBe(0);
    expect(report.inFlight).toBe(0);
    expect(progress.length).toBeGreaterThan(0);
    // never more than the target rate (plus one tick of rounding)
    expect(report.sent).toBeLessThanOrEqual(1500 * (report.elapsedMs / 1000) + 30);
    const ids = broker.received.map((publish) => {
      const message = deviceMessageSchema.parse(JSON.parse(publish.payload));
      return `${message.deviceId}:${message.seq}`;
    });
    expect(new Set(ids).size).toBe(report.acked);
    expect(new Set(broker.received.map((p) => p.clientId)).size).toBeGreaterThan(250);
  });

  it('measures its own capacity against an in-process null broker', async () => {
    const capacity = await measureGeneratorCapacity({ devices: 20, durationMs: 500 });
    expect(capacity.rate).toBeGreaterThan(0);
    expect(capacity.acked).toBe(capacity.sent);
    expect(capacityLine(950, 1000)).toMatch(/the generator is the bottleneck/);
    expect(capacityLine(300, 1000)).toMatch(/the generator had headroom/);
  });

  it('runs from the command line: progress, a summary and the generator capacity', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) };
    const args = ['load', '--url', broker.url, '--devices', '50', '--rate', '500', '--duration', '1.2', '--capacity-seconds', '0.3'];
    expect(await main(['node', 'pulseproof-sim', ...args], io)).toBe(0);
    const text = out.join('');
    expect(err.join('')).toBe('');
    expect(text).toMatch(/connected 50\/50 {2}sent \d+ {2}acked \d+ {2}errors 0/);
    expect(text).toMatch(/50 devices \(50 connected .* failed\) for .*: sent (\d+), acked \1, errors 0, unacknowledged 0/);
    expect(text).toMatch(/achieved .* acked\/s; generator capacity \(null broker\) .* acked\/s/);
  });

  it('rejects bad options with exit code 2', async () => {
    const err: string[] = [];
    const io = { stdout: () => undefined, stderr: (t: string) => void err.push(t) };
    expect(await main(['node', 'pulseproof-sim', 'load', '--devices', '0'], io)).toBe(2);
    expect(err.join('')).toMatch(/--devices must be a whole number >= 1/);
  });
});
