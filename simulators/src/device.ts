import mqtt, { IClientOptions, MqttClient } from 'mqtt';
import { mqttTopics } from '@pulseproof/contracts';
import { toDeviceMessage } from './device-message';
import { SimulatorError, badOption, redactUrl } from './errors';
import { PatientModel } from './patient-model';

/**
 * One simulated bedside monitor: an MQTT client that publishes its patient's vitals the way a real
 * device does (wire format v1, QoS 1, its own topic, its own sequence counter).
 */
export interface DeviceOptions {
  readonly brokerUrl: string;
  /** also the MQTT client id, so the broker keeps one persistent session per device */
  readonly deviceId: string;
  readonly model: PatientModel;
  readonly username?: string;
  readonly password?: string;
  /** the device's clock, ms since epoch: stamps `ts` and drives the model; default Date.now */
  readonly clock?: () => number;
  /** the clock value at which the model's time 0 lies (the fleet's start); default clock() now */
  readonly startedAt?: number;
  /** give up on the first connection after this long, ms; default 5000 */
  readonly connectTimeoutMs?: number;
  /** wait between reconnection attempts after a lost connection, ms; default 1000 */
  readonly reconnectPeriodMs?: number;
}

export interface DeviceStats {
  readonly deviceId: string;
  /** readings handed to the MQTT client */
  readonly sent: number;
  /** readings the broker acknowledged (PUBACK) */
  readonly acked: number;
  /** readings whose publish failed */
  readonly errors: number;
  /** sent, neither acknowledged nor failed yet (queued offline or awaiting PUBACK) */
  readonly inFlight: number;
  readonly lastSeq: number | undefined;
  readonly connected: boolean;
  /** reconnection attempts after the first connection */
  readonly reconnects: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
export const DEFAULT_RECONNECT_PERIOD_MS = 1000;

export class SimulatedDevice {
  readonly deviceId: string;
  private readonly clock: () => number;
  private client: MqttClient | undefined;
  private lastModelAt: number;
  /**
   * Sequence numbers must increase strictly across the device's life, restarts included, and the
   * simulator keeps no state on disk. So the counter starts at the wall clock in ms and adds one per
   * reading: a device publishes far less than once per millisecond, so after any restart the clock
   * has moved past every number the previous run used.
   */
  private nextSeq = Date.now();
  private lastSeq: number | undefined;
  private sent = 0;
  private acked = 0;
  private errors = 0;
  private reconnects = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastConnectionError: Error | undefined;
  private idleWaiters: Array<() => void> = [];
  /** resolvers of publishReading promises still waiting for their PUBACK */
  private readonly awaitingAck = new Set<(acked: boolean) => void>();

  constructor(private readonly options: DeviceOptions) {
    this.deviceId = options.deviceId;
    this.clock = options.clock ?? Date.now;
    this.lastModelAt = options.startedAt ?? this.clock();
  }

  /** Opens the MQTT session; rejects with a SimulatorError when the broker cannot be reached or refuses. */
  async connect(): Promise<void> {
    if (this.client) return;
    const { brokerUrl, deviceId, username, password } = this.options;
    const clientOptions: IClientOptions = {
      clientId: deviceId,
      // A persistent session ([MQTT-3.1.2-4]): on reconnection the client re-sends every QoS 1
      // PUBLISH not yet acknowledged, with its original packet id ([MQTT-4.4.0-1]), so readings queued
      // or in flight during an outage arrive later. mqtt.js keeps them in its in-memory store.
      clean: false,
      protocolVersion: 4,
      connectTimeout: this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      reconnectPeriod: this.options.reconnectPeriodMs ?? DEFAULT_RECONNECT_PERIOD_MS,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
    };
    let client: MqttClient;
    try {
      client = mqtt.connect(brokerUrl, clientOptions);
    } catch (error) {
      throw badOption(`broker URL ${redactUrl(brokerUrl)} is not usable: ${(error as Error).message}`);
    }
    this.client = client;
    // Without a listener an 'error' event would throw; connection errors are retried by the client.
    client.on('error', (error) => {
      this.lastConnectionError = error;
    });
    client.on('reconnect', () => {
      this.reconnects += 1;
    });
    try {
      await firstConnection(client, () => this.lastConnectionError);
    } catch (error) {
      client.end(true);
      this.client = undefined;
      throw describeConnectionFailure(error as Error, brokerUrl, deviceId);
    }
  }

