import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertsHarness, MINUTE, SECOND, T0, reading } from '../testing/alerts-harness';
import { DEFAULT_PATIENT_RULES } from './patient-rules';
import { parsePatientRules } from './patient-rules.parse';
import { PatientRulesService } from './patient-rules.service';

describe('parsePatientRules (PUT /api/patients/:id/rules body.rules)', () => {
  it('gives the defaults for an empty object, and keeps what is given', () => {
    expect(parsePatientRules({})).toEqual(DEFAULT_PATIENT_RULES);
    const rules = parsePatientRules({ thresholds: [{ id: 'spo2-low', code: 'spo2', below: 88, clearAt: 90 }], rates: [] });
    expect(rules.thresholds).toEqual([{ id: 'spo2-low', code: 'spo2', below: 88, clearAt: 90, holdOffMs: 10_000, clearHoldMs: 30_000, maxGapMs: 60_000, priority: 'high' }]);
    expect(rules.rates).toEqual([]);
    expect(rules.technical).toEqual(DEFAULT_PATIENT_RULES.technical);
  });

  it.each([
    [null, /rules must be an object/],
    [{ thresholds: {} }, /thresholds must be an array/],
    [{ extra: 1 }, /unknown field "extra"/],
    [{ thresholds: [{ id: 'x', code: 'spo2' }] }, /thresholds\[0\] needs exactly one of below, above/],
    [{ thresholds: [{ id: 'x', code: 'spo2', below: 90, above: 100 }] }, /exactly one of below, above/],
    [{ thresholds: [{ id: 'x', code: 'mood', below: 1 }] }, /thresholds\[0\]\.code must be a measurement code/],
    [{ thresholds: [{ id: 'X Y', code: 'spo2', below: 90 }] }, /thresholds\[0\]\.id must be/],
    [{ thresholds: [{ id: 'news2', code: 'spo2', below: 90 }] }, /built-in alert/],
    [{ thresholds: [{ id: 'low-battery', code: 'battery', below: 10 }] }, /built-in alert/],
    [{ thresholds: [{ id: 'x', code: 'spo2', below: 90, clearAt: 88 }] }, /clearAt must be at least below/],
    [{ thresholds: [{ id: 'x', code: 'spo2', below: 90, holdOfMs: 5 }] }, /unknown field "holdOfMs"/],
    [{ thresholds: [{ id: 'x', code: 'spo2', below: 90, holdOffMs: -1 }] }, /holdOffMs must be a whole number of ms/],
    [{ thresholds: [{ id: 'x', code: 'spo2', below: '90' }] }, /below must be a number/],
    [{ thresholds: [{ id: 'x', code: 'spo2', below: 90, priority: 'urgent' }] }, /priority must be one of low, medium, high/],
    [{ thresholds: [{ id: 'x', code: 'spo2', below: 90 }], rates: [{ id: 'x', code: 'heart_rate', change: 30 }] }, /rule id "x" is used twice/],
    [{ rates: [{ id: 'r', code: 'heart_rate', change: 0 }] }, /change must be more than 0/],
    [{ rates: [{ id: 'r', code: 'heart_rate', change: 30, clearChange: 40 }] }, /clearChange must be from 0 to change/],
    [{ rates: [{ id: 'r', code: 'heart_rate', change: 30, direction: 'up' }] }, /direction must be rise or fall/],
    [{ news2: { enabled: 'yes' } }, /news2\.enabled must be true or false/],
    [{ technical: { lowBattery: { below: 30, clearAt: 20 } } }, /below <= clearAt/],
    [{ technical: { noData: { priority: 'urgent' } } }, /technical\.noData\.priority/],
  ])('refuses %j', (input, message) => {
    expect(() => parsePatientRules(input)).toThrow(message);
    expect(() => parsePatientRules(input)).toThrow(/ALERTS_E_RULES/);
  });
});

