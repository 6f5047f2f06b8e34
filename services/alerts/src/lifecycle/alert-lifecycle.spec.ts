import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../clock';
import { AlertsError } from '../errors';
import { AlertsHarness, HIGH, MEDIUM, MINUTE, NORMAL, SECOND, T0, reading } from '../testing/alerts-harness';

describe('Alert lifecycle: acknowledge, clear, history', () => {
  let dir: string;
  let harness: AlertsHarness;
  const news2 = () => harness.service.listAlerts({ state: 'all', limit: 100 }).filter((a) => a.type === 'news2');

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pulseproof-lifecycle-'));
    harness = await AlertsHarness.start(dir, { escalation: { steps: [] } });
  });
  afterEach(async () => {
    await harness.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('acknowledges once: who and when are kept, a second acknowledgement changes nothing', async () => {
    await harness.publish(reading('p-1', 'bed-1', 1, T0, HIGH));
    const [alert] = news2();
    harness.clock.advance(30 * SECOND);
    const acked = await harness.service.acknowledge(alert!.alertId, 'nurse-1');
    harness.clock.advance(30 * SECOND);
    await harness.service.acknowledge(alert!.alertId, 'nurse-2');
    await harness.settled();

    expect(acked.alert).toMatchObject({ state: 'active', status: 'active-acknowledged', acknowledgedBy: 'nurse-1', acknowledgedAt: T0 + 30 * SECOND });
    expect(harness.service.alert(alert!.alertId).alert).toMatchObject({ acknowledgedBy: 'nurse-1' });
    expect(harness.changes().filter(([type]) => type === 'news2')).toEqual([
      ['news2', 'raised', 'active-unacknowledged'],
      ['news2', 'acknowledged', 'active-acknowledged'],
    ]);
    const event = harness.events.find((e) => e.change === 'acknowledged')!;
    expect(event).toMatchObject({ acknowledgedBy: 'nurse-1', acknowledgedAt: T0 + 30 * SECOND, kind: 'physiological', escalationLevel: 0, score: 7, type: 'news2' });
  });

  it('refuses an acknowledgement without a valid `by`, and one for an unknown alert', async () => {
    await harness.publish(reading('p-1', 'bed-1', 1, T0, HIGH));
    const [alert] = news2();
    await expect(harness.service.acknowledge(alert!.alertId, undefined)).rejects.toThrow(/ALERTS_E_ACKNOWLEDGE/);
    await expect(harness.service.acknowledge(alert!.alertId, '../root')).rejects.toThrow(/ALERTS_E_ACKNOWLEDGE/);
    await expect(harness.service.acknowledge('news2:nobody:x:1', 'nurse-1')).rejects.toThrow(AlertsError);
    await expect(harness.service.acknowledge('news2:nobody:x:1', 'nurse-1')).rejects.toThrow(/ALERTS_E_NOT_FOUND/);
    expect(news2()[0]).toMatchObject({ status: 'active-unacknowledged' });
  });

  it('keeps a full history of an alert, from raise to cleared-acknowledged', async () => {
    await harness.publish(reading('p-1', 'bed-1', 1, T0, MEDIUM), reading('p-1', 'bed-1', 2, T0 + MINUTE, HIGH));
    const [alert] = news2();
    await harness.service.acknowledge(alert!.alertId, 'nurse-1');
    await harness.publish(reading('p-1', 'bed-1', 3, T0 + 2 * MINUTE, NORMAL), reading('p-1', 'bed-1', 4, T0 + 8 * MINUTE, NORMAL));

    const { alert: final, history } = harness.service.alert(alert!.alertId);
    expect(final).toMatchObject({ status: 'cleared-acknowledged', clearedBy: 'bed-1:4' });
    expect(history.map((h) => [h.seq, h.change, h.status, h.priority, h.score, h.by])).toEqual([
      [1, 'raised', 'active-unacknowledged', 'medium', 5, 'bed-1:1'],
      [2, 'updated', 'active-unacknowledged', 'high', 7, 'bed-1:2'],
      [3, 'acknowledged', 'active-acknowledged', 'high', 7, 'nurse-1'],
      [4, 'cleared', 'cleared-acknowledged', 'high', 0, 'bed-1:4'],
    ]);
  });

  it('leaves a cleared, unacknowledged alert for someone to acknowledge (latching)', async () => {
    await harness.publish(reading('p-1', 'bed-1', 1, T0, HIGH), reading('p-1', 'bed-1', 2, T0 + 6 * MINUTE, NORMAL));
    // the 5 min hold starts at the first score below the trigger
    await harness.publish(reading('p-1', 'bed-1', 3, T0 + 12 * MINUTE, NORMAL));
    expect(harness.service.listAlerts({ state: 'cleared-unacknowledged', limit: 10 })).toHaveLength(1);
    const [alert] = news2();
    const { alert: acked } = await harness.service.acknowledge(alert!.alertId, 'nurse-1');
    expect(acked.status).toBe('cleared-acknowledged');
    expect(harness.service.listAlerts({ state: 'cleared-unacknowledged', limit: 10 })).toEqual([]);
  });

  describe('an acknowledgement racing the automatic clear', () => {
    async function raisedThenRecovering(): Promise<string> {
      await harness.publish(reading('p-1', 'bed-1', 1, T0, HIGH), reading('p-1', 'bed-1', 2, T0 + MINUTE, NORMAL));
      return news2()[0]!.alertId;
    }
    const clearing = () => harness.publish(reading('p-1', 'bed-1', 3, T0 + 7 * MINUTE, NORMAL));

    it('does not resurrect the alert when the clear lands first', async () => {
      const alertId = await raisedThenRecovering();
      expect(harness.service.alert(alertId).alert.state).toBe('active'); // what the nurse saw
      await clearing();
      await harness.service.acknowledge(alertId, 'nurse-1');
      expect(news2()).toMatchObject([{ alertId, state: 'cleared', status: 'cleared-acknowledged', acknowledgedBy: 'nurse-1' }]);
      expect(harness.service.listAlerts({ state: 'active', limit: 10 }).filter((a) => a.type === 'news2')).toEqual([]);
    });

    it('clears an acknowledged alert when the acknowledgement lands first', async () => {
      const alertId = await raisedThenRecovering();
      await harness.service.acknowledge(alertId, 'nurse-1');
      await clearing();
      expect(news2()).toMatchObject([{ alertId, status: 'cleared-acknowledged', acknowledgedBy: 'nurse-1' }]);
    });

    it('ends cleared-acknowledged when both run at once, and a relapse raises a new alert', async () => {
      const alertId = await raisedThenRecovering();
      await Promise.all([clearing(), harness.service.acknowledge(alertId, 'nurse-1')]);
      await harness.settled();
      expect(news2()).toMatchObject([{ alertId, status: 'cleared-acknowledged' }]);
      const last = harness.events.filter((e) => e.alertId === alertId).at(-1)!;
      expect(last.state).toBe('cleared');

      await harness.publish(reading('p-1', 'bed-1', 4, T0 + 8 * MINUTE, HIGH));
      const alerts = news2();
      expect(alerts.map((a) => [a.status, a.alertId === alertId])).toEqual([
        ['active-unacknowledged', false],
        ['cleared-acknowledged', true],
      ]);
    });
  });

  it('does not flap on an oscillating NEWS2: one raise, one clear', async () => {
    // 5, 4, 5, 4 ... every 30 s for 10 min, then 4 for 6 min
    const FOUR = { ...NORMAL, respiratory_rate: 22, heart_rate: 115 };
    const series = Array.from({ length: 20 }, (_, i) => reading('p-1', 'bed-1', i + 1, T0 + i * 30 * SECOND, i % 2 === 0 ? MEDIUM : FOUR));
    await harness.publish(...series);
    expect(news2()).toMatchObject([{ state: 'active' }]);
    const steady = Array.from({ length: 13 }, (_, i) => reading('p-1', 'bed-1', 21 + i, T0 + 10 * MINUTE + i * 30 * SECOND, FOUR));
    await harness.publish(...steady);
    expect(harness.changes().filter(([type]) => type === 'news2').map(([, change]) => change)).toEqual(['raised', 'cleared']);
    expect(news2()).toHaveLength(1);
  });
});

