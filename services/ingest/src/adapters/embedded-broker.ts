import { createServer, AddressInfo, Server } from 'node:net';
import { createServer as createTlsServer, Server as TlsServer, TLSSocket } from 'node:tls';
import { Logger } from '@nestjs/common';
import { MQTT_TOPIC_ROOT, MqttMessaging, deviceIdFromReadingsTopic } from '@pulseproof/contracts';
import { MqttPortInUseError } from '../errors';
import type { DeviceRegistry, Principal } from '../registry/device-registry';
import { mayPublish, maySubscribe } from '../registry/topic-acl';
import { authenticateConnect, ConnackCode } from './broker-auth';
import { admitTlsSocket, BrokerTlsOptions, certificateIdentity, tlsServerOptions } from './broker-tls';
import { DeviceRateLimiter, RateLimitOptions } from './rate-limiter';
import { InboundHandler, InboundRefusal, ReadingSource } from './reading-source';

// aedes 0.51 is the last CommonJS line (1.x is ESM only, which jest cannot load as CommonJS).
import { Client, PublishPacket, createBroker } from 'aedes';

/**
 * Refused messages are re-routed here instead of to their readings topic, so subscribers of device
 * topics never see them. A leading `$` keeps them out of `#` and `+` subscriptions [MQTT-4.7.2-1].
 */
export const REFUSED_TOPIC_PREFIX = '$pulseproof/refused/';

export interface EmbeddedBrokerOptions {
  readonly host: string;
  /** 0 picks a free port (tests) */
  readonly port: number;
  /**
   * `required`: every client signs in (user name and password, or a client certificate on the TLS
   * listener) and may publish and subscribe only where topic-acl.ts allows. Default: `required`
   * when a registry is given, else `off` (anyone may connect and publish anywhere under the root).
   */
  readonly auth?: 'required' | 'off';
  /** who may connect; may also be given later with authenticateWith (clients get "server unavailable" until then) */
  readonly registry?: DeviceRegistry;
  /** a second listener with TLS (and mTLS) */
  readonly tls?: BrokerTlsOptions;
  /** per-device token buckets; none: no limit */
  readonly rateLimit?: RateLimitOptions;
}

