import { createBroker } from 'aedes';
import net from 'node:net';
import { LoadReport, runLoad } from './load-generator';

/**
 * The generator's own capacity: the same load against an in-process aedes broker that keeps
 * nothing and acknowledges at once, on loopback. The broker shares this process's CPU, so the
 * figure is a lower bound: a run against a real broker that reaches it is limited by the generator,
 * not by the broker under test.
 */
export interface NullBroker {
  readonly url: string;
  close(): Promise<void>;
}

export async function startNullBroker(): Promise<NullBroker> {
  const broker = createBroker();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

export interface CapacityOptions {
  /** devices to connect; default 100 (enough connections to exercise the client side) */
  readonly devices?: number;
  /** default 3000 */
  readonly durationMs?: number;
  readonly qos?: 0 | 1;
}

/** Publishes as fast as the null broker acknowledges; the report's rate is the capacity. */
export async function measureGeneratorCapacity(options: CapacityOptions = {}): Promise<LoadReport> {
  const broker = await startNullBroker();
  try {
    return await runLoad({
      brokerUrl: broker.url,
      devices: options.devices ?? 100,
      rate: Infinity,
      durationMs: options.durationMs ?? 3000,
      qos: options.qos ?? 1,
      idPrefix: 'capacity',
    });
  } finally {
    await broker.close();
  }
}
