import { Logger } from '@nestjs/common';
import { MQTT_TOPIC_ROOT, MqttMessaging, deviceIdFromReadingsTopic, mqttTopics, redactUrl } from '@pulseproof/contracts';
import mqtt, { IClientOptions, MqttClient } from 'mqtt';
import { topicMatches } from './mqtt-topic-match';
import { InboundHandler, ReadingSource } from './reading-source';

export interface MqttReadingSourceOptions {
  /** mqtt:// or mqtts:// URL of the external broker (Mosquitto, EMQX, any MQTT 5 broker) */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /**
   * Stable name of this ingest instance. The client id is derived from it, so after a restart the
   * broker resumes this instance's session and resends what it had not acknowledged.
   */
  readonly instanceId: string;
  /** share name of `$share/<group>/...`: the instances of one group split the readings between them */
  readonly shareGroup: string;
  /**
   * Readings sessions of this instance, all members of the share group; default 1. mqtt.js takes a
   * connection's PUBLISHes one at a time and acknowledges each only once it is durable, so one
   * connection moves one reading per store write + bus publish; N connections hand the store's group
   * commit and the bus's same-tick batching up to N readings at once.
   */
  readonly readingsConnections?: number;
  /** MQTT 5 Session Expiry Interval, s; default 0xFFFFFFFF: the session never expires (MQTT 5 §3.1.2.11.2) */
  readonly sessionExpirySeconds?: number;
  /** wait between reconnection attempts, ms; default 1000 */
  readonly reconnectPeriodMs?: number;
  /** give up on the first connection after this long, ms; default 10000 */
  readonly connectTimeoutMs?: number;
}

interface Listener {
  readonly filter: string;
  readonly handler: (topic: string, payload: Buffer) => void;
}

/** The broker's client id for an ingest instance (what a Mosquitto ACL or a session list shows). */
export function ingestClientId(instanceId: string): string {
  return `pulseproof-ingest-${instanceId}`;
}

/**
 * The client id of readings session `k` of an instance. Session 0 keeps the instance's own id, so an
 * instance that ran with one connection resumes its queued share after an upgrade; the others add `-r<k>`.
 */
export function readingsClientId(clientId: string, k: number): string {
  return k === 0 ? clientId : `${clientId}-r${k}`;
}

/**
 * Ingest as a client of an external broker: `readingsConnections` MQTT 5 persistent sessions per
 * instance, each with a shared subscription to every device's readings at QoS 1.
 *
 * Promise 2 over a broker we do not run: mqtt.js sends the PUBACK for an incoming QoS 1 PUBLISH
 * only when `customHandleAcks` calls back (MQTT 5 clients only), and it handles incoming packets
 * one at a time. So the broker is acknowledged only after the handler resolved, i.e. after the
 * reading is stored or dead-lettered. On a handler failure the connection is dropped without a
 * PUBACK; on reconnection with the same session the broker resends every unacknowledged PUBLISH
 * [MQTT-4.4.0-1]. Mosquitto keeps a shared message with the session it chose (it does not hand it
 * to another member of the group), so a stopped instance receives its share when it comes back.
 *
 * Several sessions per instance: the broker spreads the group's messages over every session, so
 * one device's readings may be handled concurrently on two connections and stored out of order.
 * Nothing downstream relies on arrival order: readings are keyed by (device, seq), the sequence-gap
 * tracker keeps a set of seen ranges, and alerts keep the newest vital by device time.
 *
 * It also implements MqttMessaging, so alerts can publish to consoles on the same broker.
 */
export class MqttReadingSource extends ReadingSource implements MqttMessaging {
  private readonly logger = new Logger('MqttReadingSource');
  /** the instance's client id: readings session 0 (see readingsClientId); the messaging connection adds `-messaging` */
  readonly clientId: string;
  readonly readingsFilter: string;
  /**
   * Two connections: mqtt.js handles a connection's incoming packets one at a time, so while a
   * reading waits for its durable write nothing else on that connection moves (not even a SUBACK).
   * Publishing to consoles and listening to status topics must not wait behind readings.
   */
  private readings: MqttClient[] = [];
  private readonly readingsConnections: number;
  private messaging: MqttClient | undefined;
  private handler: InboundHandler | undefined;
  private readonly listeners = new Set<Listener>();
  private failures = 0;

