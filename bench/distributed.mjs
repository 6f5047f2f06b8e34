// Distributed mode (issue 8, item 5): sustained end-to-end readings/s and publish-to-stored latency
// through Mosquitto -> two `pulseproof ingest` processes -> InfluxDB + Kafka -> anchor and alerts,
// and in the same run, on the same servers, what that path sits on: kafkajs's raw produce rate
// (acks=all, the bus's own setting) and Mosquitto's raw QoS 1 forwarding rate.
//
// "Stored" is seen where ingest announces it: ingest publishes a reading on vitals.readings only
// after InfluxDB acknowledged the write, so an observer consuming that topic sees each reading once
// it is durable; its latency is observer clock - device time (the generator stamps the publish time).
// The servers come from the infrastructure harnesses (Debian's Mosquitto and influxd 1.x, Kafka 3.9
// from the Maven jars of infra/kafka, anvil from npm); every process runs on its own.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import ingest from '@pulseproof/ingest';
import { CHILD, ROOT, freePort, runChild, sleep, startChild, stopChild } from './lib/children.mjs';
import { percentiles, round, sampleProcess } from './lib/proc.mjs';
import { forwarding } from './lib/forwarding.mjs';

const CLI = join(ROOT, 'app/bin/pulseproof.js');
const KAFKA_HARNESS = join(ROOT, 'packages/bus/dist/testing/kafka.js');
const MOSQUITTO_BIN = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';
const READINGS_TOPIC = 'vitals.readings';
const PARTITIONS = 6;
/** the load generator's device ids (simulators/src/load/load-generator.ts) */
const deviceId = (i, devices) => `bench-${String(i).padStart(Math.max(5, String(devices).length), '0')}`;

const SIZES = {
  smoke: { devices: 20, runMs: 2_000, pacedRate: 100, rawMs: 1_000, firstRate: 25, maxRate: 100 },
  quick: { devices: 100, runMs: 5_000, pacedRate: 300, rawMs: 3_000, firstRate: 25, maxRate: 1_600 },
  full: { devices: 500, runMs: 15_000, pacedRate: 1_000, rawMs: 10_000, firstRate: 25, maxRate: 12_800 },
};

/** Why the suite cannot run here, or undefined. */
export async function skipReason() {
  if (!existsSync(KAFKA_HARNESS)) return 'packages/bus is not built: run npm run build';
  if (!existsSync(join(ROOT, 'infra/kafka/lib'))) return "Kafka's jars are missing: run infra/kafka/resolve.sh";
  if (spawnSync('java', ['-version']).status !== 0) return 'Java 17+ is missing (apt-get install openjdk-17-jre-headless)';
  if (!existsSync(MOSQUITTO_BIN)) return `${MOSQUITTO_BIN} is missing (apt-get install mosquitto)`;
  if (spawnSync('influxd', ['version']).status !== 0) return 'influxd is missing (apt-get install influxdb)';
  return undefined;
}

const sizeOf = ({ quick, smoke }) => (smoke ? SIZES.smoke : quick ? SIZES.quick : SIZES.full);

export async function run(options) {
  const size = sizeOf(options);
  const { startKafka } = (await import(KAFKA_HARNESS)).default;
  const { startMosquitto } = (await import('@pulseproof/ingest/dist/testing/mosquitto.js')).default;
  const { startInfluxd } = (await import('@pulseproof/ingest/dist/testing/influxd.js')).default;
  const { AnvilNode } = (await import('@pulseproof/anchor/dist/adapters/anvil-node.js')).default;

  const stops = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch((e) => process.stderr.write(`bench distributed: stop: ${e}\n`));
  };
  try {
    const kafka = await startKafka({ defaultPartitions: PARTITIONS, topics: [{ topic: 'bench.raw', partitions: PARTITIONS }] });
    stops.push(() => kafka.stop());
    const mosquitto = await startMosquitto({ maxInflightMessages: 20, maxQueuedMessages: 0 });
    stops.push(() => mosquitto.stop());
    const influx = await startInfluxd();
    stops.push(() => influx.stop());
    await influx.query('CREATE DATABASE pulseproof');
    const anvil = await AnvilNode.start();
    stops.push(() => anvil.stop());

    // Baselines first, on idle servers.
    const kafkaRaw = await rawProduce(kafka.brokers, size);
    const mosquittoRaw = await forwarding(mosquitto.url, size, 'raw');

    const pipeline = await throughPipeline({ kafka, mosquitto, influx, anvil }, size);
    return {
      store: process.env.BENCH_READINGS_STORE === 'sqlite' ? 'sqlite' : 'influxdb',
      servers: { kafka: '3.9 (Maven jars, KRaft, 1 node)', mosquitto: /mosquitto version ([\d.]+)/.exec(mosquitto.output())?.[1] ?? 'Debian', influxdb: '1.x (Debian), v1 write API', partitions: PARTITIONS },
      devices: size.devices,
      runSeconds: size.runMs / 1000,
      kafkaRaw,
      mosquittoRaw,
      pipeline,
    };
  } finally {
    await stopAll();
  }
}

