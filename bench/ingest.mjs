// Ingest benchmark (issue 3, item 8): readings/s stored at QoS 1 from many simulated devices through
// the built app (acknowledged = stored: the PUBACK follows the durable write), publish-to-stored
// latency, and in the same run, with the same load generator, the baselines it sits on: raw SQLite
// inserts into the same schema, raw aedes forwarding, and the generator's own capacity.
// The app, the generator and the aedes baseline each run in their own child process.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import ingest from '@pulseproof/ingest';
import { CHILD, runChild, startChild } from './lib/children.mjs';
import { startApp } from './lib/embedded-app.mjs';

const { SqliteReadingStore } = ingest;
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const latency = (report) => (report.latencyMs ? `${report.latencyMs.p50} / ${report.latencyMs.p99}` : 'n/a');

function sampleRow(i) {
  return {
    device_id: `bench-${String(i % 500).padStart(5, '0')}`,
    seq: 1_000_000 + i,
    patient_id: `patient-${i % 500}`,
    device_time: 1_795_000_000_000 + i,
    received_at: 1_795_000_000_050 + i,
    measurements: JSON.stringify({ heart_rate: 60 + (i % 40), respiratory_rate: 12 + (i % 9), spo2: 90 + (i % 10), systolic_bp: 110 + (i % 30), temperature: 36.5 }),
    salt: `0x${randomBytes(32).toString('hex')}`,
  };
}

/**
 * Raw better-sqlite3 inserts into the readings table as the store creates it (same schema and
 * indexes, WAL, synchronous=NORMAL): one transaction per row (a PUBACK per commit), and 1,000 rows
 * per transaction (the group-commit ceiling).
 */