  constructor(private readonly options: MqttReadingSourceOptions) {
    super();
    this.clientId = ingestClientId(options.instanceId);
    this.readingsConnections = options.readingsConnections ?? 1;
    if (!Number.isInteger(this.readingsConnections) || this.readingsConnections < 1) throw new Error('readingsConnections must be an integer >= 1');
    this.readingsFilter = `$share/${options.shareGroup}/${mqttTopics.readingsFilter}`;
  }

  /**
   * Opens the messaging connection (before the services start, so a wrong URL or password fails the
   * start). The readings session opens in start(), once there is a handler for what it delivers.
   */
  async connect(): Promise<void> {
    if (this.messaging) return;
    const client = await this.open({ clientId: `${this.clientId}-messaging`, clean: true });
    client.on('message', (topic, payload) => {
      for (const listener of this.listeners) if (topicMatches(listener.filter, topic)) listener.handler(topic, payload);
    });
    this.messaging = client;
  }

  async start(handler: InboundHandler): Promise<void> {
    await this.connect();
    this.handler = handler;
    if (this.readings.length > 0) return;
    for (let k = 0; k < this.readingsConnections; k++) {
      const clientId = readingsClientId(this.clientId, k);
      // `client` is assigned before any PUBLISH can arrive (the subscription follows the CONNACK)
      let client: MqttClient | undefined;
      client = await this.open({
        clientId,
        // A persistent session: the broker keeps the subscription and queues this session's share
        // while it is away [MQTT-3.1.2-5], and resends what it had not acknowledged [MQTT-4.4.0-1].
        clean: false,
        properties: { sessionExpiryInterval: this.options.sessionExpirySeconds ?? 0xffffffff },
        customHandleAcks: (topic, payload, _packet, done) => this.take(client, clientId, topic, payload, done),
      });
      client.on('message', (topic, payload, packet) => {
        // QoS 0 readings have no acknowledgement to hold back: take them as they come.
        if (packet.qos === 0 && deviceIdFromReadingsTopic(topic) !== undefined) void this.handler?.({ topic, payload }).catch(() => undefined);
      });
      this.readings.push(client);
      await this.subscribeReadings(client, clientId);
    }
    this.logger.log(
      `${this.clientId} takes readings from ${redactUrl(this.options.url)} (${this.readingsFilter}, QoS 1, ${this.readingsConnections} persistent session(s))`,
    );
  }

  /**
   * Closes the connections without unsubscribing: the session stays with the broker, which queues
   * this instance's share of readings until it reconnects. Readings in the middle of their handler
   * are not acknowledged: the broker resends them then.
   */
  async stop(): Promise<void> {
    this.handler = undefined;
    const clients = [...this.readings, this.messaging];
    this.readings = [];
    this.messaging = undefined;
    await Promise.all(clients.map((c) => c?.endAsync(true)));
  }

  describe() {
    const up = this.readings.filter((c) => c.connected).length;
    const state = this.readings.length > 0 && up === this.readings.length ? 'connected' : up > 0 ? `${up} of ${this.readings.length} readings sessions connected` : 'disconnected';
    return { kind: `external MQTT ${redactUrl(this.options.url)} as ${this.clientId} (${state}, ${this.readingsFilter})`, connectedClients: 0 };
  }

  /** every readings session is connected */
  get connected(): boolean {
    return this.readings.length > 0 && this.readings.every((c) => c.connected);
  }

  /** handler failures so far (each one dropped the connection for a redelivery) */
  get handlerFailures(): number {
    return this.failures;
  }

  async publish(topic: string, payload: string, options: { readonly qos?: 0 | 1; readonly retain?: boolean } = {}): Promise<void> {
    if (!topic.startsWith(MQTT_TOPIC_ROOT)) throw new Error(`topic must start with ${MQTT_TOPIC_ROOT}`);
    if (!this.messaging) throw new Error('the MQTT client is not connected: call connect() first');
    await this.messaging.publishAsync(topic, payload, { qos: options.qos ?? 1, retain: options.retain ?? false });
  }