describe('Escalation', () => {
  let dir: string;
  let harness: AlertsHarness;
  const steps = [{ afterMs: 2 * MINUTE }, { afterMs: 5 * MINUTE }, { afterMs: 10 * MINUTE, raisePriority: false }];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pulseproof-escalation-'));
    harness = await AlertsHarness.start(dir, { escalation: { steps } });
  });
  afterEach(async () => {
    await harness.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const escalations = () => harness.events.filter((e) => e.change === 'escalated').map((e) => [e.escalationLevel, e.priority, e.status]);

  it('re-notifies at each step an alert is left unacknowledged, raising level and priority', async () => {
    await harness.publish(reading('p-1', 'bed-1', 1, T0, MEDIUM));
    await harness.advance(2 * MINUTE - 1);
    expect(escalations()).toEqual([]);
    await harness.advance(1);
    expect(escalations()).toEqual([[1, 'high', 'active-unacknowledged']]);
    await harness.advance(10 * MINUTE);
    expect(escalations()).toEqual([
      [1, 'high', 'active-unacknowledged'],
      [2, 'high', 'active-unacknowledged'],
      [3, 'high', 'active-unacknowledged'],
    ]);
    const [alert] = harness.service.listAlerts({ state: 'active', limit: 10 });
    expect(alert).toMatchObject({ escalationLevel: 3, nextEscalationAt: null });
    expect(harness.service.alert(alert!.alertId).history.map((h) => [h.change, h.escalationLevel, h.by])).toEqual([
      ['raised', 0, 'bed-1:1'],
      ['escalated', 1, 'escalation:1'],
      ['escalated', 2, 'escalation:2'],
      ['escalated', 3, 'escalation:3'],
    ]);
  });

  it('stops escalating once acknowledged, and does not escalate a cleared alert', async () => {
    await harness.publish(reading('p-1', 'bed-1', 1, T0, MEDIUM), reading('p-2', 'bed-2', 1, T0, HIGH));
    const [p1] = harness.service.listAlerts({ state: 'active', patientId: 'p-1', limit: 1 });
    await harness.service.acknowledge(p1!.alertId, 'nurse-1');
    await harness.publish(reading('p-2', 'bed-2', 2, T0 + 10 * SECOND, NORMAL), reading('p-2', 'bed-2', 3, T0 + 6 * MINUTE, NORMAL));
    await harness.advance(30 * MINUTE);
    expect(escalations()).toEqual([]);
    expect(harness.clock.pendingTimers()).toBe(0);
  });

  it('does not escalate alerts raised below the minimum priority (a low battery)', async () => {
    await harness.publish(reading('p-1', 'wrist-1', 1, T0, { battery: 10 }));
    expect(harness.service.listAlerts({ state: 'active', limit: 10 })).toMatchObject([{ type: 'low-battery', priority: 'low', nextEscalationAt: null }]);
    await harness.advance(30 * MINUTE);
    expect(escalations()).toEqual([]);
  });

  it('keeps its timers across a restart: steps that fell due while down run on start', async () => {
    await harness.publish(reading('p-1', 'bed-1', 1, T0, MEDIUM));
    await harness.advance(MINUTE);
    await harness.stop();

    harness = await AlertsHarness.start(dir, { escalation: { steps } }, new ManualClock(T0 + 6 * MINUTE));
    await harness.advance(0);
    expect(escalations()).toEqual([
      [1, 'high', 'active-unacknowledged'],
      [2, 'high', 'active-unacknowledged'],
    ]);
    await harness.advance(4 * MINUTE);
    expect(escalations()).toHaveLength(3);
  });
});
