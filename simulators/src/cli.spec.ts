import net from 'node:net';
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

const cli = (...args: string[]) => ['node', 'pulseproof-sim', ...args];

describe('pulseproof-sim', () => {
  it.each([
    [['--patients', 'abc'], /--patients <count>.*'abc' is invalid\. patients must be a number/],
    [['--patients', '0'], /patients must be a whole number from 1 to 10000/],
    [['--interval', '1'], /interval must be at least 10/],
    [['--patients', '2', '--deteriorating', '3'], /deteriorating must be a whole number from 0 to 2/],
    [['--url', 'http://127.0.0.1:1883'], /--url must use mqtt:\/\//],
    [['--url', 'not a url'], /--url must be a broker URL such as mqtt:\/\/127\.0\.0\.1:1883/],
    [['--duration', '-5'], /duration must be greater than 0/],
    [['--frobnicate'], /unknown option '--frobnicate'/],
  ])('exits 2 on %j with one line saying what to fix', async (args, message) => {
    const output = capture();
    expect(await main(cli(...args), output.io)).toBe(2);
    expect(output.stderr()).toMatch(message);
    expect(output.stderr().trimEnd().split('\n')).toHaveLength(1);
    expect(output.stderr()).toMatch(/^pulseproof-sim: /);
    expect(output.stdout()).toBe('');
  });

  it('explains in its help that devices must be registered first', async () => {
    const output = capture();
    expect(await main(cli('--help'), output.io)).toBe(0);
    expect(output.stdout()).toMatch(/--url <url>/);
    expect(output.stdout()).toMatch(/must be registered with PulseProof/);
    expect(output.stdout()).toMatch(/npm start/);
  });

  it('exits 1 naming the broker it could not reach and how to point elsewhere', async () => {
    const port = await freePort();
    const output = capture();
    expect(await main(cli('--url', `mqtt://127.0.0.1:${port}`, '--patients', '2'), output.io)).toBe(1);
    expect(output.stderr()).toMatch(new RegExp(`could not reach the MQTT broker at mqtt://127\\.0\\.0\\.1:${port}.*--url`));
    expect(output.stderr().trimEnd().split('\n')).toHaveLength(1);
  });

  describe('against a broker', () => {
    let broker: TestBroker;
    beforeEach(async () => {
      broker = await startTestBroker();
    });
    afterEach(async () => {
      await broker.close();
    });

    it('runs until stopped, then prints a summary that matches what the broker received', async () => {
      const output = capture();
      const stop = new AbortController();
      const run = main(cli('--url', broker.url, '--patients', '3', '--deteriorating', '1', '--interval', '20'), output.io, {
        signal: stop.signal,
      });
      await waitFor(() => broker.received.length >= 15, '15 readings at the broker');
      stop.abort();
      expect(await run).toBe(0);

      expect(output.stdout()).toMatch(/3 devices connected to mqtt:\/\/127\.0\.0\.1:\d+.*1 deteriorating \(sim-bed-\d{3}\)/);
      const summary = /sent (\d+), acked (\d+), errors 0, unacknowledged 0/.exec(output.stdout());
      expect(summary).not.toBeNull();
      expect(summary![1]).toBe(summary![2]);
      await waitFor(() => broker.received.length === Number(summary![2]), 'every acknowledged reading at the broker');
      expect(output.stderr()).toBe('');
    });

    it('stops by itself after --duration and never prints the password', async () => {
      const output = capture();
      const code = await main(
        cli('--url', broker.url, '--patients', '2', '--interval', '50', '--duration', '0.3', '--username', 'u', '--password', 'hunter2'),
        output.io,
      );
      expect(code).toBe(0);
      expect(output.stdout()).toMatch(/Stopping after 0\.3 s/);
      expect(output.stdout()).toMatch(/ran \d+\.\ds with 2 devices: sent \d+, acked \d+/);
      expect(output.stdout() + output.stderr()).not.toMatch(/hunter2/);
    });
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
