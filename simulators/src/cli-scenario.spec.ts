import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from './cli';
import { TestBroker, startTestBroker, waitFor } from './testing/test-broker';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (text: string) => void out.push(text), stderr: (text: string) => void err.push(text) },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

describe('pulseproof-sim --scenario', () => {
  let dir: string;
  let broker: TestBroker;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pulseproof-sim-cli-'));
    broker = await startTestBroker();
  });

  afterEach(async () => {
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('exits 2 and lists the problems of an invalid ward file', async () => {
    const file = path.join(dir, 'ward.json');
    fs.writeFileSync(file, JSON.stringify({ patients: [{ id: 'p1', devices: ['monitor'], timeline: [{ at: '2 minutes', scenario: 'hypoxia' }] }] }));
    const output = capture();
    expect(await main(['node', 'pulseproof-sim', '--scenario', file], output.io)).toBe(2);
    expect(output.stderr()).toMatch(/patients\[0\]\.timeline\[0\]\.at: at must be a duration/);
  });

  it('exits 2 when --cert comes without --key, or a TLS file is missing', async () => {
    const output = capture();
    expect(await main(['node', 'pulseproof-sim', '--cert', path.join(dir, 'c.pem')], output.io)).toBe(2);
    expect(output.stderr()).toMatch(/--cert and --key go together/);
    const again = capture();
    expect(await main(['node', 'pulseproof-sim', '--ca', path.join(dir, 'missing.pem')], again.io)).toBe(2);
    expect(again.stderr()).toMatch(/--ca .*missing\.pem: ENOENT/);
  });

  it('runs the ward of the file: its device ids publish at the requested QoS', async () => {
    const file = path.join(dir, 'ward.json');
    fs.writeFileSync(file, JSON.stringify({ seed: 7, interval: '50ms', patients: [{ id: 'bed1', devices: ['monitor', 'wearable'] }] }));
    const output = capture();
    const abort = new AbortController();
    const run = main(['node', 'pulseproof-sim', '--url', broker.url, '--scenario', file, '--qos', '0', '--speed', '10'], output.io, {
      signal: abort.signal,
    });
    await waitFor(() => new Set(broker.received.map((p) => p.clientId)).size === 2, 'both devices publishing');
    abort.abort();
    expect(await run).toBe(0);
    expect(new Set(broker.received.map((p) => p.clientId))).toEqual(new Set(['bed1-monitor', 'bed1-wearable']));
    expect(broker.received.every((p) => p.qos === 0)).toBe(true);
  });
});