/** A reading as ingest puts it on the bus, for the raw produce rate: same size, same key spread. */
function sampleReading(i) {
  return JSON.stringify({
    deviceId: `bench-${String(i % 500).padStart(5, '0')}`,
    seq: i,
    patientId: `patient-${i % 500}`,
    deviceTime: Date.now(),
    receivedAt: Date.now(),
    measurements: { heart_rate: 60 + (i % 40), respiratory_rate: 12 + (i % 9), spo2: 90 + (i % 10), systolic_bp: 110 + (i % 30), temperature: 36.5 },
    salt: `0x${'ab'.repeat(32)}`,
  });
}

/**
 * kafkajs producing readings-sized JSON with acks=all (as KafkaBus does), one request at a time (the
 * bus's producer allows one in flight): one message per send (a request per reading), then batches
 * of 500 (what the bus's coalescing of same-tick publishes approaches under load). More sends in
 * flight on one kafkajs producer were slower here, not faster.
 */
async function rawProduce(brokers, size) {
  const producer = new Kafka({ clientId: 'bench-raw', brokers, logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const out = {};
  try {
    for (const [name, perSend, inFlight] of [['single', 1, 1], ['batched', 500, 1]]) {
      let sent = 0;
      const latencies = [];
      const started = performance.now();
      const deadline = started + size.rawMs;
      const worker = async () => {
        while (performance.now() < deadline) {
          const messages = Array.from({ length: perSend }, (_, j) => ({ key: `patient-${(sent + j) % 500}`, value: sampleReading(sent + j) }));
          const t0 = performance.now();
          await producer.send({ topic: 'bench.raw', acks: -1, messages });
          latencies.push(performance.now() - t0);
          sent += perSend;
        }
      };
      await Promise.all(Array.from({ length: inFlight }, worker));
      const seconds = (performance.now() - started) / 1000;
      out[name] = { messagesPerSend: perSend, inFlight, rate: round(sent / seconds), sendLatencyMs: percentiles(latencies) };
    }
  } finally {
    await producer.disconnect();
  }
  return out;
}

/** Counts readings on vitals.readings as ingest publishes them (after the durable write). */
async function startObserver(brokers) {
  const consumer = new Kafka({ clientId: 'bench-observer', brokers, logLevel: logLevel.NOTHING }).consumer({ groupId: `bench-observer-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: READINGS_TOPIC, fromBeginning: true });
  const state = { count: 0, first: undefined, last: undefined, latencies: [] };
  let assigned = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (assigned = true));
  await consumer.run({
    partitionsConsumedConcurrently: PARTITIONS,
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      for (const message of batch.messages) {
        const reading = JSON.parse(message.value.toString());
        state.count += 1;
        state.first ??= performance.now();
        state.last = performance.now();
        if (state.recording) state.latencies.push(now - reading.deviceTime);
      }
    },
  });
  while (!assigned) await sleep(50);
  return { state, stop: () => consumer.disconnect() };
}

/** Waits until the observer's count stops growing for `quietMs` (or reaches `target`); returns the count. */
async function settle(observer, target, quietMs = 5_000, maxMs = 120_000) {
  const deadline = Date.now() + maxMs;
  let seen = -1;
  let since = Date.now();
  while (Date.now() < deadline && observer.state.count < target) {
    if (observer.state.count !== seen) {
      seen = observer.state.count;
      since = Date.now();
    } else if (Date.now() - since > quietMs) break;
    await sleep(200);
  }
  return observer.state.count;
}

async function startService(service, env) {
  const port = await freePort();
  const handle = await startChild([CLI, service], { ...env, PORT: String(port), HTTP_HOST: '127.0.0.1' }, () => true);
  // ready when /api/health answers (the Nest app listens once the bus and the broker are connected)
  const deadline = Date.now() + 180_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/api/health`).then((r) => r.status < 500, () => false);
    if (ok) break;
    if (handle.child.exitCode !== null || Date.now() > deadline) {
      handle.child.kill('SIGKILL');
      throw new Error(`pulseproof ${service} did not answer /api/health:\n${handle.output()}`);
    }
    await sleep(200);
  }
  return { ...handle, port, sampler: sampleProcess(handle.child.pid) };
}

async function throughPipeline({ kafka, mosquitto, influx, anvil }, size) {
  const root = mkdtempSync(join(tmpdir(), 'pp-bench-distributed-'));
  const ingestDir = join(root, 'ingest');
  mkdirSync(ingestDir);
  const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, verbose: () => undefined };
  const registry = new ingest.SqliteDeviceRegistry(join(ingestDir, 'devices.sqlite'), { logger: quiet });
  await registry.registerPrincipal('gateway', 'bench-gateway');
  for (let i = 1; i <= size.devices; i++) {
    const id = deviceId(i, size.devices);
    await registry.registerDevice({ deviceId: id, patientId: `patient-${id}`, gatewayId: 'bench-gateway', credentials: false, at: 0 });
  }
  registry.close();

  const common = {
    BUS: 'kafka',
    KAFKA_BROKERS: kafka.brokers.join(','),
    KAFKA_PARTITIONS: String(PARTITIONS),
    KAFKA_SESSION_TIMEOUT_MS: '10000',
    MQTT_URL: mosquitto.url,
    // BENCH_READINGS_STORE=sqlite: the same topology with SQLite storage (a comparison run that
    // shows what the InfluxDB store costs; the figures default to InfluxDB)
    ...(process.env.BENCH_READINGS_STORE === 'sqlite'
      ? { READINGS_STORE: 'sqlite' }
      : { READINGS_STORE: 'influxdb', INFLUX_URL: influx.url, INFLUX_API: 'v1', INFLUX_DATABASE: 'pulseproof' }),
    // The per-device limit is policy, not capacity: lifted so the figure is the pipeline's.
    MQTT_RATE_PER_DEVICE: '1000000',
    MQTT_RATE_BURST: '1000000',
    SIM_PATIENTS: '0',
  };
  const services = {};
  try {
    services.ingest1 = await startService('ingest', { ...common, DATA_DIR: ingestDir, INGEST_INSTANCE_ID: 'bench-ingest-1', KAFKA_CLIENT_ID: 'bench-ingest-1' });
    services.ingest2 = await startService('ingest', { ...common, DATA_DIR: ingestDir, INGEST_INSTANCE_ID: 'bench-ingest-2', KAFKA_CLIENT_ID: 'bench-ingest-2' });
    services.alerts = await startService('alerts', { ...common, DATA_DIR: join(root, 'alerts'), INGEST_INSTANCE_ID: 'bench-alerts', KAFKA_CLIENT_ID: 'bench-alerts' });
    services.anchor = await startService(
      'anchor',
      { ...common, MQTT_URL: '', DATA_DIR: join(root, 'anchor'), KAFKA_CLIENT_ID: 'bench-anchor', CHAIN_RPC_URL: anvil.rpcUrl, CHAIN_PRIVATE_KEY: anvil.privateKey, BATCH_MAX_AGE_MS: '1000' },
    );
    const observer = await startObserver(kafka.brokers);
    try {
      const load = { brokerUrl: mosquitto.url, devices: size.devices, durationMs: size.runMs, idPrefix: 'bench' };
      // Offered-rate steps, doubling: Mosquitto acknowledges a publish before PulseProof sees it, so
      // saturating the generator would measure Mosquitto and build a backlog. A step "keeps up" when
      // every acknowledged reading is seen stored and p99 publish-to-stored stays under 2 s; the
      // sustained rate is the highest step that kept up.
      const steps = [];
      for (let rate = size.firstRate; rate <= size.maxRate; rate *= 2) {
        const before = observer.state.count;
        observer.state.latencies = [];
        observer.state.recording = true;
        const [report] = await runChild([CHILD, 'load', JSON.stringify({ ...load, rate })]);
        const loadEnded = Date.now();
        const stored = (await settle(observer, before + report.acked, 10_000, 60_000)) - before;
        const drainMs = Date.now() - loadEnded;
        observer.state.recording = false;
        const latency = percentiles(observer.state.latencies);
        const keptUp = stored >= report.acked && latency.p99 !== null && latency.p99 < 2_000;
        steps.push({ offered: rate, published: report.acked, achieved: round(report.acked / (size.runMs / 1000)), stored, drainMs, keptUp, publishToStoredMs: latency });
        if (!keptUp) break;
      }
      const kept = steps.filter((s) => s.keptUp);
      const counted = await influx.query('SELECT count(seq) FROM readings', 'pulseproof');
      const cpu = Object.fromEntries(Object.entries(services).map(([name, s]) => [name, s.sampler.stop()]));
      return {
        steps,
        // readings sessions per ingest instance (MQTT_READINGS_CONNECTIONS; the config's default when unset)
        readingsConnections: Number(process.env.MQTT_READINGS_CONNECTIONS || 8),
        sustainedRate: kept.length ? kept[kept.length - 1].achieved : null,
        published: steps.reduce((n, s) => n + s.published, 0),
        stored: steps.reduce((n, s) => n + s.stored, 0),
        influxRows: counted?.results?.[0]?.series?.[0]?.values?.[0]?.[1] ?? null,
        cpuCores: Object.fromEntries(Object.entries(cpu).map(([n, c]) => [n, c.cpuCores])),
        rssPeakMb: Object.fromEntries(Object.entries(cpu).map(([n, c]) => [n, c.rssPeakMb])),
      };
    } finally {
      await observer.stop();
    }
  } finally {
    for (const s of Object.values(services)) {
      s.sampler.stop();
      await stopChild(s, 'SIGTERM', 15_000);
    }
    rmSync(root, { recursive: true, force: true });
  }
}

const fmt = (n) => (n === null || n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));
const lat = (l) => (l ? `${l.p50} / ${l.p99} / ${l.max} ms` : '-');

