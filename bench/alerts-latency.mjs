// Device publish to alert raised (issue 5, item 6): the built app in a child process (embedded
// broker, bus, ingest, anchor, alerts), the simulators' load generator in another, and this process
// as probe devices and a ward console: each probe publishes one reading that scores NEWS2 high and
// times the alert's arrival on the console's MQTT subscription (same clock at both ends).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import contracts from '@pulseproof/contracts';
import ingest from '@pulseproof/ingest';
import simulators from '@pulseproof/simulators';

const { mqttTopics } = contracts;
const { SqliteDeviceRegistry } = ingest;
const { toDeviceMessage } = simulators;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GATEWAY = 'bench-gateway';
const CONSOLE = 'bench-console';
/** every parameter NEWS2 scores 3 (RCP 2017, Chart 1): RR >= 25, SpO2 <= 91, SBP <= 90, HR >= 131; T >= 39.1 scores 2 */
const CRITICAL = { heart_rate: 135, spo2: 85, respiratory_rate: 30, systolic_bp: 85, diastolic_bp: 55, temperature: 39.5 };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const pad = (n, width) => String(n).padStart(width, '0');
const loadDeviceIds = (count) => Array.from({ length: count }, (_, i) => `bench-load-${pad(i + 1, Math.max(5, String(count).length))}`);

/**
 * Devices and patients, in the registry file the app opens. With the registry of issue 3 (MQTT auth
 * on by default), the devices sit behind one gateway identity and a console identity subscribes;
 * with the older registry (or BENCH_MQTT_AUTH=off), devices are only assigned and the broker runs
 * without auth.
 */
async function register(dataDir, deviceIds, authOff) {
  const registry = new SqliteDeviceRegistry(join(dataDir, 'devices.sqlite'));
  try {
    if (authOff || typeof registry.registerPrincipal !== 'function') {
      for (const deviceId of deviceIds) registry.assign(deviceId, deviceId.replace(/^bench-/, 'pt-'));
      return { auth: 'off' };
    }
    const gateway = await registry.registerPrincipal('gateway', GATEWAY);
    const consoleCredentials = await registry.registerPrincipal('console', CONSOLE);
    const at = Date.now() - 60_000;
    // a long reporting interval: the pause between two runs is not a silent device (no technical alarm storm)
    for (const deviceId of deviceIds) {
      await registry.registerDevice({ deviceId, patientId: deviceId.replace(/^bench-/, 'pt-'), gatewayId: GATEWAY, credentials: false, intervalMs: 3_600_000, at });
    }
    return { auth: 'required', gateway, console: consoleCredentials };
  } finally {
    registry.close();
  }
}