export async function rawSqlite(rows) {
  const dir = mkdtempSync(join(tmpdir(), 'pp-bench-sqlite-'));
  try {
    const results = {};
    for (const [name, perTx] of [['perRow', 1], ['batched1000', 1000]]) {
      const file = join(dir, `${name}.sqlite`);
      await new SqliteReadingStore(file).close(); // creates the schema, exactly as ingest does
      const db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const insert = db.prepare(
        'INSERT INTO readings (device_id, seq, patient_id, device_time, received_at, measurements, salt) VALUES (@device_id, @seq, @patient_id, @device_time, @received_at, @measurements, @salt)',
      );
      const data = Array.from({ length: rows }, (_, i) => sampleRow(i));
      const many = db.transaction((batch) => batch.forEach((row) => insert.run(row)));
      const start = performance.now();
      for (let i = 0; i < rows; i += perTx) many(data.slice(i, i + perTx));
      results[name] = { rows, perSecond: (rows * 1000) / (performance.now() - start) };
      db.close();
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bare aedes in a child with one QoS 1 subscriber; the generator in another child publishes to it. */
async function rawAedes(load) {
  const broker = await startChild([CHILD, 'aedes'], {}, (out) => {
    const line = out.split('\n').find((l) => l.startsWith('{"url"'));
    return line ? JSON.parse(line).url : undefined;
  });
  try {
    const [report] = await runChild([CHILD, 'load', JSON.stringify({ ...load, brokerUrl: broker.value, idPrefix: 'aedes' })]);
    broker.child.kill('SIGTERM');
    await broker.exited;
    const counted = JSON.parse(broker.output().trim().split('\n').pop());
    return { generator: report, forwarded: counted.forwarded, forwardedPerSecond: counted.seconds > 0 ? counted.forwarded / counted.seconds : 0 };
  } finally {
    if (broker.child.exitCode === null) broker.child.kill('SIGKILL');
  }
}

/** Waits until ingest's accepted count has not moved for 1.5 s (at most 2 minutes). */
async function drained(httpUrl) {
  const accepted = async () => (await (await fetch(`${httpUrl}/api/health`)).json()).components?.ingest?.detail?.accepted;
  let last = await accepted();
  let stableSince = Date.now();
  const deadline = Date.now() + 120_000;
  while (Date.now() - stableSince < 1_500 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    const now = await accepted();
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    }
  }
}

/**
 * The built app (SIM_PATIENTS=0, MQTT auth required) with a gateway identity for the load devices,
 * which are registered behind it; the generator signs in as the gateway.
 */
async function throughIngest(load) {
  const app = await startApp({ devices: load.devices, batchMaxAgeMs: 10_000 });
  try {
    // Saturated: as fast as PUBACKs come back (at most 20 in flight per device), the sustained rate.
    const [report] = await runChild([CHILD, 'load', JSON.stringify({ ...load, ...app.target })]);
    // The readings still in flight when the generator stopped are being stored: let them drain.
    await drained(app.httpUrl);
    // Paced at half that rate: latency without the queue a saturated run builds on purpose.
    const [paced] = await runChild([CHILD, 'load', JSON.stringify({ ...load, ...app.target, rate: Math.max(1, Math.floor(report.rate / 2)) })]);
    const health = await (await fetch(`${app.httpUrl}/api/health`)).json();
    await app.stop({ keepData: true });
    const db = new Database(join(app.dataDir, 'readings.sqlite'), { readonly: true });
    const stored = db.prepare('SELECT count(*) AS n FROM readings').get().n;
    db.close();
    const detail = health.components?.ingest?.detail ?? {};
    return { generator: report, paced, stored, accepted: detail.accepted, refused: detail.refused, refusedByReason: detail.refusedByReason };
  } finally {
    await app.stop();
  }
}

export async function run({ quick, smoke }) {
  const load = smoke ? { devices: 10, durationMs: 1_000 } : quick ? { devices: 50, durationMs: 4_000 } : { devices: 500, durationMs: 20_000 };
  const sqliteRows = smoke ? 2_000 : quick ? 20_000 : 200_000;
  process.stdout.write(`ingest bench${smoke ? ' (smoke)' : quick ? ' (quick)' : ''}: ${load.devices} devices, QoS 1, ${load.durationMs / 1000} s per run, ${cpus().length} CPUs\n`);

  const capacity = (await runChild([CHILD, 'capacity', JSON.stringify({ devices: load.devices, durationMs: load.durationMs, qos: 1 })]))[0];
  const sqlite = await rawSqlite(sqliteRows);
  const aedes = await rawAedes(load);
  const system = await throughIngest(load);

  const g = system.generator;
  const rows = [
    ['generator capacity (null broker, acked/s)', fmt(capacity.rate)],
    ['raw SQLite insert, 1 row per transaction (rows/s)', fmt(sqlite.perRow.perSecond)],
    ['raw SQLite insert, 1,000 rows per transaction (rows/s)', fmt(sqlite.batched1000.perSecond)],
    ['raw aedes: PUBACKed by the broker (msgs/s)', fmt(aedes.generator.rate)],
    ['raw aedes: forwarded to a QoS 1 subscriber (msgs/s)', fmt(aedes.forwardedPerSecond)],
    ['PulseProof ingest: stored at QoS 1 (readings/s)', fmt(g.rate)],
    ['PulseProof ingest: publish-to-stored p50 / p99, saturated (ms)', latency(g)],
    [`PulseProof ingest: publish-to-stored p50 / p99 at ${fmt(system.paced.targetRate)}/s (ms)`, latency(system.paced)],
    ['PulseProof ingest: acknowledged / stored / refused', `${fmt(g.acked + system.paced.acked)} / ${fmt(system.stored)} / ${fmt(system.refused ?? 0)}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
  const acked = g.acked + system.paced.acked;
  if (system.stored < acked) process.stdout.write(`  WARNING: fewer readings stored (${system.stored}) than acknowledged (${acked})\n`);

  const result = {
    suite: 'ingest',
    at: new Date().toISOString(),
    quick: Boolean(quick),
    smoke: Boolean(smoke),
    rows,
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    load: { ...load, qos: 1 },
    generatorCapacity: capacity,
    rawSqlite: sqlite,
    rawAedes: aedes,
    ingest: system,
  };
  return result;
}
