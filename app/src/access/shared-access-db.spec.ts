import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { openAccessDbFile } from './access-db';
import { SessionStore } from './session-store';
import { UserStore } from './user-store';
import { WardStore } from './ward-store';

const FAST_SCRYPT = { N: 1 << 10, r: 8, p: 1, keyLength: 32 };

/**
 * Two service processes sharing one ACCESS_DB_FILE: two connections to the same SQLite file (WAL),
 * each with its own stores, as each process has. A change made through one is seen by the other.
 */
describe('one accounts database shared by two processes', () => {
  let dir: string;
  let first: Database.Database;
  let second: Database.Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pp-shared-access-'));
    first = openAccessDbFile(join(dir, 'shared', 'access.sqlite'));
    second = openAccessDbFile(join(dir, 'shared', 'access.sqlite'));
  });
  afterEach(() => {
    first.close();
    second.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs a user in on one and is known on the other; a password reset on one ends the session on both', async () => {
    await new UserStore(first, FAST_SCRYPT).add({ username: 'jo', role: 'auditor', password: 'correct horse' });
    await expect(new UserStore(second, FAST_SCRYPT).verify('jo', 'correct horse')).resolves.toMatchObject({ role: 'auditor' });
    const { token } = new SessionStore(first).create('jo');
    expect(new SessionStore(second).resolve(token)).toMatchObject({ username: 'jo' });
    await new UserStore(second, FAST_SCRYPT).resetPassword('jo', 'battery staple');
    expect(new SessionStore(first).resolve(token)).toBeUndefined();
  });

  it('sees a ward move made by the other process within the refresh interval', () => {
    let now = 1_000_000;
    const here = new WardStore(first, 2_000, () => now);
    const there = new WardStore(second, 2_000, () => now);
    here.add({ id: 'ward-a' });
    here.add({ id: 'ward-b' });
    here.assignPatient('p-1', 'ward-a', 'admin');
    expect(there.wardOf('p-1')).toBe('ward-a');
    here.assignPatient('p-1', 'ward-b', 'admin');
    expect(here.wardOf('p-1')).toBe('ward-b'); // the writer's own cache is dropped at once
    now += 1_999;
    expect(there.wardOf('p-1')).toBe('ward-a'); // the cached map, at most 2 s old
    now += 1;
    expect(there.wardOf('p-1')).toBe('ward-b');
  });
});
