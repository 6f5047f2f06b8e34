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
