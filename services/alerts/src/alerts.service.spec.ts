import { busTopics } from '@pulseproof/contracts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertsHarness, HIGH, MEDIUM, MINUTE, NORMAL, T0, reading } from './testing/alerts-harness';

describe('AlertsService: NEWS2 on the readings bus', () => {
  let dir: string;
  let harness: AlertsHarness;
  const news2Alerts = (state: 'active' | 'cleared' | 'all' = 'all') => harness.service.listAlerts({ state, limit: 100 }).filter((a) => a.type === 'news2');
  const news2Events = () => harness.events.filter((e) => e.type === 'news2');

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pulseproof-alerts-'));
    harness = await AlertsHarness.start(dir);
  });
  afterEach(async () => {
    await harness.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('raises one alert for a deteriorating patient, raises its priority, and ignores the same readings published again', async () => {
    const readings = [
      reading('p-1', 'bed-1', 1, T0, NORMAL),
      reading('p-1', 'bed-1', 2, T0 + MINUTE, MEDIUM),
      reading('p-1', 'bed-1', 3, T0 + 2 * MINUTE, HIGH),
    ];
    await harness.publish(...readings);
    await harness.publish(...readings);

    const alerts = news2Alerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      patientId: 'p-1',
      type: 'news2',
      kind: 'physiological',
      state: 'active',
      status: 'active-unacknowledged',
      priority: 'high',
      score: 7,
      raisedBy: 'bed-1:2',
      updatedBy: 'bed-1:3',
      escalationLevel: 0,
    });
    expect(alerts[0]!.summary).toBe('NEWS2 7 (RR 3, SpO2 2, HR 2)');
    expect(news2Events().map((e) => [e.change, e.state, e.status, e.priority, e.score, e.readingId])).toEqual([
      ['raised', 'active', 'active-unacknowledged', 'medium', 5, 'bed-1:2'],
      ['updated', 'active', 'active-unacknowledged', 'high', 7, 'bed-1:3'],
    ]);
    expect(new Set(news2Events().map((e) => e.alertId)).size).toBe(1);
  });

  it('raises on a single parameter scoring 3, even with an aggregate below 5', async () => {
    await harness.publish(reading('p-1', 'bed-1', 1, T0, { ...NORMAL, systolic_bp: 88 }));
    expect(news2Alerts('active')).toMatchObject([{ priority: 'medium', score: 3, summary: 'NEWS2 3 (SBP 3)' }]);
  });

  it('does not alert on a score of 4 without a single 3', async () => {
    await harness.publish(reading('p-1', 'bed-1', 1, T0, { ...NORMAL, respiratory_rate: 22, heart_rate: 115 }));
    expect(news2Alerts()).toEqual([]);
    expect(harness.service.news2Of('p-1')).toMatchObject({ total: 4, responseBand: 'low', complete: true });
  });

  it('raises on a partial score that already reaches the trigger, and says what was not measured', async () => {
    await harness.publish(reading('p-1', 'wrist-1', 1, T0, { heart_rate: 135, respiratory_rate: 23 }));
    const [alert] = news2Alerts('active');
    expect(alert).toMatchObject({ priority: 'medium', score: 5 });
    expect(alert!.summary).toBe('NEWS2 5 (RR 2, HR 3); not measured: SpO2, O2, SBP, ACVPU, Temp');
  });

  it('clears a recovering patient only after the score stayed below the trigger for the hold, then raises a new alert on relapse', async () => {
    await harness.publish(reading('p-2', 'bed-2', 10, T0, HIGH), reading('p-2', 'bed-2', 11, T0 + MINUTE, NORMAL));
    expect(news2Alerts('active')).toHaveLength(1); // 1 min below: held (default clearHoldMs 5 min)

    await harness.publish(reading('p-2', 'bed-2', 12, T0 + 6 * MINUTE, NORMAL));
    expect(news2Alerts('active')).toEqual([]);
    const [cleared] = news2Alerts('cleared');
    expect(cleared).toMatchObject({ state: 'cleared', status: 'cleared-unacknowledged', raisedBy: 'bed-2:10', clearedBy: 'bed-2:12', score: 0 });
    expect(news2Events().map((e) => [e.change, e.readingId])).toEqual([
      ['raised', 'bed-2:10'],
      ['cleared', 'bed-2:12'],
    ]);

    await harness.publish(reading('p-2', 'bed-2', 13, T0 + 7 * MINUTE, MEDIUM));
    expect(news2Alerts().map((a) => [a.state, a.raisedBy])).toEqual([
      ['active', 'bed-2:13'],
      ['cleared', 'bed-2:10'],
    ]);
  });

  it('keeps the newer vitals when an older reading arrives late', async () => {
    await harness.publish(reading('p-3', 'bed-3', 20, T0 + 10 * MINUTE, { ...NORMAL, heart_rate: 72 }));
    await harness.publish(reading('p-3', 'bed-3', 19, T0 + 9 * MINUTE, { ...HIGH, heart_rate: 140 }));

    const [patient] = harness.service.listPatients();
    expect(patient!.vitals.heart_rate).toMatchObject({ value: 72, unit: '/min', at: T0 + 10 * MINUTE, sourceId: 'bed-3:20' });
    expect(patient!.news2).toMatchObject({ total: 0, complete: true, responseBand: 'none' });
    expect(news2Alerts()).toEqual([]);
  });

  it('scores only vitals within the window of the newest, never calls the rest normal, and does not clear on stale evidence', async () => {
    await harness.publish(reading('p-4', 'bed-4', 1, T0, HIGH));
    // Two hours later only the pulse oximeter reports, normal values: RR, SBP, ACVPU... are stale.
    await harness.publish(reading('p-4', 'ox-4', 1, T0 + 120 * MINUTE, { spo2: 98, heart_rate: 70 }));
    await harness.publish(reading('p-4', 'ox-4', 2, T0 + 130 * MINUTE, { spo2: 98, heart_rate: 70 }));

    const [patient] = harness.service.listPatients();
    expect(patient!.news2).toMatchObject({ total: 0, complete: false, responseBand: 'incomplete' });
    expect(patient!.news2.missing).toEqual(['respiratory_rate', 'supplemental_oxygen', 'systolic_bp', 'consciousness', 'temperature']);
    expect(patient!.vitals.respiratory_rate).toMatchObject({ value: 26, current: false });
    expect(news2Alerts('active')).toHaveLength(1);

    // Once everything is measured again and normal for the hold, the alert clears.
    await harness.publish(reading('p-4', 'bed-4', 2, T0 + 131 * MINUTE, NORMAL), reading('p-4', 'bed-4', 3, T0 + 137 * MINUTE, NORMAL));
    expect(news2Alerts('active')).toEqual([]);
  });

  it('keeps state across a restart on the same files and raises nothing again', async () => {
    const readings = [reading('p-5', 'bed-5', 1, T0, NORMAL), reading('p-5', 'bed-5', 2, T0 + MINUTE, HIGH)];
    await harness.publish(...readings);
    const before = harness.service.listAlerts({ state: 'all', limit: 10 });
    expect(before.filter((a) => a.type === 'news2')).toHaveLength(1);
    await harness.stop();

    harness = await AlertsHarness.start(dir);
    await harness.publish(...readings);
    expect(harness.service.listAlerts({ state: 'all', limit: 10 })).toEqual(before);
    expect(harness.events).toEqual([]);
    expect(harness.service.listPatients()[0]!.news2).toMatchObject({ total: 7, responseBand: 'high' });

    // and it carries on from where it was, hysteresis included: the clear hold runs across the restart
    await harness.publish(reading('p-5', 'bed-5', 3, T0 + 2 * MINUTE, NORMAL));
    await harness.stop();
    harness = await AlertsHarness.start(dir);
    await harness.publish(reading('p-5', 'bed-5', 4, T0 + 8 * MINUTE, NORMAL));
    expect(news2Events().map((e) => [e.alertId, e.change])).toEqual([[before.find((a) => a.type === 'news2')!.alertId, 'cleared']]);
  });

  it('lists patients with the highest NEWS2 first', async () => {
    await harness.publish(
      reading('a-low', 'bed-a', 1, T0, { ...NORMAL, heart_rate: 95 }),
      reading('b-high', 'bed-b', 1, T0, HIGH),
      reading('c-none', 'bed-c', 1, T0, NORMAL),
      reading('d-red', 'bed-d', 1, T0, { ...NORMAL, systolic_bp: 85 }),
      reading('e-medium', 'bed-e', 1, T0, MEDIUM),
      reading('f-partial', 'wrist-f', 1, T0, { heart_rate: 70 }),
    );
    expect(harness.service.listPatients().map((p) => [p.patientId, p.news2.total, p.news2.responseBand])).toEqual([
      ['b-high', 7, 'high'],
      ['e-medium', 5, 'medium'],
      ['d-red', 3, 'low-medium'],
      ['a-low', 1, 'low'],
      ['f-partial', 0, 'incomplete'],
      ['c-none', 0, 'none'],
    ]);
  });

  it('skips a malformed bus message without blocking the readings after it', async () => {
    await harness.bus.publish(busTopics.readings, 'x', { hello: 'world' });
    await harness.publish(reading('p-8', 'bed-8', 1, T0, HIGH));
    expect(news2Alerts('active')).toHaveLength(1);
  });

  it('reports health without patient data', async () => {
    await harness.publish(reading('p-9', 'bed-9', 1, T0, HIGH), reading('p-10', 'bed-10', 1, T0, NORMAL));
    const health = harness.service.health();
    expect(harness.service.component).toBe('alerts');
    expect(health.status).toBe('up');
    expect(health.detail).toMatchObject({ patients: 2, activeAlerts: 1, pendingEvents: 0, lag: 0 });
    expect(typeof health.detail!.lastReadingProcessedAt).toBe('number');
    expect(JSON.stringify(health)).not.toMatch(/p-9|p-10/);
  });
});
