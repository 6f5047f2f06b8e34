// End to end, embedded mode, QoS 1 (issue 9, item 2): the built PulseProof in a child process, the
// simulators' load generator in another, offered load stepped up per device count until latency or
// loss breaks. A reading counts only once it is stored (PUBACK after the durable write, and in
// readings.sqlite), evaluated for alerts (the alerts group's bus offset passed it) and anchored (its
// batch is on chain): lib/pipeline-observer.mjs watches the app's own SQLite files from outside.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CHILD, runChild, sleep, startChild, stopChild } from './lib/children.mjs';
import { startApp } from './lib/embedded-app.mjs';
import { summariseCpuProfile } from './lib/cpu-profile.mjs';
import { POLL_MS, PipelineObserver } from './lib/pipeline-observer.mjs';
import { percentiles, round, sampleProcess } from './lib/proc.mjs';

const BATCH_MAX_AGE_MS = 2_000;
/**
 * A step is broken when the pipeline falls behind what was offered (achieved < 90%), loses
 * (acknowledged readings not evaluated and anchored before the drain deadline, or publish errors), or
 * its latency leaves these budgets (p99, ms): a stored reading within a second, evaluated within two,
 * anchored within the batch window plus five seconds for the transaction.
 */
export const BUDGET_MS = { stored: 1_000, evaluated: 2_000, anchored: BATCH_MAX_AGE_MS + 5_000 };

const SIZES = {
  // smoke: the drain returns as soon as everything is through; its long deadline is for a loaded CI
  // machine, where anvil and the app share two cores with the test runner (no speed is asserted)
  smoke: { devices: [20], rates: [50, 200], stepMs: 2_000, drainMs: 180_000, profileMs: 0 },
  quick: { devices: [100, 1_000], rates: [100, 250, 500, 1_000, 2_000], stepMs: 4_000, drainMs: 15_000, profileMs: 5_000 },
  full: { devices: [100, 1_000, 10_000], rates: [250, 500, 1_000, 2_000, 4_000, 8_000], stepMs: 6_000, drainMs: 30_000, profileMs: 15_000 },
};

function storedIn(dataDir, from, to) {
  const db = new Database(join(dataDir, 'readings.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT COUNT(*) AS n FROM readings WHERE device_time BETWEEN ? AND ?').get(from, to).n;
  } finally {
    db.close();
  }
}

/** Waits until nothing published in [from, to] is left to evaluate or anchor, or the deadline. */
async function drain(observer, from, to, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = observer.lag('alerts') + observer.lag('anchor') + observer.notAnchoredIn(from, to);
    if (left === 0) return true;
    if (Date.now() > deadline) return false;
    await sleep(250);
  }
}

async function step({ app, observer, devices, rate, size, capacity }) {
  const from = Date.now();
  const appProc = sampleProcess(app.pid);
  const anvilProc = app.anvilPid ? sampleProcess(app.anvilPid) : undefined;
  let genProc;
  const [load] = await runChild(
    [CHILD, 'load', JSON.stringify({ ...app.target, devices, rate, durationMs: size.stepMs, wave: 500 })],
    {},
    (child) => (genProc = sampleProcess(child.pid)),
  );
  const to = Date.now();
  const [appUse, anvilUse, genUse] = [appProc.stop(), anvilProc?.stop(), genProc.stop()];
  const drained = await drain(observer, from, to, size.drainMs);
  observer.poll();
  const stored = storedIn(app.dataDir, from, to);
  const evaluated = observer.evaluatedIn(from, to);
  const anchored = observer.anchoredIn(from, to);
  const seconds = load.elapsedMs / 1000;
  const complete = Math.min(stored, evaluated.length, anchored.length);
  const latency = { stored: load.latencyMs ?? percentiles([]), evaluated: percentiles(evaluated), anchored: percentiles(anchored) };
  const reasons = [];
  if (load.rate < 0.9 * rate) reasons.push(`achieved ${Math.round(load.rate)}/s < 90% of offered`);
  if (load.errors > 0) reasons.push(`${load.errors} publish errors`);
  if (!drained || complete < load.acked) reasons.push(`${load.acked - complete} acknowledged readings not evaluated and anchored within ${size.drainMs / 1000} s`);
  for (const [k, budget] of Object.entries(BUDGET_MS)) if ((latency[k].p99 ?? 0) > budget) reasons.push(`${k} p99 ${latency[k].p99} ms > ${budget} ms`);
  const generatorLimited = load.rate >= 0.9 * capacity.rate || (genUse.cpuCores ?? 0) >= 0.9;
  return {
    devices,
    offered: rate,
    achieved: round(load.rate),
    completePerSecond: round(complete / seconds),
    sent: load.sent,
    acked: load.acked,
    stored,
    evaluated: evaluated.length,
    anchored: anchored.length,
    errors: load.errors,
    connectMs: load.connectMs,
    latencyMs: latency,
    app: appUse,
    anvil: anvilUse ?? null,
    generator: genUse,
    generatorLimited,
    drained,
    broken: reasons.length > 0,
    reasons,
  };
}

/**
 * The generator against a null broker (bare aedes, no subscriber: it acknowledges and drops) in its
 * own process: at 10,000 devices the client and broker sockets would not fit one process's file
 * descriptors (simulators' measureGeneratorCapacity runs both in one).
 */
