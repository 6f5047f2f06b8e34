// Alerts benchmark (issue 5, item 6): device publish to alert raised at 1,000 and 10,000 readings/s
// offered (alerts-latency.mjs), and alarm load over a simulated day (alerts-alarm-load.mjs).
import { cpus } from 'node:os';
import { Logger } from '@nestjs/common';
import { runAlarmLoad } from './alerts-alarm-load.mjs';
import { runLatency } from './alerts-latency.mjs';

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const ms = (v) => (v === null ? '-' : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${fmt(v)} ms`);
const minutes = (v) => (v === null ? '-' : `${(v / 60_000).toFixed(1)} min`);

function printLatency(latency) {
  console.log(`  device publish -> alert on the console's MQTT subscription (app in a child process, MQTT auth ${latency.auth})`);
  console.log('    offered/s   achieved/s   probes  alerted  p50        p99        max');
  for (const l of latency.levels) {
    console.log(
      `    ${(l.offeredRate === 0 ? 'no load' : fmt(l.offeredRate)).padStart(9)}   ${fmt(l.achievedRate).padStart(10)}   ${String(l.probes).padStart(6)}  ${String(l.alerted).padStart(7)}  ${ms(l.p50Ms).padEnd(9)}  ${ms(l.p99Ms).padEnd(9)}  ${ms(l.maxMs)}`,
    );
  }
  console.log(`    of which alert raised -> console (bus, delivery outbox, MQTT QoS 1): p50 ${latency.levels.map((l) => ms(l.raisedToConsoleP50Ms)).join(' / ')}, p99 ${latency.levels.map((l) => ms(l.raisedToConsoleP99Ms)).join(' / ')}`);
  console.log(`    of which raised -> taken by delivery (bus hop): p50 ${latency.levels.map((l) => ms(l.busHopP50Ms)).join(' / ')}; taken -> published to the broker (outbox): p50 ${latency.levels.map((l) => ms(l.outboxP50Ms)).join(' / ')}`);
  console.log(`    the app's event loop meanwhile (GET /api/health round trip): p50 ${latency.levels.map((l) => ms(l.healthRoundTripP50Ms)).join(' / ')}, max ${latency.levels.map((l) => ms(l.healthRoundTripMaxMs)).join(' / ')}`);
  console.log(`    readings alerts had not handled yet when the load ended: ${latency.levels.map((l) => (l.alertsLagAfterLoad === null ? '-' : fmt(l.alertsLagAfterLoad))).join(' / ')}`);
  console.log(`    alert events delivered to MQTT during each run (probes included): ${latency.levels.map((l) => (l.alertEventsDuringLoad === null ? '-' : fmt(l.alertEventsDuringLoad))).join(' / ')}`);
  if (latency.alertsByType) console.log(`    alerts the app raised in all (up to 1,000 shown by GET /api/alerts): ${Object.entries(latency.alertsByType).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  for (const l of latency.levels) {
    if (!l.offeredReached) console.log(`    note: offered load of ${fmt(l.offeredRate)} readings/s not reached: ${fmt(l.achievedRate)} readings/s acknowledged`);
    if (l.alerted < l.probes) console.log(`    note: ${l.probes - l.alerted} of ${l.probes} probes at ${fmt(l.offeredRate)}/s raised no alert at the console within the grace period`);
    if (l.loadError) console.log(`    note: the load generator failed: ${l.loadError.split('\n').filter(Boolean).at(-1)}`);
  }
}

function printAlarmLoad(a) {
  console.log(`  alarm load, ${a.simulatedDays} simulated day, a reading per patient every ${a.readingIntervalMs / 1000} s (${fmt(a.readings)} readings in ${a.wallSeconds.toFixed(1)} s)`);
  const types = Object.entries(a.stable.byTypeAndPriority).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  console.log(`    stable cohort: ${a.stable.patients} patients, ${a.stable.alertsRaised} alerts raised = ${a.stable.alertsPerPatientDay.toFixed(2)} alerts per patient-day (${types}); ${a.stable.notificationsPerPatientDay.toFixed(2)} notifications per patient-day`);
  console.log('    scenario          ramp       detected  time to alert (median)  first alert');
  for (const s of a.scenarios) {
    const first = [...new Set(s.cases.map((c) => c.firstAlert).filter(Boolean))].join(', ') || '-';
    console.log(`    ${s.scenario.padEnd(16)}  ${`${s.rampMinutes} min`.padEnd(9)}  ${`${s.detected}/${s.patients}`.padEnd(8)}  ${minutes(s.medianTimeToAlertMs).padEnd(22)}  ${first}`);
  }
}

export async function run({ quick, smoke }) {
  Logger.overrideLogger(false);
  const started = Date.now();
  console.log(`alerts benchmark (${smoke ? 'smoke' : quick ? 'quick' : 'full'}), node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown cpu'}`);
  const latency = await runLatency({ quick, smoke });
  printLatency(latency);
  const alarmLoad = await runAlarmLoad({ quick, smoke });
  printAlarmLoad(alarmLoad);
  console.log(`  (${((Date.now() - started) / 1000).toFixed(0)} s in all)`);

  return { suite: 'alerts', quick: Boolean(quick), smoke: Boolean(smoke), auth: latency.auth, latency, alarmLoad };
}
