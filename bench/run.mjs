#!/usr/bin/env node
// `npm run bench [-- <suite...>] [--quick | --smoke]`: benchmarks of the built packages (run
// `npm run build` first). Figures only, never pass/fail: speed depends on the machine (see
// docs/performance.md). Every run writes bench/results/<time>.json and <time>.md (+ SVG plots).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR } from './lib/children.mjs';
import { writeReport } from './lib/report.mjs';

/**
 * The suites, in the order the whole set runs them. To add one: a module exporting
 * `run({ quick, smoke })` (resolves to its JSON-able figures), optionally `skipReason({ quick, smoke })`
 * (resolves to a sentence when what it needs is absent, e.g. its servers) and `markdown(result)` (its
 * report section). `wholeSet: 'quick'` runs it at quick sizes in a bare `npm run bench` (time budget).
 */
export const SUITES = [
  { name: 'baselines', file: 'baselines.mjs', title: 'Baselines: Mosquitto, bare aedes, raw SQLite, raw keccak256', sizes: 'smoke 20 devices 1.5 s, quick 100 devices 4 s, full 100 devices 8 s per run' },
  { name: 'pipeline', file: 'pipeline.mjs', title: 'End to end, embedded mode, QoS 1', sizes: 'smoke 20 devices; quick 100 and 1,000 devices, 4 s steps; full 100, 1,000 and 10,000 devices, 6 s steps from 250 to 8,000/s, + a 15 s CPU profile' },
  { name: 'anchor', file: 'anchor.mjs', title: 'Anchoring: Merkle trees, receipts, gas', sizes: 'smoke 1,024 leaves; quick 4,096 and 65,536; full 65,536 and 1,048,576' },
  { name: 'ingest', file: 'ingest.mjs', title: 'Ingest alone (issue 3)', wholeSet: 'quick', sizes: 'smoke 10 devices 1 s; quick 50 devices 4 s; full 500 devices 20 s per run' },
  { name: 'alerts', file: 'alerts.mjs', title: 'Alerts: publish to alert, alarm load (issue 5)', wholeSet: 'quick', sizes: 'smoke 1 s per rate, 5 probes; quick 5 s, 40 probes; full 30 s, 300 probes' },
  { name: 'distributed', file: 'distributed.mjs', title: 'Distributed mode (Kafka, Mosquitto, one process per service)', sizes: 'smoke 20 devices, 2 s steps; quick 100 devices, 5 s steps; full 500 devices, 15 s steps (offered 25/s doubling until it falls behind)' },
];

/** BENCH_SKIP=distributed,...: suites to leave out with that reason (the CI smoke test has no Kafka). */
const SKIP = (process.env.BENCH_SKIP ?? '').split(',').map((s) => s.trim()).filter(Boolean);

function usage() {
  return (
    'usage: npm run bench [-- <suite...>] [--quick | --smoke]\n' +
    '  no suite: the whole set (ingest and alerts at quick sizes; name them for their full sizes)\n' +
    `  suites:\n${SUITES.map((s) => `    ${s.name.padEnd(12)} ${s.title}\n                 ${s.sizes}`).join('\n')}\n` +
    '  --quick  smaller sizes (development; not the figures to size a deployment from)\n' +
    '  --smoke  every suite at tiny sizes, to prove the benchmark works (CI)\n' +
    'BENCH_SKIP=<suite,...> leaves suites out (reported as skipped); BENCH_MQTT_AUTH=off runs the brokers without sign-in.\n' +
    'BENCH_DEVICES=100,5000 and BENCH_RATES=500,1000 set the pipeline suite\'s device counts and offered loads.\n' +
    'BENCH_RESULTS_DIR=<dir> writes the results there instead.\n' +
    'Writes bench/results/<time>.json and <time>.md (a report with SVG plots). Build first: npm run build.\n'
  );
}

async function runSuite(entry, options) {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const path = join(BENCH_DIR, entry.file);
  if (!existsSync(path)) return { status: 'skipped', reason: `bench/${entry.file} is not there yet` };
  if (SKIP.includes(entry.name)) return { status: 'skipped', reason: `BENCH_SKIP=${process.env.BENCH_SKIP}` };
  try {
    entry.module = await import(path);
    const reason = await entry.module.skipReason?.(options);
    if (reason) return { status: 'skipped', reason };
    const result = await entry.module.run(options);
    if (result?.skipped) return { status: 'skipped', reason: result.skipped, seconds: seconds() };
    return { status: 'ok', seconds: seconds(), result };
  } catch (error) {
    process.stderr.write(`bench: ${entry.name} failed: ${error?.stack ?? error}\n`);
    return { status: 'failed', seconds: seconds(), error: String(error?.stack ?? error) };
  }
}

const args = process.argv.slice(2);
const names = args.filter((a) => !a.startsWith('--'));
const unknown = [...names.filter((n) => !SUITES.some((s) => s.name === n)), ...args.filter((a) => a.startsWith('--') && !['--quick', '--smoke', '--help'].includes(a))];
if (args.includes('--help') || unknown.length > 0) {
  if (unknown.length) process.stderr.write(`bench: unknown ${unknown.join(', ')}\n`);
  process.stderr.write(usage());
  process.exitCode = args.includes('--help') ? 0 : 2;
} else {
  const smoke = args.includes('--smoke');
  const quick = args.includes('--quick');
  const selected = names.length ? SUITES.filter((s) => names.includes(s.name)) : SUITES;
  const at = new Date();
  const run = {
    at: at.toISOString(),
    command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
    mode: smoke ? 'smoke' : quick ? 'quick' : 'full',
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version, loadAverage: loadavg().map((l) => Math.round(l * 100) / 100) },
    suites: {},
  };
  const started = performance.now();
  for (const entry of selected) {
    const asQuick = quick || (names.length === 0 && entry.wholeSet === 'quick');
    run.suites[entry.name] = await runSuite(entry, { quick: asQuick || smoke, smoke });
    const s = run.suites[entry.name];
    if (s.status === 'skipped') console.log(`${entry.name}: skipped: ${s.reason}`);
    if (s.result) s.result.sizes = smoke ? 'smoke' : asQuick ? 'quick' : 'full';
  }
  run.seconds = (performance.now() - started) / 1000;
  const dir = process.env.BENCH_RESULTS_DIR ?? join(BENCH_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  const stem = join(dir, run.at.replace(/[:.]/g, '-'));
  writeFileSync(`${stem}.json`, `${JSON.stringify(run, null, 2)}\n`);
  const md = writeReport(stem, run, selected);
  console.log(`\nwritten: ${stem}.json\n         ${md}`);
  if (Object.values(run.suites).some((s) => s.status === 'failed')) process.exitCode = 1;
}
