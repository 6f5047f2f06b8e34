// Baselines (issue 9, item 3), in the same run and with the same load generator and payloads as the
// pipeline suite: Mosquitto (Debian) and bare aedes forwarding QoS 1 publishes to one QoS 1
// subscriber, raw SQLite inserts of the readings row, raw keccak256, and the anchor's leaf encoding
// (the per-reading work the anchor consumer does). Every broker, the subscriber and the generator run
// in their own processes.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { AbiCoder, keccak256 } from 'ethers';
import anchor from '@pulseproof/anchor';
import { CHILD, runChild, startChild, stopChild } from './lib/children.mjs';
import { round } from './lib/proc.mjs';
import { rawSqlite } from './ingest.mjs';
import { forwarding } from './lib/forwarding.mjs';

const { LEAF_ABI_TYPES, encodeLeaf, leafValues } = anchor;

/** The leaf as encoded before issue 9 (ethers' AbiCoder): the before/after of the hot path, same run. */
const abiCoderLeaf = (reading) => keccak256(keccak256(AbiCoder.defaultAbiCoder().encode(LEAF_ABI_TYPES, leafValues(reading))));
const MOSQUITTO_BIN = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';

const SIZES = {
  smoke: { devices: 20, runMs: 1_500, pacedRate: 200, sqliteRows: 2_000, hashes: 20_000, leaves: 1_000 },
  quick: { devices: 100, runMs: 4_000, pacedRate: 500, sqliteRows: 20_000, hashes: 200_000, leaves: 10_000 },
  full: { devices: 100, runMs: 8_000, pacedRate: 500, sqliteRows: 100_000, hashes: 500_000, leaves: 50_000 },
};

function mosquittoVersion() {
  let text;
  try {
    text = execFileSync(MOSQUITTO_BIN, ['-h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    text = `${error.stdout ?? ''}`; // -h prints the usage and exits non-zero
  }
  return /mosquitto version ([\d.]+)/.exec(text)?.[1] ?? null;
}

async function mosquitto(size) {
  if (!existsSync(MOSQUITTO_BIN)) return { skipped: `${MOSQUITTO_BIN} not found (apt-get install mosquitto, or set MOSQUITTO_BIN)` };
  const { startMosquitto } = (await import('@pulseproof/ingest/dist/testing/mosquitto.js')).default;
  // as many QoS 1 messages in flight per client as the generator keeps (20) and no queue cap
  const broker = await startMosquitto({ maxInflightMessages: 20, maxQueuedMessages: 0 });
  try {
    return { version: mosquittoVersion(), ...(await forwarding(broker.url, size, 'baseline')) };
  } finally {
    await broker.stop();
  }
}

async function aedes(size) {
  const broker = await startChild([CHILD, 'broker'], {}, (o) => (o.includes('"url"') ? JSON.parse(o.split('\n').find((l) => l.includes('"url"'))).url : undefined));
  try {
    return await forwarding(broker.value, size, 'baseline');
  } finally {
    await stopChild(broker, 'SIGTERM', 5_000);
  }
}

function perSecond(count, fn) {
  const start = performance.now();
  for (let i = 0; i < count; i++) fn(i);
  return count / ((performance.now() - start) / 1000);
}

function hashing(size) {
  const input = new Uint8Array(64);
  const keccakPerSecond = perSecond(size.hashes, (i) => {
    input[0] = i & 0xff;
    input[1] = (i >> 8) & 0xff;
    keccak256(input);
  });
  const salt = `0x${'ab'.repeat(32)}`;
  const measurements = { heart_rate: 72, respiratory_rate: 16, spo2: 97, systolic_bp: 120, temperature: 36.8 };
  const reading = (i) => ({ salt, deviceId: 'bench-00001', seq: i, patientId: 'patient-bench-00001', deviceTime: 1_795_000_000_000 + i, measurements: { ...measurements, heart_rate: 60 + (i % 40) } });
  const leafPerSecond = perSecond(size.leaves, (i) => encodeLeaf(reading(i)));
  const abiCoderPerSecond = perSecond(Math.ceil(size.leaves / 5), (i) => abiCoderLeaf(reading(i)));
  if (encodeLeaf(reading(7)) !== abiCoderLeaf(reading(7))) throw new Error('encodeLeaf and the AbiCoder reference disagree');
  return { keccakPerSecond: round(keccakPerSecond), leafEncodingsPerSecond: round(leafPerSecond), leafEncodingsAbiCoderPerSecond: round(abiCoderPerSecond) };
}

export async function run({ quick, smoke }) {
  const mode = smoke ? 'smoke' : quick ? 'quick' : 'full';
  const size = SIZES[mode];
  console.log(`baselines (${mode}): ${size.devices} devices, QoS 1, ${size.runMs / 1000} s per run, ${cpus().length} CPUs`);
  const [capacity] = await runChild([CHILD, 'capacity', JSON.stringify({ devices: size.devices, durationMs: size.runMs, qos: 1 })]);
  console.log(`  generator capacity (null broker): ${Math.round(capacity.rate)} acked/s`);
  const mosq = await mosquitto(size);
  console.log(mosq.skipped ? `  mosquitto: skipped: ${mosq.skipped}` : `  mosquitto ${mosq.version}: ${mosq.saturated.acked} acked/s, ${mosq.saturated.forwarded} forwarded/s`);
  const bare = await aedes(size);
  console.log(`  bare aedes: ${bare.saturated.acked} acked/s, ${bare.saturated.forwarded} forwarded/s`);
  const sqlite = await rawSqlite(size.sqliteRows);
  console.log(`  raw SQLite: ${Math.round(sqlite.perRow.perSecond)} rows/s (1 per transaction), ${Math.round(sqlite.batched1000.perSecond)} rows/s (1,000 per transaction)`);
  const hashes = hashing(size);
  console.log(`  keccak256 (64 bytes): ${hashes.keccakPerSecond}/s; anchor leaf encoding: ${hashes.leafEncodingsPerSecond}/s (with ethers' AbiCoder, as before: ${hashes.leafEncodingsAbiCoderPerSecond}/s)`);
  const limited = (r) => r && !r.skipped && r.saturated.acked >= 0.9 * capacity.rate;
  return {
    suite: 'baselines',
    mode,
    settings: size,
    generatorCapacity: round(capacity.rate),
    mosquitto: mosq,
    aedes: bare,
    generatorLimited: { mosquitto: Boolean(limited(mosq)), aedes: Boolean(limited(bare)) },
    sqlite: { perRow: round(sqlite.perRow.perSecond), batched1000: round(sqlite.batched1000.perSecond), rows: size.sqliteRows },
    hashing: hashes,
  };
}
