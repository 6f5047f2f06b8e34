import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteBus } from './sqlite-bus';
import { busContract } from './bus.contract';

const dir = mkdtempSync(join(tmpdir(), 'pp-sqlite-bus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// one file for every bus of the run: a second SqliteBus on it is the process after a restart
busContract('SqliteBus', {
  open: async () => new SqliteBus({ file: join(dir, 'bus.sqlite'), retryDelayMs: 20 }),
  timeoutMs: 10_000,
});

describe('SqliteBus closing', () => {
  it('commits publishes still queued when it closes, and refuses later ones with a reason', async () => {
    const file = join(dir, 'closing.sqlite');
    const bus = new SqliteBus({ file });
    // not awaited: they wait for the group commit of the next turn, which close() must not drop
    const queued = [bus.publish('t', 'k', 1), bus.publish('t', 'k', 2)];
    await bus.close();
    await expect(Promise.all(queued)).resolves.toEqual([undefined, undefined]);
    await expect(bus.publish('t', 'k', 3)).rejects.toThrow('the bus is closed');

    const reopened = new SqliteBus({ file });
    const seen: unknown[] = [];
    reopened.subscribe<number>('t', 'g', async (batch) => void seen.push(...batch.map((m) => m.value)));
    await new Promise<void>((resolve) => {
      const check = setInterval(() => seen.length >= 2 && (clearInterval(check), resolve()), 10);
    });
    await reopened.close();
    expect(seen).toEqual([1, 2]);
  });
});
