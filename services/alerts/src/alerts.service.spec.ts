import { Logger } from '@nestjs/common';
import { SqliteBus, Subscription } from '@pulseproof/bus';
import { AlertEvent, Measurements, Reading, busTopics } from '@pulseproof/contracts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALERTS_CONSUMER_GROUP, AlertsService } from './alerts.service';
import { resolveAlertsOptions } from './config';
import { PatientStateStore } from './patient-state.store';

const T0 = 1_795_000_000_000;
const MINUTE = 60_000;

// NEWS2 0 / 5 (RR 2, SpO2 1, HR 2: medium) / 7 (RR 3, SpO2 2, HR 2: high), all seven rows present.
const NORMAL: Measurements = { respiratory_rate: 16, spo2: 97, supplemental_oxygen: 0, systolic_bp: 120, heart_rate: 70, consciousness: 0, temperature: 37 };
const MEDIUM: Measurements = { ...NORMAL, respiratory_rate: 22, spo2: 94, heart_rate: 115 };
const HIGH: Measurements = { ...NORMAL, respiratory_rate: 26, spo2: 93, heart_rate: 115 };

function reading(patientId: string, deviceId: string, seq: number, deviceTime: number, measurements: Measurements): Reading {
  return { deviceId, seq, patientId, deviceTime, receivedAt: deviceTime + 50, measurements, salt: `0x${'ab'.repeat(32)}` };
}

/** One process's worth of the alerts service on files in `dir`. */
class Harness {
  readonly bus: SqliteBus;
  readonly service: AlertsService;
  readonly events: { key: string; event: AlertEvent }[] = [];
  private readonly listener: Subscription;

  constructor(readonly dir: string, vitalsMaxAgeMs?: number) {
    this.bus = new SqliteBus({ file: join(dir, 'bus.sqlite'), retryDelayMs: 20 });
    const options = resolveAlertsOptions({ dataDir: dir, ...(vitalsMaxAgeMs ? { vitalsMaxAgeMs } : {}) });
    this.service = new AlertsService(this.bus, PatientStateStore.open(options.dataDir), options);
    this.listener = this.bus.subscribe<AlertEvent>(busTopics.alerts, 'spec', async (batch) => {
      for (const m of batch) this.events.push({ key: m.key, event: m.value });
    });
  }

  async start(): Promise<this> {
    await this.service.onApplicationBootstrap();
    return this;
  }

  async publish(...readings: Reading[]): Promise<void> {
    for (const r of readings) await this.bus.publish(busTopics.readings, r.patientId, r);
    await this.settled();
  }

  /** Waits until the alerts group and the spec's listener have handled everything published. */
  async settled(): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      if (this.bus.lag(busTopics.readings, ALERTS_CONSUMER_GROUP) === 0 && this.bus.lag(busTopics.alerts, 'spec') === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('bus did not drain');
  }

  async stop(): Promise<void> {
    await this.listener.stop();
    await this.service.onApplicationShutdown();
    await this.bus.close();
  }
}

