import { AedesOptions, createBroker } from 'aedes';
import net from 'node:net';

/**
 * A real aedes broker on a free loopback port, for the simulators' specs. It records every
 * PUBLISH a client sent (not the broker's own $SYS messages) and can cut every connection and stop
 * listening for a while, as a broker restart would.
 */
export interface ReceivedPublish {
  readonly clientId: string;
  readonly topic: string;
  readonly qos: number;
  readonly payload: string;
}

export interface TestBroker {
  readonly url: string;
  readonly port: number;
  /** readings only (pulseproof/v1/devices/<id>/readings) */
  readonly received: ReceivedPublish[];
  /** status announcements and last wills (pulseproof/v1/devices/<id>/status) */
  readonly statuses: ReceivedPublish[];
  /** Stops accepting connections and destroys the open ones. */
  goOffline(): Promise<void>;
  /** Listens again on the same port. */
  goOnline(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestBroker(options: Pick<AedesOptions, 'authenticate' | 'authorizePublish'> = {}): Promise<TestBroker> {
  const broker = createBroker(options);
  const received: ReceivedPublish[] = [];
  const statuses: ReceivedPublish[] = [];
  broker.on('publish', (packet, client) => {
    const publish = { clientId: client?.id ?? '', topic: packet.topic, qos: packet.qos, payload: packet.payload.toString('utf8') };
    // A last will is published by the broker itself (no client), on behalf of the device.
    if (packet.topic.endsWith('/status')) statuses.push(publish);
    else if (client) received.push(publish);
  });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;

  const goOffline = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    received,
    statuses,
    goOffline,
    goOnline: () => listen(port),
    close: async () => {
      if (server.listening) await goOffline();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

/** Resolves once condition() holds, checking every few ms; fails after timeoutMs. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
