import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertRecord, LatestVital, PatientStateStore } from './patient-state.store';

const T0 = 1_795_000_000_000;

function vital(overrides: Partial<LatestVital>): LatestVital {
  return { patientId: 'p-1', code: 'heart_rate', value: 70, deviceTime: T0, deviceId: 'bed-1', seq: 1, sourceId: 'bed-1:1', ...overrides };
}

function alert(overrides: Partial<AlertRecord>): AlertRecord {
  return {
    alertId: 'news2:p-1:bed-1:1',
    patientId: 'p-1',
    type: 'news2',
    priority: 'medium',
    state: 'active',
    summary: 'NEWS2 5',
    score: 5,
    evidence: ['heart_rate'],
    raisedBy: 'bed-1:1',
    updatedBy: 'bed-1:1',
    clearedBy: null,
    raisedAt: T0,
    updatedAt: T0,
    clearedAt: null,
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

  it('remembers each processed source once', () => {
    expect(store.markProcessed('bed-1:1', T0)).toBe(true);
    expect(store.markProcessed('bed-1:1', T0 + 1)).toBe(false);
    expect(store.lastProcessedAt()).toBe(T0);
  });

  it('refuses a second active alert for the same patient and type in SQL', () => {
    store.saveAlert(alert({}));
    expect(() => store.saveAlert(alert({ alertId: 'news2:p-1:bed-1:2', raisedBy: 'bed-1:2' }))).toThrow(/UNIQUE constraint failed/);
    store.saveAlert(alert({ alertId: 'other:p-1:bed-1:2', type: 'other' })); // another type is fine
    store.saveAlert(alert({ alertId: 'news2:p-2:bed-2:1', patientId: 'p-2' })); // another patient is fine
    store.saveAlert(alert({ state: 'cleared', clearedBy: 'bed-1:3', clearedAt: T0 + 3 }));
    store.saveAlert(alert({ alertId: 'news2:p-1:bed-1:4', raisedBy: 'bed-1:4', raisedAt: T0 + 4 })); // once cleared, a new one may start
    expect(store.listAlerts({ state: 'all', patientId: 'p-1', limit: 10 }).map((a) => [a.alertId, a.state])).toEqual([
      ['news2:p-1:bed-1:4', 'active'],
      ['other:p-1:bed-1:2', 'active'],
      ['news2:p-1:bed-1:1', 'cleared'],
    ]);
    expect(store.listAlerts({ state: 'active', limit: 1 })).toHaveLength(1);
    expect(store.countActiveAlerts()).toBe(3);
  });

  it('refuses a cleared alert without who cleared it and when', () => {
    expect(() => store.saveAlert(alert({ state: 'cleared' }))).toThrow(/CHECK constraint failed/);
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