  /**
   * Measures now and publishes one reading at QoS 1. Resolves true once the broker acknowledged it,
   * false when the publish failed or stop() gave up on it; rejects only when the device is not
   * connected. While the connection is down the client keeps the reading and sends it after
   * reconnecting, so the promise may wait that long.
   */
  publishReading(): Promise<boolean> {
    const client = this.client;
    if (!client) return Promise.reject(new Error(`device ${this.deviceId} is not connected; call connect() first`));
    const now = this.clock();
    const vitals = this.options.model.next(Math.max(0, now - this.lastModelAt));
    this.lastModelAt = Math.max(this.lastModelAt, now);
    const seq = this.nextSeq++;
    const payload = JSON.stringify(toDeviceMessage(this.deviceId, seq, now, vitals));
    this.lastSeq = seq;
    this.sent += 1;
    return new Promise((resolve) => {
      this.awaitingAck.add(resolve);
      client.publish(mqttTopics.readings(this.deviceId), payload, { qos: 1 }, (error) => {
        if (!this.awaitingAck.delete(resolve)) return; // already settled by stop()
        if (error) this.errors += 1;
        else this.acked += 1;
        this.notifyIfIdle();
        resolve(!error);
      });
    });
  }

  /** Publishes every intervalMs, the first reading after firstDelayMs. */
  startPublishing(intervalMs: number, firstDelayMs = 0): void {
    if (!this.client) throw new Error(`device ${this.deviceId} is not connected; call connect() first`);
    this.stopPublishing();
    const tick = () => void this.publishReading();
    this.timer = setTimeout(() => {
      tick();
      this.timer = setInterval(tick, intervalMs);
    }, firstDelayMs);
  }

  stopPublishing(): void {
    // clearTimeout and clearInterval are interchangeable in Node; one call covers both phases.
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  stats(): DeviceStats {
    return {
      deviceId: this.deviceId,
      sent: this.sent,
      acked: this.acked,
      errors: this.errors,
      inFlight: this.inFlight(),
      lastSeq: this.lastSeq,
      connected: this.client?.connected ?? false,
      reconnects: this.reconnects,
    };
  }

  /**
   * Stops publishing, waits up to timeoutMs for readings in flight to be acknowledged, then
   * disconnects (DISCONNECT when the connection is up). Readings still unacknowledged at the
   * timeout stay counted as in flight: they are lost with the process, as on a real power-off.
   */
  async stop(timeoutMs = 5000): Promise<void> {
    this.stopPublishing();
    const client = this.client;
    if (!client) return;
    await this.waitForIdle(timeoutMs);
    await new Promise<void>((resolve) => client.end(this.inFlight() > 0, () => resolve()));
    this.client = undefined;
    // A forced end never calls back for the readings it dropped; settle their promises here.
    for (const resolve of this.awaitingAck) resolve(false);
    this.awaitingAck.clear();
  }

  private inFlight(): number {
    return this.sent - this.acked - this.errors;
  }

  private waitForIdle(timeoutMs: number): Promise<void> {
    if (this.inFlight() === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timeout);
        this.idleWaiters = this.idleWaiters.filter((waiter) => waiter !== finish);
        resolve();
      };
      const timeout = setTimeout(finish, timeoutMs);
      this.idleWaiters.push(finish);
    });
  }

  private notifyIfIdle(): void {
    if (this.inFlight() !== 0) return;
    for (const waiter of this.idleWaiters.splice(0)) waiter();
  }
}

/** Resolves on the first CONNACK; rejects on an error or when the first attempt closes without one. */
function firstConnection(client: MqttClient, lastError: () => Error | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onConnect = () => settle(() => resolve());
    const onError = (error: Error) => settle(() => reject(error));
    const onClose = () =>
      settle(() => reject(lastError() ?? new Error('the connection closed before the broker answered CONNECT')));
    function settle(action: () => void) {
      client.off('connect', onConnect);
      client.off('error', onError);
      client.off('close', onClose);
      action();
    }
    client.on('connect', onConnect);
    client.on('error', onError);
    client.on('close', onClose);
  });
}

/** CONNACK return codes that mean "the broker is there and said no" ([MQTT-3.2.2.3]; MQTT 5 reason codes). */
const REFUSED_CODES = new Set<number | string>([1, 2, 3, 4, 5, 0x85, 0x86, 0x87, 0x8c]);

function describeConnectionFailure(error: Error, brokerUrl: string, deviceId: string): SimulatorError {
  const url = redactUrl(brokerUrl);
  const code = (error as Error & { code?: number | string }).code;
  if (code !== undefined && REFUSED_CODES.has(code)) {
    return new SimulatorError(
      'SIM_E_BROKER_REJECTED',
      `the MQTT broker at ${url} refused device ${deviceId}: ${error.message}`,
      { cause: error },
    );
  }
  const reason = typeof code === 'string' ? code : error.message;
  return new SimulatorError('SIM_E_BROKER_UNREACHABLE', `could not reach the MQTT broker at ${url} (${reason})`, {
    cause: error,
  });
}