async function generatorCapacity(devices, durationMs) {
  const broker = await startChild([CHILD, 'broker'], {}, (o) => (o.includes('"url"') ? JSON.parse(o.split('\n').find((l) => l.includes('"url"'))).url : undefined));
  try {
    const [load] = await runChild([CHILD, 'load', JSON.stringify({ brokerUrl: broker.value, devices, durationMs, idPrefix: 'capacity', wave: 500 })]);
    return load;
  } finally {
    await stopChild(broker, 'SIGTERM', 5_000);
  }
}

/** A second, shorter run of the app under `node --cpu-prof` at a fixed load: where the time goes. */
async function profileRun({ devices, ms }) {
  const dir = mkdtempSync(join(tmpdir(), 'pp-bench-prof-'));
  const app = await startApp({ devices, batchMaxAgeMs: BATCH_MAX_AGE_MS, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  try {
    // saturated (no rate: as fast as PUBACKs come back): the profile of the pipeline at its limit
    const [load] = await runChild([CHILD, 'load', JSON.stringify({ ...app.target, devices, durationMs: ms })]);
    await app.stop();
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) return { skipped: 'the app wrote no .cpuprofile' };
    return { devices, offered: 'saturated', achieved: round(load.rate), seconds: ms / 1000, ...summariseCpuProfile(join(dir, file)) };
  } finally {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run({ quick, smoke }) {
  const mode = smoke ? 'smoke' : quick ? 'quick' : 'full';
  // BENCH_DEVICES=5000 / BENCH_RATES=500,1000: your own fleet size and offered loads
  const list = (v) => v?.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  const size = { ...SIZES[mode], ...(list(process.env.BENCH_DEVICES)?.length && { devices: list(process.env.BENCH_DEVICES) }), ...(list(process.env.BENCH_RATES)?.length && { rates: list(process.env.BENCH_RATES) }) };
  const maxDevices = Math.max(...size.devices);
  console.log(`pipeline bench (${mode}): embedded PulseProof, QoS 1, MQTT auth ${process.env.BENCH_MQTT_AUTH ?? 'required'}, ${size.stepMs / 1000} s per step, ${cpus().length} CPUs`);

  const capacity = {};
  for (const devices of size.devices) {
    capacity[devices] = await generatorCapacity(devices, size.stepMs);
    console.log(`  generator capacity, ${devices} devices, null broker: ${Math.round(capacity[devices].rate)} acked/s`);
  }

  const startAt = performance.now();
  const app = await startApp({ devices: maxDevices, batchMaxAgeMs: BATCH_MAX_AGE_MS });
  console.log(`  app started with ${maxDevices} devices registered in ${((performance.now() - startAt) / 1000).toFixed(1)} s (pid ${app.pid}, anvil pid ${app.anvilPid ?? '?'})`);
  const curves = [];
  try {
    const observer = new PipelineObserver(app.dataDir);
    observer.start();
    try {
      for (const devices of size.devices) {
        const steps = [];
        for (const rate of size.rates) {
          const s = await step({ app, observer, devices, rate, size, capacity: capacity[devices] });
          steps.push(s);
          const l = s.latencyMs;
          console.log(
            `  ${String(devices).padStart(6)} devices ${String(rate).padStart(5)}/s offered: ${s.achieved}/s acked, ${s.completePerSecond}/s stored+evaluated+anchored; ` +
              `p99 stored ${l.stored.p99} / evaluated ${l.evaluated.p99} / anchored ${l.anchored.p99} ms; app ${s.app.cpuCores} cores ${s.app.rssPeakMb} MB` +
              `${s.generatorLimited ? '; GENERATOR-LIMITED' : ''}${s.broken ? `; broken: ${s.reasons.join(', ')}` : ''}`,
          );
          if (s.broken) break;
        }
        const ok = steps.filter((s) => !s.broken);
        const best = [...ok].sort((a, b) => b.completePerSecond - a.completePerSecond)[0];
        curves.push({ devices, steps, knee: ok.length ? ok[ok.length - 1].offered : null, sustained: best?.completePerSecond ?? 0, atKnee: best ?? null });
        // a broken step leaves a backlog: let it clear so the next curve starts from an idle pipeline
        await drain(observer, 0, Date.now(), Math.max(size.drainMs, 90_000));
      }
    } finally {
      observer.close();
    }
  } finally {
    await app.stop();
  }

  let profile = { skipped: 'not in --smoke runs (a second app start under node --cpu-prof)' };
  if (size.profileMs > 0) {
    profile = await profileRun({ devices: size.devices[0], ms: size.profileMs });
    if (profile.top) console.log(`  profile (${profile.seconds} s saturated, ${profile.achieved}/s acked): ${profile.areas.slice(0, 4).map((a) => `${a.area} ${a.percent}%`).join(', ')}`);
  }
  const best = [...curves].sort((a, b) => b.sustained - a.sustained)[0];
  return {
    suite: 'pipeline',
    mode,
    settings: { ...size, batchMaxAgeMs: BATCH_MAX_AGE_MS, budgetMs: BUDGET_MS, pollMs: POLL_MS, mqttAuth: process.env.BENCH_MQTT_AUTH ?? 'required' },
    generatorCapacity: Object.fromEntries(Object.entries(capacity).map(([d, c]) => [d, round(c.rate)])),
    curves,
    sustained: best.sustained,
    sustainedAt: best.atKnee ? { devices: best.devices, offered: best.atKnee.offered } : null,
    profile,
  };
}
