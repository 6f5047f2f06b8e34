import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { openAccessDb } from './access-db';
import { DEFAULT_WARD, ensureFirstAccounts, firstAccountLines } from './first-accounts';
import { UserStore } from './user-store';
import { WardStore } from './ward-store';

describe('first accounts', () => {
  let dir: string;
  let db: Database.Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pp-first-'));
    db = openAccessDb(dir);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates one account per role with distinct random passwords on the first start only', async () => {
    const users = new UserStore(db, { N: 1 << 10, r: 8, p: 1, keyLength: 32 });
    const wards = new WardStore(db);
    const created = await ensureFirstAccounts(users, wards);
    expect(created.map((a) => [a.username, a.role])).toEqual([['admin', 'admin'], ['clinician', 'clinician'], ['auditor', 'auditor']]);
    expect(new Set(created.map((a) => a.password)).size).toBe(3);
    for (const account of created) await expect(users.verify(account.username, account.password)).resolves.toMatchObject({ role: account.role });
    expect(users.get('clinician').wards).toEqual([DEFAULT_WARD.id]);
    expect(firstAccountLines(created).join('\n')).toContain(`admin     admin / ${created[0]!.password}`);

    await expect(ensureFirstAccounts(users, wards)).resolves.toEqual([]);
    expect(firstAccountLines([])).toEqual([]);
    expect(users.count()).toBe(3);
  });
});
