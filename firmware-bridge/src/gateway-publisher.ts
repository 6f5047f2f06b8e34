import mqtt, { IClientOptions, MqttClient } from 'mqtt';
import { mqttTopics } from '@pulseproof/contracts';
import { DiskBuffer } from './disk-buffer';

/**
 * The gateway's one MQTT session: drains the disk buffer in order, at QoS 1, on each reading's
 * device topic. A reading leaves the buffer only on its PUBACK.
 *
 * Order across an outage: with a persistent session (clean session off, [MQTT-3.1.2-4]) mqtt.js
 * re-sends the unacknowledged PUBLISHes first after reconnecting ([MQTT-4.4.0-1]) and only then
 * emits 'connect', where this class resumes with the next buffered reading. New readings are only
 * handed to the client while it is connected, so an outage grows the disk buffer, not memory.
 */
export interface GatewayPublisherOptions {
  readonly url: string;
  /** the gateway's identity; one persistent session per gateway */
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  readonly maxInFlight: number;
  /** wait between reconnection attempts, ms; default 1000 */
  readonly reconnectPeriodMs?: number;
  /** give up on one connection attempt after this long, ms; default 5000 */
  readonly connectTimeoutMs?: number;
}

export interface GatewayPublisherEvents {
  connected(): void;
  /** the connection went away or could not be made; the client keeps retrying */
  disconnected(reason: string): void;
  published(deviceId: string): void;
}

export class GatewayPublisher {
  private client: MqttClient | undefined;
  private inFlight = 0;
  private publishedTotal = 0;
  private lastError: string | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly buffer: DiskBuffer,
    private readonly options: GatewayPublisherOptions,
    private readonly events: Partial<GatewayPublisherEvents> = {},
  ) {}

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Readings acknowledged by the broker since start. */
  get published(): number {
    return this.publishedTotal;
  }

  get unacknowledged(): number {
    return this.inFlight;
  }

  /** Connects in the background: an unreachable broker is retried, readings wait on disk meanwhile. */
  start(): void {
    if (this.client) return;
    const { url, clientId, username, password } = this.options;
    const clientOptions: IClientOptions = {
      clientId,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: this.options.reconnectPeriodMs ?? 1000,
      connectTimeout: this.options.connectTimeoutMs ?? 5000,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
    };
    const client = mqtt.connect(url, clientOptions);
    this.client = client;
    client.on('connect', () => {
      this.lastError = undefined;
      this.events.connected?.();
      this.pump();
    });
    client.on('error', (error) => {
      this.lastError = error.message;
    });
    // 'close' follows every failed reconnection attempt too: report the outage once, not per attempt.
    let reported = false;
    client.on('connect', () => (reported = false));
    client.on('close', () => {
      if (reported) return;
      reported = true;
      this.events.disconnected?.(this.lastError ?? 'connection closed');
    });
  }

  /** Stores the reading on disk, then publishes it when its turn comes; returns readings dropped to make room. */
  enqueue(deviceId: string, payload: string): number {
    const dropped = this.buffer.append(deviceId, payload);
    this.pump();
    return dropped;
  }

  /** Resolves once the buffer is empty and nothing awaits a PUBACK, or after timeoutMs. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.idle()) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((waiter) => waiter !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
    });
  }

  /** Closes the session; readings not acknowledged stay on disk for the next start. */
  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.endAsync(true);
  }

  private pump(): void {
    const client = this.client;
    if (!client?.connected) return;
    for (const row of this.buffer.lease(this.options.maxInFlight - this.inFlight)) {
      this.inFlight += 1;
      client.publish(mqttTopics.readings(row.deviceId), row.payload, { qos: 1 }, (error) => {
        this.inFlight -= 1;
        // An error here means the client was ended (stop()): the row stays on disk for next time.
        if (error) return;
        this.buffer.ack(row.id);
        this.publishedTotal += 1;
        this.events.published?.(row.deviceId);
        this.pump();
        if (this.idle()) for (const waiter of this.idleWaiters.splice(0)) waiter();
      });
    }
  }

  private idle(): boolean {
    return this.inFlight === 0 && this.buffer.size === 0;
  }
}
