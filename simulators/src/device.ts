import mqtt, { IClientOptions, MqttClient } from 'mqtt';
import { mqttTopics } from '@pulseproof/contracts';
import { DeviceKind, composeReading } from './device-reading';
import { describeConnectionFailure, firstConnection, tlsClientOptions } from './device-connection';
import { badOption, redactUrl } from './errors';
import { PatientModel } from './patient-model';
import { SeededRandom } from './random';
import { DeviceFaults, FLAP_PERIOD_MS } from './scenarios/device-faults';
import { TimelineEvent } from './scenarios/names';
import { WearableModel } from './wearable-model';

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
  /** default 'monitor' */
  readonly kind?: DeviceKind;
  /** device scenarios (sensor-detached, battery-drain, network-flapping, clock-drift) in simulated time */
  readonly timeline?: readonly TimelineEvent[];
  /** seed of the device's own randomness (battery level, wearable motion and position); default deviceId */
  readonly seed?: number | string;
  /** simulated time runs this many times faster than the clock (model and scenarios); default 1 */
  readonly speed?: number;
  /** MQTT QoS of each reading; default 1 (at least once). At QoS 0 "acked" counts readings written to the socket. */
  readonly qos?: 0 | 1;
  /** TLS material for mqtts:// (PEM contents, passed to mqtt.js / tls.connect) */
  readonly tls?: DeviceTlsOptions;
  /**
   * Announce presence on the device's status topic: `online` (retained) on each connection,
   * `offline` (retained) as the last will and on a clean stop; default true.
   */
  readonly announceStatus?: boolean;
}

export interface DeviceTlsOptions {
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** default true; false only for a test broker with a self-signed certificate */
  readonly rejectUnauthorized?: boolean;
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
  /** readings sent again after the client failed them on a dropped connection before any acknowledgement */
  readonly resent: number;
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
  private resent = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastConnectionError: Error | undefined;
  private idleWaiters: Array<() => void> = [];
  /** resolvers of publishReading promises still waiting for their PUBACK */
  private readonly awaitingAck = new Set<(acked: boolean) => void>();
  private readonly kind: DeviceKind;
  private readonly faults: DeviceFaults;
  private readonly wearable: WearableModel | undefined;
  private readonly speed: number;
  private lastDropAt = -Infinity;

  constructor(private readonly options: DeviceOptions) {
    this.deviceId = options.deviceId;
    this.clock = options.clock ?? Date.now;
    this.lastModelAt = options.startedAt ?? this.clock();
    this.kind = options.kind ?? 'monitor';
    this.speed = options.speed ?? 1;
    if (!(Number.isFinite(this.speed) && this.speed > 0)) throw badOption(`speed must be a number > 0 (got ${this.speed})`);
    const random = new SeededRandom(options.seed ?? options.deviceId);
    this.faults = new DeviceFaults(options.timeline ?? [], random.derive('faults'), this.kind === 'wearable');
    this.wearable = this.kind === 'wearable' ? new WearableModel(random.derive('wearable')) : undefined;
  }

  private get announcesStatus(): boolean {
    return this.options.announceStatus ?? true;
  }

  get poweredOff(): boolean {
    return this.faults.at(this.options.model.elapsedMs).poweredOff;
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
      ...tlsClientOptions(this.options.tls),
      // The broker publishes the will when the connection drops without a DISCONNECT
      // [MQTT-3.1.2-8]; retained, so whoever subscribes later sees the current state.
      ...(this.announcesStatus && { will: { topic: mqttTopics.status(deviceId), payload: Buffer.from('offline'), qos: 1 as const, retain: true } }),
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
    if (this.announcesStatus) client.on('connect', () => client.publish(mqttTopics.status(deviceId), 'online', { qos: 1, retain: true }));

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
    const model = this.options.model;
    const dtMs = Math.max(0, now - this.lastModelAt) * this.speed;
    const vitals = model.next(dtMs);
    this.lastModelAt = Math.max(this.lastModelAt, now);
    const faults = this.faults.at(model.elapsedMs);
    // a flat battery: the device is off, it measures and sends nothing
    if (faults.poweredOff) return Promise.resolve(false);
    if (faults.networkFlapping) this.flap(client, now);
    const extras = this.wearable?.next(dtMs, faults.sensorDetached || model.scenario === 'cardiac-arrest');
    const seq = this.nextSeq++;
    const message = composeReading(this.deviceId, seq, now + faults.clockOffsetMs, {
      kind: this.kind,
      vitals,
      unmeasurable: model.unmeasurable(),
      faults,
      ...(extras ? { extras } : {}),
    });
    const payload = JSON.stringify(message);
    const qos = this.options.qos ?? 1;
    this.lastSeq = seq;
    this.sent += 1;
    return new Promise((resolve) => {
      this.awaitingAck.add(resolve);
      const send = (): void => {
        client.publish(mqttTopics.readings(this.deviceId), payload, { qos }, (error) => {
          if (!this.awaitingAck.has(resolve)) return; // already settled by stop()
          // mqtt.js holds a publish made while it replays its session after a reconnection in a
          // queue outside its store, and fails it with "Connection closed" when the link drops
          // again before the replay ends. The reading was never acknowledged, so the device keeps
          // it and sends it again once the session is back, as real firmware does; only a client
          // being stopped gives up.
          if (error && qos > 0 && this.client === client && !client.disconnecting) {
            this.resent += 1;
            if (client.connected) setTimeout(send, this.options.reconnectPeriodMs ?? DEFAULT_RECONNECT_PERIOD_MS).unref();
            else client.once('connect', send);
            return;
          }
          this.awaitingAck.delete(resolve);
          if (error) this.errors += 1;
          else this.acked += 1;
          this.notifyIfIdle();
          resolve(!error);
        });
      };
      send();
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

  /**
   * Network flapping: at most every FLAP_PERIOD_MS of the device clock, cut the TCP connection as a
   * lost Wi-Fi link would; the client comes back after reconnectPeriodMs. mqtt.js keeps
   * unacknowledged QoS 1 PUBLISHes in its store and resends them on reconnection with DUP set
   * ([MQTT-4.4.0-1]); readings taken while down wait in its queue.
   */
  private flap(client: MqttClient, now: number): void {
    if (!client.connected || now - this.lastDropAt < FLAP_PERIOD_MS) return;
    this.lastDropAt = now;
    client.stream.destroy();
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
      resent: this.resent,
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
    // A clean DISCONNECT discards the will [MQTT-3.1.2-10]: say offline ourselves.
    let statusPending = false;
    if (this.announcesStatus && client.connected) {
      statusPending = true;
      await Promise.race([
        client.publishAsync(mqttTopics.status(this.deviceId), 'offline', { qos: 1, retain: true }).then(
          () => (statusPending = false),
          () => (statusPending = false),
        ),
        new Promise((r) => setTimeout(r, Math.min(timeoutMs, 1_000))),
      ]);
    }
    await new Promise<void>((resolve) => client.end(this.inFlight() > 0 || statusPending, () => resolve()));
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
