import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { openAccessDb } from './access-db';
import { SessionStore } from './session-store';

describe('SessionStore', () => {
  let dir: string;
  let db: Database.Database;
  let now: number;
  let sessions: SessionStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pp-sessions-'));
    db = openAccessDb(dir);
    db.prepare(`INSERT INTO users VALUES ('jo', 'clinician', 'scrypt$x', 0, 0)`).run();
    now = 1_000_000;
    sessions = new SessionStore(db, { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 }, () => now);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores only the SHA-256 of a 256-bit random token', () => {
    const { token } = sessions.create('jo');
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    const stored = db.prepare('SELECT token_sha256 FROM sessions').get() as { token_sha256: Buffer };
    expect(stored.token_sha256.equals(createHash('sha256').update(token).digest())).toBe(true);
    expect(sessions.resolve(token)).toMatchObject({ username: 'jo' });
    expect(sessions.resolve(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).toBeUndefined();
  });

  it('ends a session left unused for the idle limit', () => {
    const { token } = sessions.create('jo');
    now += 29 * 60_000;
    expect(sessions.resolve(token)).toBeDefined(); // use refreshes the idle clock
    now += 29 * 60_000;
    expect(sessions.resolve(token)).toBeDefined();
    now += 30 * 60_000;
    expect(sessions.resolve(token)).toBeUndefined();
  });

  it('ends a session at the absolute limit however busy it is', () => {
    const { token } = sessions.create('jo');
    for (let h = 0; h < 12 * 4 - 1; h++) {
      now += 15 * 60_000;
      expect(sessions.resolve(token)).toBeDefined();
    }
    now += 15 * 60_000;
    expect(sessions.resolve(token)).toBeUndefined();
  });

  it('revokes at sign-out and sweeps ended sessions', () => {
    const a = sessions.create('jo');
    sessions.create('jo');
    sessions.revoke(a.token);
    expect(sessions.resolve(a.token)).toBeUndefined();
    now += 31 * 60_000;
    expect(sessions.sweep()).toBe(1);
  });
});
