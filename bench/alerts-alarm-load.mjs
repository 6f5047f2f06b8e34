// Alarm load in accelerated time (issue 5, item 6): a stable cohort and deterioration scenarios over a
// simulated day, fed through the real alerts service (AlertsModule on a SQLite bus) with a stepped
// clock: readings carry simulated device times, the alerts clock (escalation) is advanced in step.
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import alerts from '@pulseproof/alerts';
import busPkg from '@pulseproof/bus';
import contracts from '@pulseproof/contracts';
import simulators from '@pulseproof/simulators';

const { AlertsModule, ManualClock } = alerts;
const { Bus, SqliteBus } = busPkg;
const { busTopics, readingId } = contracts;
const { PatientModel, VITAL_CODES, roundToSensor } = simulators;

const DAY_MS = 24 * 60 * 60 * 1000;
const CHUNK_MS = 5 * 60 * 1000;
/** midnight UTC: the circadian rhythm of the models starts there */
const T0 = Date.UTC(2026, 10, 22);

/**
 * Ramps from onset to the scenario's target, minutes: slower than the simulators' demo defaults
 * (minutes), closer to the clinical course (sepsis over hours, a haemorrhage over tens of minutes).
 */
export const SCENARIOS = [
  { scenario: 'sepsis-like', rampMinutes: 180 },
  { scenario: 'hypoxia', rampMinutes: 30 },
  { scenario: 'tachyarrhythmia', rampMinutes: 0.5 },
  { scenario: 'haemorrhage', rampMinutes: 20 },
  { scenario: 'cardiac-arrest', rampMinutes: 0.25 },
];

function toReading(patient, seq, deviceTime, vitals, unmeasurable) {
  const measurements = {};
  for (const code of VITAL_CODES) if (!unmeasurable.includes(code)) measurements[code] = roundToSensor(code, vitals[code]);
  return { deviceId: patient.deviceId, seq, patientId: patient.patientId, deviceTime, receivedAt: deviceTime + 50, measurements, salt: `0x${'00'.repeat(32)}` };
}

