import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { openAccessDb } from './access-db';
import { AccessLog, parseAccessLogQuery } from './access-log';

describe('AccessLog', () => {
  let dir: string;
  let db: Database.Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pp-access-log-'));
    db = openAccessDb(dir);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const entry = (at: number, username: string, patientId?: string) =>
    ({ at, username, role: 'clinician', method: 'GET', route: `/api/patients/${patientId}/vitals`, ...(patientId && { patientId }), outcome: 'allowed' }) as const;
  const stored = () => (db.prepare('SELECT COUNT(*) AS n FROM access_log').get() as { n: number }).n;

  it('groups writes: nothing is committed per read, a batch is committed at the size limit or on flush', () => {
    const log = new AccessLog(db, 60_000, 3);
    log.record(entry(1, 'jo', 'p-1'));
    log.record(entry(2, 'jo', 'p-2'));
    expect(stored()).toBe(0);
    log.record(entry(3, 'jo', 'p-3'));
    expect(stored()).toBe(3);
    log.record(entry(4, 'al', 'p-1'));
    log.flush();
    expect(stored()).toBe(4);
  });

  it('keeps the entries when the write fails, never throws from its timer, and writes them on the next try', () => {
    jest.useFakeTimers();
    try {
      const errors: string[] = [];
      const log = new AccessLog(db, 100, 1_000, 3, (message) => errors.push(message));
      db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON access_log BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
      log.record(entry(1, 'jo', 'p-1'));
      log.record(entry(2, 'jo', 'p-2'));
      expect(() => jest.advanceTimersByTime(100)).not.toThrow();
      expect(log.flush()).toBe(false);
      log.record(entry(3, 'jo', 'p-3'));
      log.record(entry(4, 'jo', 'p-4')); // over the bound of 3 pending: the oldest goes
      expect(() => jest.advanceTimersByTime(10_000)).not.toThrow();
      expect(stored()).toBe(0);
      expect(errors).toHaveLength(1); // said once, not per retry
      expect(errors[0]).toMatch(/could not write 2 access-log entries \(disk full\).*kept/);
      db.exec('DROP TRIGGER refuse');
      jest.advanceTimersByTime(10_000);
      expect((db.prepare('SELECT patient_id FROM access_log ORDER BY at').all() as { patient_id: string }[]).map((r) => r.patient_id)).toEqual(['p-2', 'p-3', 'p-4']);
      expect(errors[1]).toMatch(/written again; 1 entry was dropped/);
    } finally {
      jest.useRealTimers();
    }
  });

  it('answers who read what, newest first, filtered by user, patient and time, pending entries included', () => {
    const log = new AccessLog(db, 60_000);
    [entry(1_000, 'jo', 'p-1'), entry(2_000, 'al', 'p-1'), entry(3_000, 'jo', 'p-2'), entry(4_000, 'jo', 'p-1')].forEach((e) => log.record(e));
    expect(log.query({ patient: 'p-1', limit: 10 }).map((e) => [e.username, e.at])).toEqual([
      ['jo', new Date(4_000).toISOString()],
      ['al', new Date(2_000).toISOString()],
      ['jo', new Date(1_000).toISOString()],
    ]);
    expect(log.query({ user: 'jo', from: 2_000, to: 3_500, limit: 10 }).map((e) => e.patientId)).toEqual(['p-2']);
  });

  it('parses the query string, refusing what it cannot read', () => {
    expect(parseAccessLogQuery({ user: 'jo', from: '2026-12-07T00:00:00Z', to: '1800000000000' })).toEqual({ user: 'jo', from: Date.parse('2026-12-07T00:00:00Z'), to: 1_800_000_000_000, limit: 100 });
    expect(() => parseAccessLogQuery({ from: 'yesterday' })).toThrow('"from" must be an ISO 8601 time or ms since epoch');
    expect(() => parseAccessLogQuery({ limit: '0' })).toThrow('"limit" must be a whole number from 1 to 10000');
    // Express gives a repeated parameter as an array and `?user[x]=` as an object
    expect(() => parseAccessLogQuery({ user: ['a', 'b'] })).toThrow('"user" must be given at most once, as a single value');
    expect(() => parseAccessLogQuery({ patient: { x: '1' } })).toThrow('"patient" must be given at most once');
    expect(() => parseAccessLogQuery({ limit: ['5', '6'] })).toThrow('"limit" must be given at most once');
    expect(() => parseAccessLogQuery({ from: ['1', '2'] })).toThrow('"from" must be given at most once');
    expect(() => parseAccessLogQuery({ user: 'jo; DROP' })).toThrow('username must be 1-64 letters');
    expect(() => parseAccessLogQuery({ patient: '../p' })).toThrow('patient id must be 1-64 letters');
  });
});
