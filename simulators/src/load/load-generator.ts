import { mqttTopics } from '@pulseproof/contracts';
import mqtt, { IClientOptions, MqttClient } from 'mqtt';
import { DeviceTlsOptions } from '../device';
import { toDeviceMessage } from '../device-message';
import { SimulatorError, badOption, redactUrl } from '../errors';
import { PatientModel } from '../patient-model';
import { hashSeed } from '../random';

/**
 * Load mode: many devices from one process, publishing a fixed total rate of realistic readings.
 *
 * Connections open in waves (`wave` at a time, each wave settled before the next) so thousands of
 * sockets do not hit the broker's accept queue, or the process's file descriptors, at once. Every
 * device is one MQTT connection (one file descriptor): 5000 devices need `ulimit -n` above 5000.
 * Readings go round-robin over connected devices at `rate` per second in total; a device with
 * MAX_IN_FLIGHT_PER_DEVICE unacknowledged readings is skipped, so a slow broker shows up as a rate
 * below target instead of an unbounded queue in the generator.
 */
export interface LoadOptions {
  readonly brokerUrl: string;
  readonly devices: number;
  /** readings per second over all devices; Infinity: as fast as the broker acknowledges */
  readonly rate: number;
  readonly durationMs: number;
  readonly qos?: 0 | 1;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: DeviceTlsOptions;
  /** device ids are `<prefix>-<n>`; default "load" */
  readonly idPrefix?: string;
  readonly seed?: number | string;
  /** connections opened together; default 250 */
  readonly wave?: number;
  readonly connectTimeoutMs?: number;
  /** called about once a second while publishing */
  readonly onProgress?: (stats: LoadStats) => void;
  readonly progressEveryMs?: number;
  /** aborting ends the run early (Ctrl-C) */
  readonly signal?: AbortSignal;
  /** record publish-to-PUBACK latency of every reading (the report's `latencyMs`) */
  readonly recordLatency?: boolean;
}

export interface LoadStats {
  readonly devices: number;
  readonly connected: number;
  readonly connectErrors: number;
  readonly sent: number;
  readonly acked: number;
  readonly errors: number;
  readonly inFlight: number;
  /** ms since publishing started */
  readonly elapsedMs: number;
  /** acknowledged readings per second over the last progress window (the whole run in the report) */
  readonly rate: number;
}

export interface LoadReport extends LoadStats {
  readonly targetRate: number;
  readonly connectMs: number;
  /** publish to PUBACK, ms, over acknowledged readings (with recordLatency) */
  readonly latencyMs?: LatencySummary;
}

export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly samples: number;
}

function summarise(samples: number[]): LatencySummary | undefined {
  if (samples.length === 0) return undefined;
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 100) / 100;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1), samples: sorted.length };
}

export const MAX_IN_FLIGHT_PER_DEVICE = 20;
const TICK_MS = 10;
const STOP_WAIT_MS = 5000;

interface LoadDevice {
  readonly id: string;
  readonly topic: string;
  readonly client: MqttClient;
  readonly model: PatientModel;
  seq: number;
  inFlight: number;
  lastAt: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  if (!Number.isInteger(options.devices) || options.devices < 1) throw badOption(`devices must be a whole number >= 1 (got ${options.devices})`);
  if (!(options.rate > 0)) throw badOption(`rate must be > 0 readings/s (got ${options.rate})`);
  const counters = { sent: 0, acked: 0, errors: 0, connectErrors: 0 };
  const latencies: number[] = [];
  const connectStart = Date.now();
  const devices = await connectInWaves(options, counters);
  const connectMs = Date.now() - connectStart;
  if (devices.length === 0) {
    throw new SimulatorError('SIM_E_BROKER_UNREACHABLE', `no device could connect to ${redactUrl(options.brokerUrl)}`);
  }
  const qos = options.qos ?? 1;
  const startedAt = Date.now();
  const snapshot = (windowRate: number): LoadStats => ({
    devices: options.devices,
    connected: devices.filter((d) => d.client.connected).length,
    connectErrors: counters.connectErrors,
    sent: counters.sent,
    acked: counters.acked,
    errors: counters.errors,
    inFlight: counters.sent - counters.acked - counters.errors,
    elapsedMs: Date.now() - startedAt,
    rate: windowRate,
  });

  let cursor = 0;
  const publishOne = (): boolean => {
    for (let tries = 0; tries < devices.length; tries++) {
      const device = devices[cursor]!;
      cursor = (cursor + 1) % devices.length;
      if (device.inFlight >= MAX_IN_FLIGHT_PER_DEVICE || !device.client.connected) continue;
      const now = Date.now();
      const vitals = device.model.next(Math.max(0, now - device.lastAt));
      device.lastAt = now;
      const payload = JSON.stringify(toDeviceMessage(device.id, device.seq++, now, vitals));
      device.inFlight += 1;
      counters.sent += 1;
      const sentAt = options.recordLatency ? performance.now() : 0;
      device.client.publish(device.topic, payload, { qos }, (error) => {
        device.inFlight -= 1;
        if (error) counters.errors += 1;
        else {
          counters.acked += 1;
          if (options.recordLatency) latencies.push(performance.now() - sentAt);
        }
      });
      return true;
    }
    return false;
  };

