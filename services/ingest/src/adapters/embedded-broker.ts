import { createServer, AddressInfo, Server } from 'node:net';
import { Logger } from '@nestjs/common';
import { MQTT_TOPIC_ROOT, MqttMessaging, deviceIdFromReadingsTopic } from '@pulseproof/contracts';
import { MqttPortInUseError } from '../errors';
import { InboundHandler, ReadingSource } from './reading-source';

// aedes 0.51 is the last CommonJS line (1.x is ESM only, which jest cannot load as CommonJS).
import { createBroker } from 'aedes';

/**
 * Refused messages are re-routed here instead of to their readings topic, so subscribers of device
 * topics never see them. A leading `$` keeps them out of `#` and `+` subscriptions [MQTT-4.7.2-1].
 */
export const REFUSED_TOPIC_PREFIX = '$pulseproof/refused/';

export interface EmbeddedBrokerOptions {
  readonly host: string;
  /** 0 picks a free port (tests) */
  readonly port: number;
}

/**
 * The embedded MQTT broker (aedes) as ingest's reading source.
 *
 * aedes writes a QoS 1 PUBACK right after `authorizePublish` calls back, before `published` runs
 * (lib/handlers/publish.js), so ingest does its durable work inside `authorizePublish`: the device
 * is acknowledged only for what is stored or dead-lettered. An error there closes the device's
 * connection without a PUBACK ([MQTT-3.3.5-2]); the device resends after it reconnects.
 */
export class EmbeddedBroker extends ReadingSource implements MqttMessaging {
  private readonly logger = new Logger('EmbeddedBroker');
  // Device ids are up to 64 characters (contracts ID_PATTERN); aedes allows 23 by default (MQTT 3.1).
  readonly aedes = createBroker({ maxClientsIdLength: 64 });
  private server: Server | undefined;
  private handler: InboundHandler | undefined;

  constructor(private readonly options: EmbeddedBrokerOptions) {
    super();
    this.aedes.authorizePublish = (client, packet, callback) => {
      if (packet.topic.startsWith('$SYS/')) return callback(new Error('$SYS/ topics are reserved'));
      if (!client || deviceIdFromReadingsTopic(packet.topic) === undefined) return callback(null);
      const handler = this.handler;
      // The port is bound before ingest is wired (so a taken port fails fast), and a device may
      // publish in between, or while stopping: no handler, no PUBACK; the device sends it again.
      if (!handler) return callback(new Error('ingest is not ready: message left unacknowledged'));
      handler({ topic: packet.topic, payload: Buffer.from(packet.payload), clientId: client.id }).then(
        (outcome) => {
          if (outcome === 'refused') packet.topic = REFUSED_TOPIC_PREFIX + packet.topic;
          callback(null);
        },
        (error: unknown) => {
          this.logger.error(`could not take a message from client ${client.id}: ${String(error)}`);
          callback(error instanceof Error ? error : new Error(String(error)));
        },
      );
    };
    this.aedes.on('clientError', (client, error) => {
      this.logger.warn(`client ${client.id}: ${error.message}`);
    });
  }

  /** Binds the port; fails with one line that says what to do when it is taken. */
  async listen(): Promise<number> {
    const server = createServer(this.aedes.handle);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new MqttPortInUseError(this.options.port) : error),
      );
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async start(handler: InboundHandler): Promise<void> {
    this.handler = handler;
  }

  async stop(): Promise<void> {
    this.handler = undefined;
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  describe() {
    return { kind: `embedded aedes on ${this.options.host}:${this.port ?? this.options.port}`, connectedClients: this.aedes.connectedClients };
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
}
