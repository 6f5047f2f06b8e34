import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqlite } from './sqlite';
import { SqliteGroupCommit } from './sqlite-group-commit';

describe('SqliteGroupCommit (real SQLite)', () => {
  let dir: string;
  let db: Database.Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pp-group-commit-'));
    db = openSqlite(join(dir, 'x.sqlite'));
    db.exec('CREATE TABLE t (v INTEGER NOT NULL CHECK (v >= 0))');
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const rows = () => (db.prepare('SELECT v FROM t ORDER BY rowid').all() as { v: number }[]).map((r) => r.v);

  it('commits writes queued together in one transaction, in order, before their promises resolve', async () => {
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const commits = new SqliteGroupCommit<number>(db, (v) => insert.run(v));
    const written = Promise.all([1, 2, 3].map((v) => commits.run(v)));
    expect(rows()).toEqual([]);
    await written;
    expect(rows()).toEqual([1, 2, 3]);
  });

  it('rolls the whole batch back and rejects every caller when one write fails', async () => {
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    let rolledBack = 0;
    const commits = new SqliteGroupCommit<number>(db, (v) => insert.run(v), () => (rolledBack += 1));
    const outcomes = await Promise.allSettled([1, -1, 2].map((v) => commits.run(v)));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(rows()).toEqual([]);
    expect(rolledBack).toBe(1);
    await commits.run(4);
    expect(rows()).toEqual([4]);
  });

  it('commits at once when the batch is full', async () => {
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const commits = new SqliteGroupCommit<number>(db, (v) => insert.run(v), undefined, 2);
    const first = Promise.all([commits.run(1), commits.run(2)]);
    expect(rows()).toEqual([1, 2]);
    await first;
  });
});