describe('AlertsService', () => {
  let dir: string;
  let harness: Harness;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pulseproof-alerts-'));
    harness = await new Harness(dir).start();
  });
  afterEach(async () => {
    await harness.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('raises one alert for a deteriorating patient, escalates it, and ignores the same readings published again', async () => {
    const readings = [
      reading('p-1', 'bed-1', 1, T0, NORMAL),
      reading('p-1', 'bed-1', 2, T0 + MINUTE, MEDIUM),
      reading('p-1', 'bed-1', 3, T0 + 2 * MINUTE, HIGH),
    ];
    await harness.publish(...readings);
    await harness.publish(...readings);

    const active = harness.service.listAlerts({ state: 'all', limit: 100 });
    expect(active).toHaveLength(1);
    expect(active[0]).toMatchObject({ patientId: 'p-1', type: 'news2', state: 'active', priority: 'high', score: 7, raisedBy: 'bed-1:2', updatedBy: 'bed-1:3' });
    expect(active[0]!.summary).toBe('NEWS2 7 (RR 3, SpO2 2, HR 2)');
    expect(harness.events.map((e) => [e.key, e.event.state, e.event.priority, e.event.score, e.event.readingId])).toEqual([
      ['p-1', 'active', 'medium', 5, 'bed-1:2'],
      ['p-1', 'active', 'high', 7, 'bed-1:3'],
    ]);
    expect(new Set(harness.events.map((e) => e.event.alertId)).size).toBe(1);
  });

  it('raises on a single parameter scoring 3, even with an aggregate below 5', async () => {
    await harness.publish(reading('p-1', 'bed-1', 1, T0, { ...NORMAL, systolic_bp: 88 }));
    expect(harness.service.listAlerts({ state: 'active', limit: 10 })).toMatchObject([{ priority: 'medium', score: 3, summary: 'NEWS2 3 (SBP 3)' }]);
  });

  it('raises on a partial score that already reaches the trigger, and says what was not measured', async () => {
    await harness.publish(reading('p-1', 'wrist-1', 1, T0, { heart_rate: 135, respiratory_rate: 23 }));
    const [alert] = harness.service.listAlerts({ state: 'active', limit: 10 });
    expect(alert).toMatchObject({ priority: 'medium', score: 5 });
    expect(alert!.summary).toBe('NEWS2 5 (RR 2, HR 3); not measured: SpO2, O2, SBP, ACVPU, Temp');
  });

  it('clears the alert of a recovering patient, and raises a new one if the patient deteriorates again', async () => {
    await harness.publish(reading('p-2', 'bed-2', 10, T0, HIGH), reading('p-2', 'bed-2', 11, T0 + MINUTE, NORMAL));

    expect(harness.service.listAlerts({ state: 'active', limit: 10 })).toEqual([]);
    const [cleared] = harness.service.listAlerts({ state: 'cleared', limit: 10 });
    expect(cleared).toMatchObject({ state: 'cleared', raisedBy: 'bed-2:10', clearedBy: 'bed-2:11', score: 0 });
    expect(harness.events.map((e) => [e.event.state, e.event.readingId])).toEqual([
      ['active', 'bed-2:10'],
      ['cleared', 'bed-2:11'],
    ]);

    await harness.publish(reading('p-2', 'bed-2', 12, T0 + 2 * MINUTE, MEDIUM));
    const all = harness.service.listAlerts({ state: 'all', limit: 10 });
    expect(all.map((a) => [a.state, a.raisedBy])).toEqual([
      ['active', 'bed-2:12'],
      ['cleared', 'bed-2:10'],
    ]);
  });

  it('keeps the newer vitals when an older reading arrives late', async () => {
    await harness.publish(reading('p-3', 'bed-3', 20, T0 + 10 * MINUTE, { ...NORMAL, heart_rate: 72 }));
    await harness.publish(reading('p-3', 'bed-3', 19, T0 + 9 * MINUTE, { ...HIGH, heart_rate: 140 }));

    const [patient] = harness.service.listPatients();
    expect(patient!.vitals.heart_rate).toMatchObject({ value: 72, unit: '/min', at: T0 + 10 * MINUTE, sourceId: 'bed-3:20' });
    expect(patient!.news2).toMatchObject({ total: 0, complete: true, responseBand: 'none' });
    expect(harness.service.listAlerts({ state: 'all', limit: 10 })).toEqual([]);
  });

  it('scores only vitals within the window of the newest, and does not clear an alert because its evidence went stale', async () => {
    await harness.publish(reading('p-4', 'bed-4', 1, T0, HIGH));
    // Two hours later only the pulse oximeter reports, normal values: RR, SBP, ACVPU... are stale.
    await harness.publish(reading('p-4', 'ox-4', 1, T0 + 120 * MINUTE, { spo2: 98, heart_rate: 70 }));

    const [patient] = harness.service.listPatients();
    expect(patient!.news2).toMatchObject({ total: 0, complete: false });
    expect(patient!.news2.missing).toEqual(['respiratory_rate', 'supplemental_oxygen', 'systolic_bp', 'consciousness', 'temperature']);
    expect(patient!.vitals.respiratory_rate).toMatchObject({ value: 26, current: false });
    expect(harness.service.listAlerts({ state: 'active', limit: 10 })).toHaveLength(1);

    // Once everything is measured again and normal, the alert clears.
    await harness.publish(reading('p-4', 'bed-4', 2, T0 + 121 * MINUTE, NORMAL));
    expect(harness.service.listAlerts({ state: 'active', limit: 10 })).toEqual([]);
  });

  it('keeps state across a restart on the same files and raises nothing again', async () => {
    const readings = [reading('p-5', 'bed-5', 1, T0, NORMAL), reading('p-5', 'bed-5', 2, T0 + MINUTE, HIGH)];
    await harness.publish(...readings);
    const before = harness.service.listAlerts({ state: 'all', limit: 10 });
    expect(before).toHaveLength(1);
    await harness.stop();

    harness = await new Harness(dir).start();
    await harness.publish(...readings);
    expect(harness.service.listAlerts({ state: 'all', limit: 10 })).toEqual(before);
    expect(harness.events).toEqual([]);
    expect(harness.service.listPatients()[0]!.news2).toMatchObject({ total: 7, responseBand: 'high' });

    // and it carries on from where it was: the next reading updates the same alert
    await harness.publish(reading('p-5', 'bed-5', 3, T0 + 2 * MINUTE, NORMAL));
    expect(harness.events.map((e) => [e.event.alertId, e.event.state])).toEqual([[before[0]!.alertId, 'cleared']]);
  });

  it('lists patients with the highest NEWS2 first', async () => {
    await harness.publish(
      reading('a-low', 'bed-a', 1, T0, { ...NORMAL, heart_rate: 95 }),
      reading('b-high', 'bed-b', 1, T0, HIGH),
      reading('c-none', 'bed-c', 1, T0, NORMAL),
      reading('d-red', 'bed-d', 1, T0, { ...NORMAL, consciousness: 2 }),
      reading('e-medium', 'bed-e', 1, T0, MEDIUM),
    );
    expect(harness.service.listPatients().map((p) => [p.patientId, p.news2.total, p.news2.responseBand])).toEqual([
      ['b-high', 7, 'high'],
      ['e-medium', 5, 'medium'],
      ['d-red', 3, 'low-medium'],
      ['a-low', 1, 'low'],
      ['c-none', 0, 'none'],
    ]);
  });

  it('scores staff observations with the device readings, once per observation', async () => {
    await harness.publish(reading('p-6', 'bed-6', 1, T0, NORMAL));
    const score = await harness.service.recordObservation('p-6', 'consciousness', 2, T0 + MINUTE);
    await harness.service.recordObservation('p-6', 'consciousness', 2, T0 + MINUTE);
    await harness.settled();

    expect(score).toMatchObject({ total: 3, anySingleThree: true, responseBand: 'low-medium' });
    const [alert] = harness.service.listAlerts({ state: 'active', limit: 10 });
    expect(alert).toMatchObject({ summary: 'NEWS2 3 (ACVPU 3)', raisedBy: `observation:p-6:consciousness:${T0 + MINUTE}` });
    expect(harness.events).toHaveLength(1);
    await expect(harness.service.recordObservation('p-6', 'consciousness', 7, T0)).rejects.toThrow(/ALERTS_E_OBSERVATION/);
    await expect(harness.service.recordObservation('p-6', 'mood', 1, T0)).rejects.toThrow(/ALERTS_E_OBSERVATION/);
  });

  it('rescores on SpO2 scale 2 when a clinician chooses it', async () => {
    await harness.publish(reading('p-7', 'bed-7', 1, T0, { ...NORMAL, spo2: 89 }));
    expect(harness.service.listAlerts({ state: 'active', limit: 10 })).toHaveLength(1); // scale 1: SpO2 89 → 3
    await harness.service.setSpo2Scale('p-7', 2, T0 + MINUTE);
    await harness.settled();
    expect(harness.service.listAlerts({ state: 'active', limit: 10 })).toEqual([]); // scale 2: 88–92 → 0
    expect(harness.service.listPatients()[0]).toMatchObject({ spo2Scale: 2, news2: { total: 0 } });
  });

  it('skips a malformed bus message without blocking the readings after it', async () => {
    await harness.bus.publish(busTopics.readings, 'x', { hello: 'world' });
    await harness.publish(reading('p-8', 'bed-8', 1, T0, HIGH));
    expect(harness.service.listAlerts({ state: 'active', limit: 10 })).toHaveLength(1);
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