/** The device a publish counts against: the one in a device topic, else the sender. */
const DEVICE_TOPIC = /^pulseproof\/v1\/devices\/([^/+#]+)\/[^/]+$/;

/**
 * The embedded MQTT broker (aedes) as ingest's reading source.
 *
 * aedes writes a QoS 1 PUBACK right after `authorizePublish` calls back, before `published` runs
 * (lib/handlers/publish.js), so ingest does its durable work inside `authorizePublish`: the device
 * is acknowledged only for what is stored or dead-lettered. An error there closes the device's
 * connection without a PUBACK ([MQTT-3.3.5-2]); the device resends after it reconnects.
 *
 * A publish the topic rules do not allow is acknowledged and dead-lettered
 * (INGEST_E_NOT_AUTHORISED), never forwarded. MQTT 3.1.1 has no negative PUBACK: the server
 * "MUST either make a positive acknowledgement, according to the normal QoS rules, or close the
 * Network Connection" [MQTT-3.3.5-2]. Closing would make a QoS 1 client resend the same message
 * after every reconnect, forever, and cut off its permitted readings with it; an acknowledgement
 * ends the exchange and the dead letter tells whoever fixes the device why. `$` topics ($SYS/) are
 * the server's own: publishing there closes the connection, as aedes does by default.
 *
 * Pacing: a publish over its device's budget is held back before its PUBACK (aedes reads no more
 * from that socket meanwhile), so a flooding client is slowed by its own acknowledgements; past
 * `maxDelayMs` it is refused (INGEST_E_RATE_LIMITED, acknowledged, dead-lettered). Each device has
 * its own bucket, so a gateway's budget is the sum of its attached devices'.
 */
export class EmbeddedBroker extends ReadingSource implements MqttMessaging {
  private readonly logger = new Logger('EmbeddedBroker');
  // Device ids are up to 64 characters (contracts ID_PATTERN); aedes allows 23 by default (MQTT 3.1).
  readonly aedes = createBroker({ maxClientsIdLength: 64 });
  private server: Server | undefined;
  private tlsServer: TlsServer | undefined;
  private handler: InboundHandler | undefined;
  private registry: DeviceRegistry | undefined;
  private stopRevocations: (() => void) | undefined;
  private readonly authRequired: boolean;
  /** who each connected client signed in as */
  private readonly principals = new WeakMap<Client, Principal>();
  private readonly limiter: DeviceRateLimiter | undefined;
  private readonly pruneTimer: NodeJS.Timeout | undefined;
  private readonly lastLogged = new Map<string, number>();

  constructor(private readonly options: EmbeddedBrokerOptions) {
    super();
    this.authRequired = (options.auth ?? (options.registry ? 'required' : 'off')) === 'required';
    if (options.rateLimit) {
      this.limiter = new DeviceRateLimiter(options.rateLimit);
      this.pruneTimer = setInterval(() => this.limiter!.prune(), 60_000);
      this.pruneTimer.unref();
    }
    if (options.registry) this.authenticateWith(options.registry);
    this.aedes.authenticate = (client, username, password, callback) => {
      if (!this.authRequired) return callback(null, true);
      const registry = this.registry;
      if (!registry) return callback(connackError(ConnackCode.SERVER_UNAVAILABLE, 'the device registry is not ready yet'), false);
      authenticateConnect(registry, { clientId: client.id, username, password, certificate: certificateIdentity(client.conn) }).then(
        (verdict) => {
          if (!verdict.ok) {
            this.warnAtMostEvery10s(`connect-${verdict.returnCode}`, `refused a connection (CONNACK ${verdict.returnCode}): ${verdict.reason}`);
            return callback(connackError(verdict.returnCode, verdict.reason), false);
          }
          this.principals.set(client, verdict.principal);
          callback(null, true);
        },
        (error: unknown) => callback(connackError(ConnackCode.SERVER_UNAVAILABLE, `could not check credentials: ${String(error)}`), false),
      );
    };
    this.aedes.authorizePublish = (client, packet, callback) => this.authorizePublish(client, packet, callback);
    this.aedes.authorizeSubscribe = (client, subscription, callback) => {
      if (!this.authRequired) return callback(null, subscription);
      const principal = this.principals.get(client);
      if (principal && this.registry && maySubscribe(principal, subscription.topic, this.registry)) return callback(null, subscription);
      this.warnAtMostEvery10s(`subscribe-${principal?.id}`, `refused ${principal ? `${principal.kind} ${principal.id}` : 'a client'} a subscription to ${subscription.topic}`);
      // A null subscription is granted as 0x80, failure, in the SUBACK [MQTT-3.9.3].
      callback(null, null);
    };
    this.aedes.on('clientError', (client, error) => {
      // refused CONNECTs carry their CONNACK code and were logged (throttled) above
      if ((error as { errorCode?: number }).errorCode !== undefined) return;
      this.logger.warn(`client ${client.id}: ${error.message}`);
    });
  }

  /**
   * Checks credentials against `registry` from now on, and disconnects the clients of a principal
   * when it is revoked (here or by the CLI in another process). A device revoked behind a gateway
   * loses its connection when it used its own client id, and the gateway may publish no more of
   * its readings (mayPublishFor is false from then on).
   */
  authenticateWith(registry: DeviceRegistry): void {
    this.stopRevocations?.();
    this.registry = registry;
    this.stopRevocations = registry.onRevoked((principal) => this.disconnect(principal.id));
  }

  /** The principal a connected client signed in as (undefined with auth off). */
  principalOf(client: Client): Principal | undefined {
    return this.principals.get(client);
  }

  /** Binds the port(s); fails with one line that says what to do when one is taken. */
  async listen(): Promise<number> {
    this.server = await bind(createServer(this.aedes.handle), this.options.port, this.options.host);
    if (this.options.tls) {
      const tls = this.options.tls;
      const admit = (socket: TLSSocket) => {
        if (!admitTlsSocket(socket, this.aedes.handle)) this.warnAtMostEvery10s('tls', `closed a TLS connection whose client certificate does not verify: ${String(socket.authorizationError)}`);
      };
      this.tlsServer = await bind(createTlsServer(tlsServerOptions(tls), admit), tls.port, tls.host ?? this.options.host);
    }
    return (this.server.address() as AddressInfo).port;
  }

  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  get tlsPort(): number | undefined {
    return (this.tlsServer?.address() as AddressInfo | null)?.port;
  }

  async start(handler: InboundHandler): Promise<void> {
    this.handler = handler;
  }

  async stop(): Promise<void> {
    this.handler = undefined;
    this.stopRevocations?.();
    this.stopRevocations = undefined;
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    for (const server of [this.server, this.tlsServer]) {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    }
  }

  describe() {
    const tls = this.tlsPort !== undefined ? `, TLS on ${this.options.tls?.host ?? this.options.host}:${this.tlsPort}` : '';
    return {
      kind: `embedded aedes on ${this.options.host}:${this.port ?? this.options.port}${tls}`,
      connectedClients: this.aedes.connectedClients,
      auth: this.authRequired ? 'required' : 'off',
    };
  }

  /** Publishes from the server itself (alerts to consoles, dispatch to units); bypasses authorizePublish. */
  publish(topic: string, payload: string, options: { readonly qos?: 0 | 1; readonly retain?: boolean } = {}): Promise<void> {
    if (!topic.startsWith(MQTT_TOPIC_ROOT)) throw new Error(`topic must start with ${MQTT_TOPIC_ROOT}`);
    return new Promise((resolve, reject) =>
      this.aedes.publish(
        { cmd: 'publish', topic, payload: Buffer.from(payload), qos: options.qos ?? 1, retain: options.retain ?? false, dup: false },
        (error?: Error) => (error ? reject(error) : resolve()),
      ),
    );
  }

  /** Listens inside the process to what clients publish on `filter` (e.g. ambulance status). */
  subscribe(filter: string, handler: (topic: string, payload: Buffer) => void): Promise<() => Promise<void>> {
    const deliver = (packet: { topic: string; payload: Buffer | string }, done: () => void) => {
      try {
        handler(packet.topic, Buffer.from(packet.payload));
      } finally {
        done();
      }
    };
    return new Promise((resolve) =>
      this.aedes.subscribe(filter, deliver, () =>
        resolve(() => new Promise<void>((unsubscribed) => this.aedes.unsubscribe(filter, deliver, () => unsubscribed()))),
      ),
    );
  }

  private authorizePublish(client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    if (packet.topic.startsWith('$')) return callback(new Error('$ topics are reserved for the server'));
    if (!client) return callback(null);
    const principal = this.principals.get(client);
    const denial = this.publishDenial(principal, packet.topic);
    // A will is published by the server after the client is gone [MQTT-3.1.2-8]: no PUBACK, no pacing.
    if (client.closed) return callback(denial ? new Error(denial) : null);
    if (denial) return this.take(client, packet, callback, { code: 'INGEST_E_NOT_AUTHORISED', detail: denial }, principal);

    const decision = this.limiter?.take(DEVICE_TOPIC.exec(packet.topic)?.[1] ?? principal?.id ?? client.id);
    if (decision?.kind === 'refuse') {
      const detail = `over ${this.options.rateLimit!.perDevicePerSecond} readings/s (burst ${this.options.rateLimit!.burst}); slow down, retry in ${decision.retryInMs} ms`;
      return this.take(client, packet, callback, { code: 'INGEST_E_RATE_LIMITED', detail }, principal);
    }
    if (decision?.kind === 'wait') {
      setTimeout(() => this.take(client, packet, callback, undefined, principal), decision.ms);
      return;
    }
    this.take(client, packet, callback, undefined, principal);
  }

  /** Why `principal` may not publish to `topic`, or undefined when it may. */
  private publishDenial(principal: Principal | undefined, topic: string): string | undefined {
    if (!this.authRequired) return undefined;
    if (!principal || !this.registry) return 'the client is not signed in';
    if (mayPublish(principal, topic, this.registry)) return undefined;
    return `${principal.kind} "${principal.id}" may not publish to ${topic}`;
  }

  /**
   * Hands a readings-topic message (or any refused one, to dead-letter it) to ingest, and answers
   * aedes when that is durable. Other permitted topics (status, unit status) go straight on.
   */
  private take(
    client: Client,
    packet: PublishPacket,
    callback: (error?: Error | null) => void,
    refusal: InboundRefusal | undefined,
    principal: Principal | undefined,
  ): void {
    if (!refusal && deviceIdFromReadingsTopic(packet.topic) === undefined) return callback(null);
    const handler = this.handler;
    // The port is bound before ingest is wired (so a taken port fails fast), and a device may
    // publish in between, or while stopping: no handler, no PUBACK; the device sends it again.
    if (!handler) return callback(new Error('ingest is not ready: message left unacknowledged'));
    handler({
      topic: packet.topic,
      payload: Buffer.from(packet.payload),
      clientId: client.id,
      ...(principal && { principal }),
      ...(refusal && { refusal }),
    }).then(
      (outcome) => {
        if (outcome === 'refused') packet.topic = REFUSED_TOPIC_PREFIX + packet.topic;
        callback(null);
      },
      (error: unknown) => {
        this.logger.error(`could not take a message from client ${client.id}: ${String(error)}`);
        callback(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  /** Closes every connection signed in as `id`, or using it as client id (a device behind a gateway). */
  private disconnect(id: string): void {
    const clients = (this.aedes as unknown as { clients: Record<string, Client> }).clients;
    let closed = 0;
    for (const client of Object.values(clients)) {
      if (client.id === id || this.principals.get(client)?.id === id) {
        client.close();
        closed += 1;
      }
    }
    if (closed > 0) this.logger.warn(`"${id}" was revoked: closed ${closed} connection(s)`);
  }

  /** One line per kind of refusal every 10 s: a misconfigured fleet must not flood the log. */
  private warnAtMostEvery10s(key: string, line: string): void {
    const now = Date.now();
    if ((this.lastLogged.get(key) ?? 0) + 10_000 > now) return;
    if (this.lastLogged.size > 1_000) this.lastLogged.clear();
    this.lastLogged.set(key, now);
    this.logger.warn(line);
  }
}

function connackError(returnCode: number, message: string) {
  return Object.assign(new Error(message), { returnCode }) as Error & { returnCode: 2 | 3 | 4 | 5 };
}

async function bind<T extends Server>(server: T, port: number, host: string): Promise<T> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new MqttPortInUseError(port) : error));
    server.listen(port, host, () => resolve());
  });
  return server;
}