describe('Patient rules on the running service', () => {
  let dir: string;
  let harness: AlertsHarness;
  let rules: PatientRulesService;
  /** the rules' alerts (NEWS2 scores these readings too, on its own alert) */
  const ruleAlerts = (state: 'active' | 'all') => harness.service.listAlerts({ state, limit: 10 }).filter((a) => a.type !== 'news2');

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pulseproof-rules-'));
    harness = await AlertsHarness.start(dir, { escalation: { steps: [] } });
    rules = harness.get(PatientRulesService);
  });
  afterEach(async () => {
    await harness.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the defaults until changed, then the patient’s own, and keeps them across a restart', async () => {
    expect(rules.get('p-1')).toEqual({ patientId: 'p-1', rules: DEFAULT_PATIENT_RULES, custom: false });
    // A COPD patient: alarm below 85 instead of 90.
    const put = await rules.put('p-1', { by: 'dr-1', rules: { thresholds: [{ id: 'spo2-low', code: 'spo2', below: 85, clearAt: 88, holdOffMs: 10_000 }] } });
    expect(put).toMatchObject({ custom: true, updatedBy: 'dr-1', updatedAt: T0 });

    const ox = (seq: number, s: number, spo2: number) => reading('p-1', 'ox-1', seq, T0 + s * SECOND, { spo2 });
    await harness.publish(ox(1, 0, 87), ox(2, 10, 87), ox(3, 20, 87));
    expect(harness.service.listAlerts({ state: 'all', limit: 10 }).filter((a) => a.type === 'spo2-low')).toEqual([]);
    await harness.stop();
    harness = await AlertsHarness.start(dir, { escalation: { steps: [] } });
    await harness.publish(ox(4, 30, 84), ox(5, 40, 84));
    expect(ruleAlerts('active')).toMatchObject([{ type: 'spo2-low', priority: 'high', score: 84 }]);
  });

  it('raises SpO2 below 90 for 10 s and heart rate up 30 within 5 min with the defaults', async () => {
    await harness.publish(
      reading('p-2', 'ox-2', 1, T0, { spo2: 96, heart_rate: 72 }),
      reading('p-2', 'ox-2', 2, T0 + 2 * MINUTE, { spo2: 89, heart_rate: 104 }),
      reading('p-2', 'ox-2', 3, T0 + 2 * MINUTE + 10 * SECOND, { spo2: 88, heart_rate: 105 }),
    );
    expect(ruleAlerts('active').map((a) => [a.type, a.kind, a.priority, a.summary]).sort()).toEqual([
      ['hr-rise', 'physiological', 'medium', 'Heart rate up 32 /min within 120 s (72 to 104)'],
      ['spo2-low', 'physiological', 'high', 'SpO2 88 %, below 90 for 10 s'],
    ]);
  });

  it('clears the alerts of a rule that is removed', async () => {
    await harness.publish(reading('p-3', 'ox-3', 1, T0, { spo2: 80 }), reading('p-3', 'ox-3', 2, T0 + 10 * SECOND, { spo2: 80 }));
    expect(ruleAlerts('active')).toMatchObject([{ type: 'spo2-low' }]);
    await rules.put('p-3', { by: 'dr-1', rules: { thresholds: [] } });
    expect(ruleAlerts('all')).toMatchObject([{ type: 'spo2-low', state: 'cleared', summary: expect.stringMatching(/rule switched off$/) }]);
  });

  it('refuses a change without `by` or with unknown fields', async () => {
    await expect(rules.put('p-1', { rules: {} })).rejects.toThrow(/by must be/);
    await expect(rules.put('p-1', { by: 'dr-1', rules: {}, extra: true })).rejects.toThrow(/unknown field "extra"/);
    await expect(rules.put('p-1', { by: 'dr-1', rules: { thresholds: 'none' } })).rejects.toThrow(/thresholds must be an array/);
    expect(rules.get('p-1').custom).toBe(false);
  });
});
