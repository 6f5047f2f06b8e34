import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertRecord } from './lifecycle/alert.model';
import { LatestVital, PatientStateStore } from './patient-state.store';

const T0 = 1_795_000_000_000;

function vital(overrides: Partial<LatestVital>): LatestVital {
  return { patientId: 'p-1', code: 'heart_rate', value: 70, deviceTime: T0, deviceId: 'bed-1', seq: 1, sourceId: 'bed-1:1', ...overrides };
}

function alert(overrides: Partial<AlertRecord>): AlertRecord {
  return {
    alertId: 'news2:p-1:bed-1:1',
    patientId: 'p-1',
    type: 'news2',
    kind: 'physiological',
    priority: 'medium',
    state: 'active',
    summary: 'NEWS2 5',
    score: 5,
    evidence: ['heart_rate'],
    deviceIds: [],
    raisedBy: 'bed-1:1',
    updatedBy: 'bed-1:1',
    clearedBy: null,
    raisedAt: T0,
    updatedAt: T0,
    clearedAt: null,
    acknowledgedBy: null,
    acknowledgedAt: null,
    escalationLevel: 0,
    nextEscalationAt: null,
    ...overrides,
  };
}

describe('PatientStateStore', () => {
  let dir: string;
  let store: PatientStateStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pulseproof-alerts-store-'));
    store = PatientStateStore.open(dir);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a vital only when it is newer by device time, or by seq at the same time from the same device', () => {
    expect(store.recordVital(vital({ value: 80, deviceTime: T0 + 10, seq: 5, sourceId: 'bed-1:5' }))).toBe(true);
    expect(store.recordVital(vital({ value: 60, deviceTime: T0, seq: 4, sourceId: 'bed-1:4' }))).toBe(false); // late
    expect(store.recordVital(vital({ value: 80, deviceTime: T0 + 10, seq: 5, sourceId: 'bed-1:5' }))).toBe(false); // replay
    expect(store.recordVital(vital({ value: 90, deviceTime: T0 + 10, deviceId: 'wrist-1', seq: 99, sourceId: 'wrist-1:99' }))).toBe(false); // tie, other device
    expect(store.latestVitals('p-1')).toMatchObject([{ value: 80, sourceId: 'bed-1:5' }]);
    expect(store.recordVital(vital({ value: 85, deviceTime: T0 + 10, seq: 6, sourceId: 'bed-1:6' }))).toBe(true); // same time, later seq
    expect(store.recordVital(vital({ value: 75, deviceTime: T0 + 20, deviceId: undefined, seq: undefined, sourceId: 'observation:p-1:heart_rate:1' }))).toBe(true);
    expect(store.latestVitals('p-1')).toEqual([{ patientId: 'p-1', code: 'heart_rate', value: 75, deviceTime: T0 + 20, sourceId: 'observation:p-1:heart_rate:1' }]);
  });

  it('sees what another process sharing the file committed, rule memory included (alerts replicas)', () => {
    const other = PatientStateStore.open(dir); // a second connection: another alerts process on the same file
    try {
      // this process reads and so remembers a rule state
      store.transaction(() => store.rules.setState('p-1', 'hr-high', { lastAt: T0 }));
      expect(store.transaction(() => store.rules.state('p-1', 'hr-high'))).toEqual({ lastAt: T0 });
      // the patient's partition moves: the other process moves the rule on, and applies a reading
      other.transaction(() => {
        other.rules.setState('p-1', 'hr-high', { lastAt: T0 + 60_000, since: T0 + 60_000 }, other.rules.state('p-1', 'hr-high'));
        expect(other.markProcessed('bed-1:2', T0)).toBe(true);
      });
      // back here: the current state, not the remembered one; the reading is not applied twice
      expect(store.transaction(() => store.rules.state('p-1', 'hr-high'))).toEqual({ lastAt: T0 + 60_000, since: T0 + 60_000 });
      expect(store.transaction(() => store.markProcessed('bed-1:2', T0 + 1))).toBe(false);
    } finally {
      other.close();
    }
  });

  it('remembers each processed source once', () => {
    expect(store.markProcessed('bed-1:1', T0)).toBe(true);
    expect(store.markProcessed('bed-1:1', T0 + 1)).toBe(false);
    expect(store.lastProcessedAt()).toBe(T0);
  });

  it('refuses a second active alert for the same patient and type in SQL', () => {
    store.alerts.saveAlert(alert({}));
    expect(() => store.alerts.saveAlert(alert({ alertId: 'news2:p-1:bed-1:2', raisedBy: 'bed-1:2' }))).toThrow(/UNIQUE constraint failed/);
    store.alerts.saveAlert(alert({ alertId: 'other:p-1:bed-1:2', type: 'other' })); // another type is fine
    store.alerts.saveAlert(alert({ alertId: 'news2:p-2:bed-2:1', patientId: 'p-2' })); // another patient is fine
    store.alerts.saveAlert(alert({ state: 'cleared', clearedBy: 'bed-1:3', clearedAt: T0 + 3 }));
    store.alerts.saveAlert(alert({ alertId: 'news2:p-1:bed-1:4', raisedBy: 'bed-1:4', raisedAt: T0 + 4 })); // once cleared, a new one may start
    expect(store.alerts.listAlerts({ state: 'all', patientId: 'p-1', limit: 10 }).map((a) => [a.alertId, a.state])).toEqual([
      ['news2:p-1:bed-1:4', 'active'],
      ['other:p-1:bed-1:2', 'active'],
      ['news2:p-1:bed-1:1', 'cleared'],
    ]);
    expect(store.alerts.listAlerts({ state: 'active', limit: 1 })).toHaveLength(1);
    expect(store.alerts.countActiveAlerts()).toBe(3);
  });

  it('never makes a cleared alert active again, and keeps an acknowledgement whatever is saved after it', () => {
    store.alerts.saveAlert(alert({}));
    expect(store.alerts.acknowledge('news2:p-1:bed-1:1', 'nurse-1', T0 + 1)).toBe(true);
    expect(store.alerts.acknowledge('news2:p-1:bed-1:1', 'nurse-2', T0 + 2)).toBe(false); // the first one stands
    store.alerts.saveAlert(alert({ state: 'cleared', clearedBy: 'bed-1:3', clearedAt: T0 + 3, nextEscalationAt: T0 + 9 }));
    store.alerts.saveAlert(alert({ priority: 'high', summary: 'stale write' })); // computed from an older read
    expect(store.alerts.alert('news2:p-1:bed-1:1')).toMatchObject({
      state: 'cleared',
      summary: 'NEWS2 5',
      acknowledgedBy: 'nurse-1',
      acknowledgedAt: T0 + 1,
      nextEscalationAt: null,
    });
  });

  it('keeps every change of an alert in order', () => {
    store.alerts.saveAlert(alert({}));
    store.alerts.appendHistory('news2:p-1:bed-1:1', 'raised', 'bed-1:1', T0);
    store.alerts.acknowledge('news2:p-1:bed-1:1', 'nurse-1', T0 + 1);
    store.alerts.appendHistory('news2:p-1:bed-1:1', 'acknowledged', 'nurse-1', T0 + 1);
    expect(store.alerts.history('news2:p-1:bed-1:1').map((h) => [h.seq, h.change, h.status, h.by])).toEqual([
      [1, 'raised', 'active-unacknowledged', 'bed-1:1'],
      [2, 'acknowledged', 'active-acknowledged', 'nurse-1'],
    ]);
  });

  it('opens a file made with the first schema, adding the new columns with their defaults', () => {
    store.close();
    const file = join(dir, 'old', 'alerts.sqlite');
    mkdirSync(join(dir, 'old'));
    const old = new Database(file);
    old.exec(`CREATE TABLE alerts (id TEXT PRIMARY KEY, patient_id TEXT NOT NULL, type TEXT NOT NULL, priority TEXT NOT NULL,
      state TEXT NOT NULL, summary TEXT NOT NULL, score INTEGER, evidence TEXT NOT NULL DEFAULT '[]', raised_by TEXT NOT NULL,
      updated_by TEXT NOT NULL, cleared_by TEXT, raised_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, cleared_at INTEGER)`);
    old.prepare(`INSERT INTO alerts VALUES ('a', 'p-1', 'news2', 'high', 'active', 'NEWS2 7', 7, '[]', 'bed-1:1', 'bed-1:1', NULL, ${T0}, ${T0}, NULL)`).run();
    old.close();
    store = PatientStateStore.open(join(dir, 'old'));
    expect(store.alerts.alert('a')).toMatchObject({ kind: 'physiological', deviceIds: [], acknowledgedBy: null, escalationLevel: 0, nextEscalationAt: null });
  });

  it('keeps rule memory in step with SQLite when a transaction rolls back', () => {
    store.rules.setState('p-1', 'threshold:spo2-low', { lastAt: 1 });
    expect(() =>
      store.transaction(() => {
        store.rules.setState('p-1', 'threshold:spo2-low', { lastAt: 2 }, { lastAt: 1 });
        throw new Error('batch failed');
      }),
    ).toThrow('batch failed');
    expect(store.rules.state('p-1', 'threshold:spo2-low')).toEqual({ lastAt: 1 });
  });

  it('refuses a cleared alert without who cleared it and when', () => {
    expect(() => store.alerts.saveAlert(alert({ state: 'cleared' }))).toThrow(/CHECK constraint failed/);
  });

  it('keeps pending events in order until deleted, across a reopen', () => {
    const event = { alertId: 'a', patientId: 'p-1', type: 'news2', priority: 'high', state: 'active', summary: 's', readingId: 'bed-1:1', raisedAt: T0, updatedAt: T0 } as const;
    store.enqueueEvent('p-1', event);
    store.enqueueEvent('p-1', { ...event, state: 'cleared' });
    store.close();
    store = PatientStateStore.open(dir);
    const pending = store.pendingEvents(10);
    expect(pending.map((p) => p.event.state)).toEqual(['active', 'cleared']);
    store.deleteEvent(pending[0]!.id);
    expect(store.countPendingEvents()).toBe(1);
  });
});
