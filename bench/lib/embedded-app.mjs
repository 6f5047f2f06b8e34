// The built PulseProof (app/dist/main.js) in embedded mode in a child process, with the load devices
// registered behind one gateway identity the generator signs in as. The pipeline and ingest suites use it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ingest from '@pulseproof/ingest';
import { MAIN, freePort, startChild, stopChild } from './children.mjs';

const { SqliteDeviceRegistry } = ingest;
const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, verbose: () => undefined };

export const deviceId = (i, devices) => `bench-${String(i).padStart(Math.max(5, String(devices).length), '0')}`;

/**
 * Starts the app with `devices` load devices registered. `nodeArgs` (e.g. --cpu-prof) go before the
 * script. Anchor batches close after `batchMaxAgeMs` (BATCH_MAX_AGE_MS), so publish-to-anchored
 * includes up to that wait by design.
 */
export async function startApp({ devices, batchMaxAgeMs, nodeArgs = [], env = {} }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'pp-bench-app-'));
  const registry = new SqliteDeviceRegistry(join(dataDir, 'devices.sqlite'), { logger: quiet });
  const gateway = await registry.registerPrincipal('gateway', 'bench-gateway');
  for (let i = 1; i <= devices; i++) {
    const id = deviceId(i, devices);
    await registry.registerDevice({ deviceId: id, patientId: `patient-${id}`, gatewayId: 'bench-gateway', credentials: false, at: 0 });
  }
  registry.close();
  const [httpPort, mqttPort] = [await freePort(), await freePort()];
  const appEnv = {
    DATA_DIR: dataDir,
    PORT: String(httpPort),
    MQTT_PORT: String(mqttPort),
    SIM_PATIENTS: '0',
    SIM_AMBULANCES: '0',
    MQTT_AUTH: process.env.BENCH_MQTT_AUTH ?? 'required',
    // The per-device limit is policy, not capacity: lifted so the figure is the pipeline's.
    MQTT_RATE_PER_DEVICE: '1000000',
    MQTT_RATE_BURST: '1000000',
    BATCH_MAX_AGE_MS: String(batchMaxAgeMs),
    ...env,
  };
  let app;
  try {
    app = await startChild([...nodeArgs, MAIN], appEnv, (out) => (out.includes('Press Ctrl-C to stop.') ? true : undefined), 120_000);
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const anvilPid = Number(/embedded anvil \(pid (\d+)\)/.exec(app.output())?.[1]) || undefined;
  return {
    dataDir,
    pid: app.child.pid,
    anvilPid,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    target: { brokerUrl: `mqtt://127.0.0.1:${mqttPort}`, idPrefix: 'bench', ...gateway },
    output: app.output,
    /** stops the app (SIGINT: a clean stop, which also writes a --cpu-prof profile) and removes its data unless `keepData` */
    async stop({ keepData = false } = {}) {
      await stopChild(app, 'SIGINT', 30_000);
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