export function markdown(r) {
  const p = r.pipeline;
  return [
    `Servers: Kafka ${r.servers.kafka}, ${r.servers.partitions} partitions; Mosquitto ${r.servers.mosquitto}; readings stored in ${r.store === 'sqlite' ? 'SQLite (BENCH_READINGS_STORE=sqlite)' : `InfluxDB ${r.servers.influxdb}`}. ${r.devices} devices, ${r.runSeconds} s per step.`,
    '',
    '| path | rate (/s) | latency p50 / p99 / max |',
    '| --- | ---: | --- |',
    `| kafkajs raw produce, 1 message per send (acks=all) | ${fmt(r.kafkaRaw.single.rate)} | ${lat(r.kafkaRaw.single.sendLatencyMs)} (send) |`,
    `| kafkajs raw produce, 500 messages per send (acks=all) | ${fmt(r.kafkaRaw.batched.rate)} | ${lat(r.kafkaRaw.batched.sendLatencyMs)} (send) |`,
    `| Mosquitto raw QoS 1 forwarding, saturated | ${fmt(r.mosquittoRaw.saturated.forwarded)} | ${lat(r.mosquittoRaw.saturated.delivery)} (delivery) |`,
    `| Mosquitto raw QoS 1 forwarding, paced at ${fmt(r.mosquittoRaw.paced.offered)}/s | ${fmt(r.mosquittoRaw.paced.forwarded)} | ${lat(r.mosquittoRaw.paced.delivery)} (delivery) |`,
    `| **PulseProof, device to stored and on Kafka, sustained** (2 ingest × ${p.readingsConnections ?? 1} MQTT readings sessions; alerts and anchor running, not timed) | **${fmt(p.sustainedRate)}** | |`,
    '',
    'Device to stored, by offered rate (publish to stored: device time to the reading on vitals.readings, which ingest publishes after the store acknowledged it; a redelivered reading can be counted twice):',
    '',
    '| offered (/s) | published | stored | drain after the step | kept up | publish to stored p50 / p99 / max |',
    '| ---: | ---: | ---: | ---: | --- | --- |',
    ...p.steps.map((s) => `| ${fmt(s.offered)} | ${fmt(s.published)} | ${fmt(s.stored)} | ${fmt(s.drainMs)} ms | ${s.keptUp ? 'yes' : 'no'} | ${lat(s.publishToStoredMs)} |`),
    '',
    `InfluxDB holds ${fmt(p.influxRows)} readings after the steps (${fmt(p.published)} published). CPU over the run (cores): ${Object.entries(p.cpuCores).map(([n, c]) => `${n} ${c}`).join(', ')}; peak RSS (MB): ${Object.entries(p.rssPeakMb).map(([n, m]) => `${n} ${m}`).join(', ')}.`,
  ].join('\n');
}