/** `node app/dist/main.js` in its own data folder, until it says it is running. */
async function startApp(dataDir, env) {
  const child = spawn(process.execPath, [join(ROOT, 'app/dist/main.js')], {
    cwd: dataDir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the app did not start within 90 s:\n${output.slice(-2000)}`)), 90_000);
    const onData = (chunk) => {
      output += chunk;
      if (output.includes('Press Ctrl-C')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => (output += chunk));
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the app exited (${code ?? signal}) while starting:\n${output.slice(-2000)}`));
    });
  });
  return {
    async stop() {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The simulators' load generator (`pulseproof-sim load`) in its own process. */
function startLoad({ mqttUrl, devices, rate, seconds, credentials }) {
  const args = [join(ROOT, 'simulators/bin/pulseproof-sim.js'), 'load', '--url', mqttUrl, '--devices', String(devices), '--rate', String(rate),
    '--duration', String(seconds), '--id-prefix', 'bench-load', '--capacity-seconds', '0'];
  if (credentials) args.push('--username', credentials.username);
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH, ...(credentials && { PULSEPROOF_SIM_PASSWORD: credentials.password }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let publishing;
  const started = new Promise((resolve) => (publishing = resolve));
  child.stdout.on('data', (chunk) => {
    output += chunk;
    if (/^\[\s*\d/m.test(output)) publishing();
  });
  child.stderr.on('data', (chunk) => (output += chunk));
  const done = new Promise((resolve) =>
    child.once('exit', (code) => {
      publishing();
      const summary = /([\d.]+) acked\/s of [\d.]+ targeted/.exec(output);
      resolve({ code, achievedRate: summary ? Number(summary[1]) : 0, output: output.slice(-1500) });
    }),
  );
  return { started, done, kill: () => child.kill('SIGKILL') };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** One offered rate: load for `seconds`, probes spread over it, then a grace period for late alerts. */
/**
 * From the app's /api/health: readings alerts has not handled yet, and how many alert events
 * delivery has taken so far (the probes' alerts and any others: technical alarms of load devices).
 */
async function appCounters(httpUrl) {
  try {
    const health = await (await fetch(`${httpUrl}/api/health`)).json();
    const delivery = health.components?.['alert-delivery']?.detail;
    return {
      lag: health.components?.alerts?.detail?.lag ?? health.components?.bus?.detail?.alertsLag ?? null,
      events: delivery ? delivery.pending + delivery.deliveredLastHour + delivery.failedLastHour : null,
    };
  } catch {
    return { lag: null, events: null };
  }
}

// the API is behind sign-in (issue 7): the bench reads it as an admin
const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const benchAuth = { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` };

/**
 * Where the time between "raised" and "at the console" went, from the app's own delivery records:
 * raised -> taken by delivery (the bus hop), taken -> published to the broker (the outbox).
 */
async function deliverySplit(httpUrl, patientPrefix) {
  try {
    const rows = await (await fetch(`${httpUrl}/api/alerts/deliveries?channel=mqtt&limit=1000`, { headers: benchAuth })).json();
    const hop = [];
    const outbox = [];
    for (const row of rows) {
      if (!row.eventId.includes(`:${patientPrefix}`) || row.finishedAt === null) continue;
      const updatedAt = Number(row.eventId.slice(row.eventId.lastIndexOf('@') + 1));
      hop.push(Date.parse(row.createdAt) - updatedAt);
      outbox.push(Date.parse(row.finishedAt) - Date.parse(row.createdAt));
    }
    hop.sort((a, b) => a - b);
    outbox.sort((a, b) => a - b);
    return { busHopP50Ms: percentile(hop, 50), outboxP50Ms: percentile(outbox, 50) };
  } catch {
    return { busHopP50Ms: null, outboxP50Ms: null };
  }
}

/** Every alert the app raised during the runs, by type and priority (probes' and load devices'). */
async function alertsByType(httpUrl) {
  try {
    const alerts = await (await fetch(`${httpUrl}/api/alerts?state=all&limit=1000`, { headers: benchAuth })).json();
    const counts = {};
    for (const a of alerts) counts[`${a.type}/${a.priority}`] = (counts[`${a.type}/${a.priority}`] ?? 0) + 1;
    return counts;
  } catch {
    return null;
  }
}

async function measureLevel({ level, rate, seconds, devices, probes, probeClient, alerts, mqttUrl, httpUrl, credentials, graceMs }) {
  // rate 0: the probes alone, the floor the loaded figures sit on
  const before = await appCounters(httpUrl);
  const load = rate > 0 ? startLoad({ mqttUrl, devices, rate, seconds, credentials }) : { started: Promise.resolve(), done: sleep(0).then(() => ({ code: 0, achievedRate: 0 })) };
  await load.started;
  // the app's event loop: a health request waits for it as an alert's publish does
  const stalls = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const t = Date.now();
      await fetch(`${httpUrl}/api/health`).then((r) => r.arrayBuffer()).catch(() => undefined);
      stalls.push(Date.now() - t);
      await sleep(250);
    }
  })();
  const probeIds = Array.from({ length: probes }, (_, i) => `bench-probe-${level}-${pad(i + 1, 4)}`);
  const spacingMs = ((seconds - 1) * 1000) / probes;
  for (const deviceId of probeIds) {
    const patientId = deviceId.replace(/^bench-/, 'pt-');
    const payload = JSON.stringify(toDeviceMessage(deviceId, 1, Date.now(), CRITICAL));
    alerts.sentAt.set(patientId, Date.now());
    probeClient.publish(mqttTopics.readings(deviceId), payload, { qos: 1 });
    await sleep(spacingMs);
  }
  const loadResult = await load.done;
  sampling = false;
  await sampler;
  stalls.sort((a, b) => a - b);
  const afterLoad = await appCounters(httpUrl);
  const patients = probeIds.map((d) => d.replace(/^bench-/, 'pt-'));
  const deadline = Date.now() + graceMs;
  while (patients.some((p) => !alerts.latency.has(p)) && Date.now() < deadline) await sleep(50);
  const latencies = patients.filter((p) => alerts.latency.has(p)).map((p) => alerts.latency.get(p)).sort((a, b) => a - b);
  const deliveries = patients.filter((p) => alerts.delivery.has(p)).map((p) => alerts.delivery.get(p)).sort((a, b) => a - b);
  return {
    offeredRate: rate,
    achievedRate: loadResult.achievedRate,
    offeredReached: loadResult.achievedRate >= 0.95 * rate,
    loadDevices: devices,
    seconds,
    probes,
    alerted: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? null,
    raisedToConsoleP50Ms: percentile(deliveries, 50),
    raisedToConsoleP99Ms: percentile(deliveries, 99),
    healthRoundTripP50Ms: percentile(stalls, 50),
    healthRoundTripMaxMs: stalls.at(-1) ?? null,
    alertsLagAfterLoad: afterLoad.lag,
    alertEventsDuringLoad: before.events === null || afterLoad.events === null ? null : afterLoad.events - before.events,
    ...(await deliverySplit(httpUrl, `pt-probe-${level}-`)),
    ...(loadResult.code === 0 ? {} : { loadError: loadResult.output }),
  };
}

export async function runLatency({ quick, smoke }) {
  const levels = smoke ? [0, 1_000] : [0, 1_000, 10_000];
  const seconds = smoke ? 1 : quick ? 5 : 30;
  const devices = smoke ? 20 : quick ? 250 : 1_000;
  const probes = smoke ? 5 : quick ? 40 : 300;
  const dataDir = mkdtempSync(join(tmpdir(), 'pulseproof-bench-alerts-'));
  const [httpPort, mqttPort] = [await freePort(), await freePort()];
  const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
  const probeDevices = levels.flatMap((level) => Array.from({ length: probes }, (_, i) => `bench-probe-${level}-${pad(i + 1, 4)}`));
  const identities = await register(dataDir, [...loadDeviceIds(devices), ...probeDevices], process.env.BENCH_MQTT_AUTH === 'off');
  let app;
  const clients = [];
  try {
    app = await startApp(dataDir, {
      DATA_DIR: dataDir, ADMIN_API_TOKEN: BENCH_ADMIN_TOKEN, PORT: String(httpPort), MQTT_PORT: String(mqttPort), SIM_PATIENTS: '0', MQTT_AUTH: identities.auth,
      // the benchmark measures the pipeline, not the per-device rate limit (a device here sends up to 40/s)
      MQTT_RATE_PER_DEVICE: '1000', MQTT_RATE_BURST: '2000',
    });
    const connect = (clientId, credentials) =>
      new Promise((resolve, reject) => {
        const client = mqtt.connect(mqttUrl, { clientId, protocolVersion: 4, reconnectPeriod: 1000, ...(credentials && { username: credentials.username, password: credentials.password }) });
        client.on('error', (error) => {
          if (client.connected) return;
          client.end(true);
          reject(new Error(`${clientId} could not connect to the app's broker (MQTT auth ${identities.auth}): ${error.message}`));
        });
        client.once('connect', () => resolve(client));
      });
    const consoleClient = await connect(CONSOLE, identities.console);
    clients.push(consoleClient);
    const alerts = { sentAt: new Map(), latency: new Map(), delivery: new Map() };
    consoleClient.on('message', (_topic, payload) => {
      const receivedAt = Date.now();
      const event = JSON.parse(payload.toString('utf8'));
      const sentAt = alerts.sentAt.get(event.patientId);
      // the alert the probe's reading raised (its id is `<deviceId>:<seq>`, seq 1), not another one
      const probeReading = `${event.patientId.replace(/^pt-/, 'bench-')}:1`;
      if (sentAt !== undefined && event.state === 'active' && event.readingId === probeReading && !alerts.latency.has(event.patientId)) {
        alerts.latency.set(event.patientId, receivedAt - sentAt);
        // the app stamps updatedAt when it raises the alert (same machine, same clock): the split
        // between "reading to alert raised" and "alert raised to the console"
        alerts.delivery.set(event.patientId, receivedAt - event.updatedAt);
      }
    });
    await consoleClient.subscribeAsync(mqttTopics.alertsFilter, { qos: 1 });
    const probeClient = await connect('bench-probe', identities.gateway);
    clients.push(probeClient);

    const results = [];
    for (const rate of levels) {
      results.push(await measureLevel({ level: rate, rate, seconds, devices, probes, probeClient, alerts, mqttUrl, httpUrl: `http://127.0.0.1:${httpPort}`, credentials: identities.gateway, graceMs: smoke || quick ? 8_000 : 60_000 }));
    }
    return { auth: identities.auth, levels: results, alertsByType: await alertsByType(`http://127.0.0.1:${httpPort}`) };
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