async function until(condition, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`alarm load: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Builds the Nest context the app would: the bus as a global provider, AlertsModule with a manual clock. */
async function startAlerts(bus, dataDir, clock) {
  class BenchBusModule {}
  Global()(BenchBusModule);
  Module({ providers: [{ provide: Bus, useValue: bus }], exports: [Bus] })(BenchBusModule);
  class BenchAlertsModule {}
  Module({ imports: [BenchBusModule, AlertsModule.forRoot({ dataDir, clock })] })(BenchAlertsModule);
  const app = await NestFactory.createApplicationContext(BenchAlertsModule, { logger: false });
  await app.init();
  return app;
}

export async function runAlarmLoad({ quick, smoke }) {
  const stableCount = smoke ? 2 : quick ? 10 : 100;
  const perScenario = quick ? 1 : 4;
  // smoke: a reading every 5 simulated minutes (proves the path, not the time to alert)
  const intervalMs = smoke ? 300_000 : 60_000;
  const dir = mkdtempSync(join(tmpdir(), 'pulseproof-bench-alarms-'));
  const bus = new SqliteBus({ file: join(dir, 'bus.sqlite'), retryDelayMs: 10 });
  const clock = new ManualClock(T0);
  const started = Date.now();
  let app;
  try {
    app = await startAlerts(bus, dir, clock);
    const events = [];
    const subscription = bus.subscribe(busTopics.alerts, 'bench', async (batch) => {
      for (const message of batch) events.push(message.value);
    });

    const patients = [];
    for (let i = 1; i <= stableCount; i++) {
      const id = `stable-${String(i).padStart(3, '0')}`;
      patients.push({ patientId: id, deviceId: `mon-${id}`, model: new PatientModel({ seed: `bench:${id}`, circadian: { originMs: T0 } }), seq: 0 });
    }
    SCENARIOS.forEach(({ scenario, rampMinutes }, s) => {
      for (let k = 0; k < perScenario; k++) {
        const id = `${scenario}-${k + 1}`;
        // onsets spread over the day, none in the first two hours (a baseline to learn from)
        const onsetMs = 2 * 3600_000 + ((s * perScenario + k) * 17 * 3600_000) / (SCENARIOS.length * perScenario);
        const model = new PatientModel({ seed: `bench:${id}`, circadian: { originMs: T0 }, timeline: [{ atMs: onsetMs, scenario, rampMinutes }] });
        patients.push({ patientId: id, deviceId: `mon-${id}`, model, seq: 0, scenario, rampMinutes, onsetAt: T0 + onsetMs });
      }
    });

    const deviceTimeOf = new Map();
    let readings = 0;
    for (let chunkStart = 0; chunkStart < DAY_MS; chunkStart += CHUNK_MS) {
      for (let t = chunkStart + intervalMs; t <= chunkStart + CHUNK_MS; t += intervalMs) {
        for (const patient of patients) {
          const vitals = patient.model.next(intervalMs);
          const reading = toReading(patient, ++patient.seq, T0 + t, vitals, patient.model.unmeasurable());
          deviceTimeOf.set(readingId(reading.deviceId, reading.seq), reading.deviceTime);
          await bus.publish(busTopics.readings, reading.patientId, reading);
          readings++;
        }
      }
      await until(() => bus.lag(busTopics.readings, 'alerts') === 0, 'the alerts service');
      // escalation runs on the hospital's clock: it moves with the simulated day
      clock.advance(CHUNK_MS);
    }
    await until(() => bus.lag(busTopics.alerts, 'bench') === 0, 'the alert events');
    await subscription.stop();
    return summarise({ events, patients, deviceTimeOf, stableCount, readings, intervalMs, seconds: (Date.now() - started) / 1000 });
  } finally {
    await app?.close();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function summarise({ events, patients, deviceTimeOf, stableCount, readings, intervalMs, seconds }) {
  const byPatient = new Map();
  for (const event of events) {
    if (!byPatient.has(event.patientId)) byPatient.set(event.patientId, []);
    byPatient.get(event.patientId).push(event);
  }
  const raisedOf = (list) => {
    const first = new Map();
    for (const e of list) if (!first.has(e.alertId)) first.set(e.alertId, e);
    return [...first.values()];
  };
  const stable = patients.filter((p) => !p.scenario);
  const stableEvents = stable.flatMap((p) => byPatient.get(p.patientId) ?? []);
  const stableRaised = raisedOf(stableEvents);
  const byType = {};
  for (const e of stableRaised) byType[`${e.type}/${e.priority}`] = (byType[`${e.type}/${e.priority}`] ?? 0) + 1;
  const notifications = stableEvents.filter((e) => e.change === undefined || e.change === 'raised' || e.change === 'escalated').length;

  const scenarios = SCENARIOS.map(({ scenario, rampMinutes }) => {
    const cases = patients.filter((p) => p.scenario === scenario).map((p) => {
      const raised = raisedOf(byPatient.get(p.patientId) ?? []);
      const before = raised.filter((e) => (deviceTimeOf.get(e.readingId) ?? e.raisedAt) < p.onsetAt);
      const after = raised
        .map((e) => ({ e, at: deviceTimeOf.get(e.readingId) ?? e.raisedAt }))
        .filter(({ at }) => at >= p.onsetAt)
        .sort((a, b) => a.at - b.at);
      const first = after[0];
      return { patientId: p.patientId, falseBeforeOnset: before.length, detected: first !== undefined, timeToAlertMs: first ? first.at - p.onsetAt : null, firstAlert: first ? `${first.e.type}/${first.e.priority}` : null };
    });
    const ttas = cases.filter((c) => c.detected).map((c) => c.timeToAlertMs).sort((a, b) => a - b);
    return { scenario, rampMinutes, patients: cases.length, detected: ttas.length, medianTimeToAlertMs: ttas.length ? ttas[Math.floor((ttas.length - 1) / 2)] : null, cases };
  });
  return {
    simulatedDays: 1,
    readingIntervalMs: intervalMs,
    readings,
    wallSeconds: seconds,
    stable: {
      patients: stableCount,
      alertsRaised: stableRaised.length,
      alertsPerPatientDay: stableRaised.length / stableCount,
      notificationsPerPatientDay: notifications / stableCount,
      byTypeAndPriority: byType,
    },
    scenarios,
  };
}
