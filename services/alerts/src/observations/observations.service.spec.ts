import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertsHarness, MINUTE, NORMAL, T0, reading } from '../testing/alerts-harness';
import { ObservationsService } from './observations.service';

/** What monitors measure: every Chart 1 row but consciousness and air/oxygen. */
const { consciousness: _c, supplemental_oxygen: _o, ...MONITORED } = NORMAL;

describe('Staff observations (POST /api/patients/:id/observations)', () => {
  let dir: string;
  let harness: AlertsHarness;
  let observations: ObservationsService;
  const news2 = () => harness.service.listAlerts({ state: 'all', limit: 10 }).filter((a) => a.type === 'news2');

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pulseproof-observations-'));
    harness = await AlertsHarness.start(dir, { escalation: { steps: [] } });
    observations = harness.get(ObservationsService);
  });
  afterEach(async () => {
    await harness.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('completes the score with the rows sensors cannot give', async () => {
    await harness.publish(reading('p-1', 'bed-1', 1, T0, MONITORED));
    expect(harness.service.news2Of('p-1')).toMatchObject({ complete: false, missing: ['supplemental_oxygen', 'consciousness'], responseBand: 'incomplete' });
    const { news2: score, observation } = await observations.record('p-1', { consciousness: 'A', supplementalOxygen: false, observedBy: 'nurse-1', at: T0 + MINUTE });
    expect(observation).toMatchObject({ patientId: 'p-1', observedAt: T0 + MINUTE, observedBy: 'nurse-1', consciousness: 'A', supplementalOxygen: false });
    expect(score).toMatchObject({ total: 0, complete: true, responseBand: 'none' });
  });

  it.each([
    ['C (new confusion)', 'C', 3],
    ['V', 'V', 3],
    ['P', 'P', 3],
    ['U', 'U', 3],
    ['A', 'A', 0],
  ])('scores consciousness %s as Chart 1 does', async (_name, consciousness, points) => {
    await harness.publish(reading('p-1', 'bed-1', 1, T0, MONITORED));
    const { news2: score } = await observations.record('p-1', { consciousness, observedBy: 'nurse-1', at: T0 });
    expect(score.parameters.find((p) => p.parameter === 'consciousness')?.score).toBe(points);
  });

  it('raises the NEWS2 alert on an observation, once however often it is sent', async () => {
    await harness.publish(reading('p-1', 'bed-1', 1, T0, MONITORED));
    const body = { consciousness: 'C', supplementalOxygen: true, observedBy: 'nurse-1', at: T0 + MINUTE };
    await observations.record('p-1', body);
    await observations.record('p-1', body);
    await harness.settled();
    expect(news2()).toMatchObject([{ state: 'active', score: 5, summary: 'NEWS2 5 (O2 2, ACVPU 3)', raisedBy: 'observation:1' }]);
    expect(harness.events.filter((e) => e.type === 'news2')).toHaveLength(1);
    expect(observations.history('p-1')).toHaveLength(1);
  });

  it('holds until changed: a staff value never goes stale, and history keeps every entry', async () => {
    await observations.record('p-1', { supplementalOxygen: true, consciousness: 'A', observedBy: 'nurse-1', at: T0 });
    // Three hours of monitor readings later (beyond the 1 h window), the observation still counts.
    await harness.publish(reading('p-1', 'bed-1', 1, T0 + 180 * MINUTE, MONITORED));
    expect(harness.service.news2Of('p-1')).toMatchObject({ total: 2, complete: true });
    harness.clock.advance(181 * MINUTE);
    await observations.record('p-1', { supplementalOxygen: false, observedBy: 'nurse-2', at: T0 + 181 * MINUTE });
    expect(harness.service.news2Of('p-1')).toMatchObject({ total: 0, complete: true });
    expect(observations.history('p-1').map((o) => [o.observedBy, o.supplementalOxygen, o.consciousness])).toEqual([
      ['nurse-2', false, undefined],
      ['nurse-1', true, 'A'],
    ]);
  });

  it('rescores on SpO2 scale 2 when a clinician chooses it, with air or oxygen deciding above 92', async () => {
    await harness.publish(reading('p-7', 'bed-7', 1, T0, { ...MONITORED, spo2: 89 }));
    await observations.record('p-7', { consciousness: 'A', supplementalOxygen: false, observedBy: 'nurse-1', at: T0 });
    expect(news2()).toMatchObject([{ state: 'active' }]); // scale 1: SpO2 89 → 3
    const { news2: onScale2 } = await observations.record('p-7', { spo2Scale: 2, observedBy: 'dr-1', at: T0 + MINUTE });
    expect(onScale2.total).toBe(0); // scale 2: 88–92 → 0
    expect(harness.service.listPatients()[0]).toMatchObject({ spo2Scale: 2 });
    // 97 % on oxygen scores 3 on scale 2 (plus 2 for the oxygen): over-oxygenation in hypercapnic failure
    await harness.publish(reading('p-7', 'bed-7', 2, T0 + 2 * MINUTE, { ...MONITORED, spo2: 97 }));
    const { news2: onOxygen } = await observations.record('p-7', { supplementalOxygen: true, observedBy: 'nurse-1', at: T0 + 2 * MINUTE });
    expect(onOxygen.parameters.find((p) => p.parameter === 'spo2')?.score).toBe(3);
    expect(onOxygen.total).toBe(5);
  });

  it.each([
    [{ consciousness: 'A' }, /observedBy must be/],
    [{ consciousness: 'X', observedBy: 'nurse-1' }, /consciousness must be one of A, C, V, P, U/],
    [{ consciousness: 0, observedBy: 'nurse-1' }, /consciousness must be one of/],
    [{ supplementalOxygen: 'yes', observedBy: 'nurse-1' }, /supplementalOxygen must be true or false/],
    [{ spo2Scale: 3, observedBy: 'nurse-1' }, /spo2Scale must be 1 or 2/],
    [{ observedBy: 'nurse-1' }, /at least one of/],
    [{ consciousness: 'A', observedBy: 'nurse-1', at: T0 + 24 * 60 * MINUTE }, /not in the future/],
    [{ consciousness: 'A', observedBy: 'nurse-1', mood: 'ok' }, /unknown field "mood"/],
  ])('refuses %j', async (body, message) => {
    await expect(observations.record('p-1', body)).rejects.toThrow(message);
    await expect(observations.record('p-1', body)).rejects.toThrow(/ALERTS_E_OBSERVATION/);
  });
});