  async subscribe(filter: string, handler: (topic: string, payload: Buffer) => void): Promise<() => Promise<void>> {
    if (!this.messaging) throw new Error('the MQTT client is not connected: call connect() first');
    const listener: Listener = { filter, handler };
    this.listeners.add(listener);
    await this.messaging.subscribeAsync(filter, { qos: 1 });
    return async () => {
      this.listeners.delete(listener);
      const stillWanted = [...this.listeners].some((l) => l.filter === filter);
      if (!stillWanted && this.messaging) await this.messaging.unsubscribeAsync(filter);
    };
  }

  /**
   * SUBSCRIBE again on a resumed session replaces the subscription, queued messages kept
   * ([MQTT-3.8.4-3], §4.8.2 for shared ones). A resumed session's queued messages arrive right after
   * the CONNACK: when one fails its handler the connection is dropped (see take) and the pending
   * SUBSCRIBE with it, so it is sent again once mqtt.js has reconnected, rather than failing the start.
   */
  private async subscribeReadings(client: MqttClient, clientId: string): Promise<void> {
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
    for (let attempt = 1; ; attempt++) {
      try {
        await client.subscribeAsync(this.readingsFilter, { qos: 1 });
        return;
      } catch (error) {
        if (attempt >= 5 || !this.handler) throw error;
        this.logger.warn(`${clientId}: subscription interrupted (${error instanceof Error ? error.message : String(error)}); subscribing again once reconnected`);
        if (!client.connected) {
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`MQTT_URL ${redactUrl(this.options.url)}: ${clientId} did not reconnect within ${timeoutMs} ms`)), timeoutMs);
            client.once('connect', () => {
              clearTimeout(timer);
              resolve();
            });
          });
        }
      }
    }
  }

  /** Connects one MQTT 5 client and waits for its CONNACK; a refusal or timeout names the settings. */
  private async open(extra: Partial<IClientOptions> & { clientId: string }): Promise<MqttClient> {
    const o = this.options;
    const timeoutMs = o.connectTimeoutMs ?? 10_000;
    const client = mqtt.connect(o.url, {
      protocolVersion: 5,
      reconnectPeriod: o.reconnectPeriodMs ?? 1000,
      connectTimeout: timeoutMs,
      ...(o.username !== undefined && { username: o.username }),
      ...(o.password !== undefined && { password: o.password }),
      ...extra,
    });
    client.on('error', (error) => this.logger.warn(`${extra.clientId}: ${error.message}`));
    client.on('reconnect', () => this.logger.log(`${extra.clientId}: reconnecting to ${redactUrl(o.url)}`));
    client.on('disconnect', (packet) => {
      // 0x8E Session taken over (MQTT 5 §3.14.2.1): two processes share one client id, and would
      // take the session from each other forever.
      if (packet.reasonCode === 0x8e) this.logger.error(`${extra.clientId}: another process connected with this client id; give each instance its own INGEST_INSTANCE_ID`);
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        client.removeListener('connect', ok);
        client.end(true);
        reject(new Error(`MQTT_URL ${redactUrl(o.url)}: ${error.message} (check MQTT_URL, MQTT_USERNAME and MQTT_PASSWORD)`));
      };
      const ok = () => {
        clearTimeout(timer);
        client.removeListener('error', fail);
        resolve();
      };
      client.once('connect', ok);
      client.once('error', fail);
    });
    return client;
  }

  /** Called by mqtt.js for each incoming QoS 1/2 PUBLISH; `done(0)` sends the PUBACK, an error withholds it. */
  private take(client: MqttClient | undefined, clientId: string, topic: string, payload: Buffer, done: (error: Error | number, code?: number) => void): void {
    const handler = this.handler;
    if (deviceIdFromReadingsTopic(topic) === undefined) return done(0);
    if (!handler) return done(new Error('ingest is stopping: left unacknowledged'));
    handler({ topic, payload }).then(
      () => done(0),
      (error: unknown) => {
        this.failures += 1;
        this.logger.error(`${clientId}: could not take a message (${String(error)}); left unacknowledged, reconnecting for a redelivery`);
        done(error instanceof Error ? error : new Error(String(error)));
        // The broker resends an unacknowledged PUBLISH only on a new connection of the session.
        (client ?? this.readings.find((c) => c.options.clientId === clientId))?.stream?.destroy();
      },
    );
  }
}

