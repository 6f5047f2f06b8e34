import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { openAccessDb } from './access-db';
import { AccessError } from './access-errors';
import { SessionStore } from './session-store';
import { UserStore } from './user-store';
import { WardStore } from './ward-store';

const FAST_SCRYPT = { N: 1 << 10, r: 8, p: 1, keyLength: 32 };

describe('UserStore', () => {
  let dir: string;
  let db: Database.Database;
  let users: UserStore;
  let wards: WardStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pp-users-'));
    db = openAccessDb(dir);
    users = new UserStore(db, FAST_SCRYPT);
    wards = new WardStore(db, 0);
    wards.add({ id: 'ward-a', name: 'Ward A' });
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores the password only as a salted scrypt hash and verifies it', async () => {
    await users.add({ username: 'jo', role: 'clinician', password: 'correct horse', wards: ['ward-a'] });
    await users.add({ username: 'al', role: 'clinician', password: 'correct horse' });
    const rows = db.prepare('SELECT password_scrypt FROM users').all() as { password_scrypt: string }[];
    expect(rows.every((r) => r.password_scrypt.startsWith('scrypt$1024$8$1$'))).toBe(true);
    expect(rows[0]!.password_scrypt).not.toBe(rows[1]!.password_scrypt); // salted
    expect(JSON.stringify(rows)).not.toContain('correct horse');
    await expect(users.verify('jo', 'correct horse')).resolves.toMatchObject({ username: 'jo', role: 'clinician', wards: ['ward-a'] });
    await expect(users.verify('jo', 'wrong horse!')).resolves.toBeUndefined();
    await expect(users.verify('nobody', 'correct horse')).resolves.toBeUndefined();
  });

  it('refuses bad input with a message that says what is expected', async () => {
    await expect(users.add({ username: 'jo', role: 'surgeon', password: 'correct horse' })).rejects.toThrow('role must be one of clinician, auditor, admin');
    await expect(users.add({ username: 'jo', role: 'auditor', password: 'short' })).rejects.toThrow('password must be 8 to 256 characters');
    await expect(users.add({ username: '../x', role: 'auditor', password: 'correct horse' })).rejects.toThrow(/username must be/);
    await expect(users.add({ username: 'jo', role: 'clinician', password: 'correct horse', wards: ['ward-z'] })).rejects.toThrow('no ward ward-z: add it first');
    await users.add({ username: 'jo', role: 'auditor', password: 'correct horse' });
    await expect(users.add({ username: 'jo', role: 'auditor', password: 'correct horse' })).rejects.toMatchObject({ code: 'ACCESS_E_EXISTS' });
  });

  it('keeps at least one admin', async () => {
    await users.add({ username: 'root', role: 'admin', password: 'correct horse' });
    expect(() => users.remove('root')).toThrow(AccessError);
    await users.add({ username: 'root2', role: 'admin', password: 'correct horse' });
    users.remove('root');
    expect(users.list().map((u) => u.username)).toEqual(['root2']);
  });

  it('ends every session of a user whose password is reset or who is removed', async () => {
    const sessions = new SessionStore(db);
    await users.add({ username: 'jo', role: 'clinician', password: 'correct horse' });
    const first = sessions.create('jo');
    await users.resetPassword('jo', 'battery staple');
    expect(sessions.resolve(first.token)).toBeUndefined();
    await expect(users.verify('jo', 'battery staple')).resolves.toBeDefined();
    const second = sessions.create('jo');
    users.remove('jo');
    expect(sessions.resolve(second.token)).toBeUndefined();
  });

  it('replaces a user\'s wards', async () => {
    wards.add({ id: 'ward-b' });
    await users.add({ username: 'jo', role: 'clinician', password: 'correct horse', wards: ['ward-a'] });
    expect(users.setWards('jo', ['ward-b', 'ward-a', 'ward-b']).wards).toEqual(['ward-a', 'ward-b']);
    expect(users.setWards('jo', []).wards).toEqual([]);
  });
});

describe('WardStore', () => {
  let dir: string;
  let db: Database.Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pp-wards-'));
    db = openAccessDb(dir);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a patient in one ward at a time, and places only unassigned patients', () => {
    const wards = new WardStore(db);
    wards.add({ id: 'ward-a' });
    wards.add({ id: 'ward-b', name: 'Ward B' });
    expect(wards.placeUnassigned(['p-1', 'p-2'], 'ward-a', 'sim')).toBe(2);
    wards.assignPatient('p-2', 'ward-b', 'admin');
    expect(wards.placeUnassigned(['p-1', 'p-2', 'p-3'], 'ward-a', 'sim')).toBe(1);
    expect(wards.wardOf('p-2')).toBe('ward-b');
    expect(wards.patientsOf('ward-a').map((p) => p.patientId)).toEqual(['p-1', 'p-3']);
    expect(wards.list()).toEqual([
      { id: 'ward-a', name: 'ward-a', patients: 2 },
      { id: 'ward-b', name: 'Ward B', patients: 1 },
    ]);
    expect(() => wards.assignPatient('p-1', 'ward-z', 'admin')).toThrow('no ward ward-z');
  });

  it('sees a move made by another process (the CLI) after its refresh interval', () => {
    const app = new WardStore(db, 0);
    const cliDb = openAccessDb(dir);
    try {
      const cli = new WardStore(cliDb);
      cli.add({ id: 'ward-a' });
      cli.add({ id: 'ward-b' });
      cli.assignPatient('p-1', 'ward-a', 'cli');
      expect(app.wardOf('p-1')).toBe('ward-a');
      cli.assignPatient('p-1', 'ward-b', 'cli');
      expect(app.wardOf('p-1')).toBe('ward-b');
    } finally {
      cliDb.close();
    }
  });
});