  await new Promise<void>((resolve) => {
    let lastProgressAt = startedAt;
    let lastProgressAcked = 0;
    const every = options.progressEveryMs ?? 1000;
    const tick = setInterval(() => {
      const now = Date.now();
      const elapsed = now - startedAt;
      // at most one second of backlog, so a stall is not followed by a burst
      const due = Number.isFinite(options.rate)
        ? Math.min(Math.floor((options.rate * elapsed) / 1000) - counters.sent, Math.ceil(options.rate))
        : devices.length * MAX_IN_FLIGHT_PER_DEVICE - (counters.sent - counters.acked - counters.errors);
      for (let i = 0; i < due; i++) if (!publishOne()) break;
      if (options.onProgress && now - lastProgressAt >= every) {
        options.onProgress(snapshot(((counters.acked - lastProgressAcked) * 1000) / (now - lastProgressAt)));
        lastProgressAt = now;
        lastProgressAcked = counters.acked;
      }
      if (elapsed >= options.durationMs || options.signal?.aborted) finish();
    }, TICK_MS);
    const onAbort = () => finish();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    function finish() {
      clearInterval(tick);
      options.signal?.removeEventListener('abort', onAbort);
      resolve();
    }
  });

  const publishMs = Date.now() - startedAt;
  const waitUntil = Date.now() + STOP_WAIT_MS;
  while (counters.sent - counters.acked - counters.errors > 0 && Date.now() < waitUntil) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const final = snapshot(publishMs > 0 ? (counters.acked * 1000) / publishMs : 0);
  await Promise.all(devices.map((d) => new Promise<void>((resolve) => d.client.end(true, () => resolve()))));
  const latencyMs = summarise(latencies);
  return { ...final, elapsedMs: publishMs, targetRate: options.rate, connectMs, ...(latencyMs && { latencyMs }) };
}

async function connectInWaves(options: LoadOptions, counters: { connectErrors: number }): Promise<LoadDevice[]> {
  const wave = options.wave ?? 250;
  const prefix = options.idPrefix ?? 'load';
  const width = Math.max(5, String(options.devices).length);
  const connected: LoadDevice[] = [];
  let firstError: Error | undefined;
  for (let start = 0; start < options.devices; start += wave) {
    if (options.signal?.aborted) break;
    const ids = Array.from({ length: Math.min(wave, options.devices - start) }, (_, i) => `${prefix}-${String(start + i + 1).padStart(width, '0')}`);
    const results = await Promise.all(ids.map((id) => connectOne(id, options)));
    for (const result of results) {
      if (result instanceof Error) {
        counters.connectErrors += 1;
        firstError ??= result;
      } else connected.push(result);
    }
  }
  if ((firstError as NodeJS.ErrnoException | undefined)?.code === 'EMFILE') {
    throw new SimulatorError('SIM_E_BAD_OPTION', `out of file descriptors after ${connected.length} connections: raise ulimit -n above --devices`);
  }
  if (connected.length === 0 && firstError) {
    throw new SimulatorError('SIM_E_BROKER_UNREACHABLE', `could not reach the MQTT broker at ${redactUrl(options.brokerUrl)} (${firstError.message})`, {
      cause: firstError,
    });
  }
  return connected;
}

function connectOne(id: string, options: LoadOptions): Promise<LoadDevice | Error> {
  const clientOptions: IClientOptions = {
    clientId: id,
    // load runs are throwaway: no session left at the broker afterwards
    clean: true,
    protocolVersion: 4,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    reconnectPeriod: 1000,
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.tls ?? {}),
  };
  return new Promise((resolve) => {
    const client = mqtt.connect(options.brokerUrl, clientOptions);
    const done = (result: LoadDevice | Error) => {
      client.off('connect', onConnect);
      client.off('error', onError);
      if (result instanceof Error) client.end(true);
      else client.on('error', () => undefined);
      resolve(result);
    };
    const onConnect = () =>
      done({
        id,
        topic: mqttTopics.readings(id),
        client,
        model: new PatientModel({ seed: hashSeed(`${options.seed ?? 42}:load:${id}`) }),
        seq: Date.now(),
        inFlight: 0,
        lastAt: Date.now(),
      });
    const onError = (error: Error) => done(error);
    client.on('connect', onConnect);
    client.on('error', onError);
    setTimeout(() => {
      if (!client.connected) done(new Error('connect timed out'));
    }, (options.connectTimeoutMs ?? 10_000) + 100).unref();
  });
}
