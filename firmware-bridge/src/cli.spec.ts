import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestBroker, waitFor } from '../../simulators/src/testing/test-broker';
import { EXIT_OK, EXIT_USAGE, main } from './cli';
import { encodeFrame } from './frame';
import { startPtyPair } from './testing/pty-pair';

jest.setTimeout(30_000);

function capture() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (text: string) => void (out.stdout += text), stderr: (text: string) => void (out.stderr += text) } };
}

const argv = (...args: string[]) => ['node', 'pulseproof-bridge', ...args];

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-bridge-cli-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('pulseproof-bridge', () => {
  it.each([
    [[], /^pulseproof-bridge: --config <file> is required \(or --list\) \(see --help\)\n$/],
    [['--config', 'a.json', '--list'], /^pulseproof-bridge: --list and --config do not go together \(see --help\)\n$/],
    [['--bogus'], /^pulseproof-bridge: unknown option '--bogus' \(see --help\)\n$/],
    [['--config', 'a.json', '--progress', 'soon'], /^pulseproof-bridge: --progress must be a number of seconds >= 0, not "soon" \(see --help\)\n$/],
  ])('exits 2 with one line on stderr for bad usage %j', async (args, message) => {
    const { out, io } = capture();
    expect(await main(argv(...args), io)).toBe(EXIT_USAGE);
    expect(out.stderr).toMatch(message);
    expect(out.stdout).toBe('');
  });

  it('exits 2 with one line naming the file and field for a bad config', async () => {
    const file = path.join(dir, 'bridge.json');
    fs.writeFileSync(file, JSON.stringify({ broker: { url: 'mqtt://127.0.0.1:1', clientId: 'gw' }, bufferDir: 'b', ports: [{ path: '/dev/x', baudRate: 0, devices: ['bed-1'] }] }));
    const { out, io } = capture();
    expect(await main(argv('--config', file), io)).toBe(EXIT_USAGE);
    expect(out.stderr).toBe(`pulseproof-bridge: BRIDGE_E_CONFIG: ${file}: ports[0].baudRate: must be a positive whole number, e.g. 115200\n`);
  });

  it('prints help with the config format', async () => {
    const { out, io } = capture();
    expect(await main(argv('--help'), io)).toBe(EXIT_OK);
    expect(out.stdout).toContain('--config <file>');
    expect(out.stdout).toContain('"ports": [{ "path": "/dev/ttyUSB0"');
  });

  it('lists serial ports', async () => {
    const { out, io } = capture();
    expect(await main(argv('--list'), io)).toBe(EXIT_OK);
    expect(out.stdout.length).toBeGreaterThan(0);
    expect(out.stderr).toBe('');
  });

  it('runs from a config file, reports progress and a summary with the counters, and stops on request', async () => {
    const broker = await startTestBroker();
    const cable = await startPtyPair(dir, 'cli');
    const stop = new AbortController();
    try {
      const file = path.join(dir, 'bridge.json');
      fs.writeFileSync(
        file,
        JSON.stringify({ broker: { url: broker.url, clientId: 'gw-cli' }, bufferDir: 'buffer', ports: [{ path: cable.bridgePath, baudRate: 9600, devices: ['bed-1'] }] }),
      );
      const { out, io } = capture();
      const run = main(argv('--config', file, '--progress', '0.05'), io, { signal: stop.signal, env: {} });
      await waitFor(() => out.stdout.includes('open at 9600 baud'), 'port opened');
      cable.write(encodeFrame({ deviceId: 'bed-1', seq: 1, ts: 1_795_000_000_000, measurements: { heart_rate: 72 } }));
      cable.write('$PP1,bed-1,2,1795000000000,heart_rate=72*0000\r\n');
      await waitFor(() => broker.received.length === 1 && /frames ok 1 +corrupt 1/.test(out.stdout), 'a progress line after the reading');
      stop.abort();
      expect(await run).toBe(EXIT_OK);
      expect(out.stdout).toMatch(/summary: .*frames ok 1  corrupt 1  rejected 0  published 1  buffered 0  dropped 0/);
      expect(out.stderr).toContain('BRIDGE_E_CRC');
      expect(out.stderr).not.toContain('heart_rate=72'); // logs never carry measurement values
    } finally {
      stop.abort();
      await cable.kill();
      await broker.close();
    }
  });
});
