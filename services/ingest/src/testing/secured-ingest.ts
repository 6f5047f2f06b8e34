import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BusMessage, SqliteBus } from '@pulseproof/bus';
import { DeadLetter, busTopics } from '@pulseproof/contracts';
import { IngestService } from '../ingest.service';
import { SqliteDeviceRegistry } from '../registry/sqlite-device-registry';
import { EmbeddedBroker, EmbeddedBrokerOptions } from '../adapters/embedded-broker';
import { SqliteReadingStore } from '../adapters/sqlite-reading-store';

/** Cheap scrypt for tests: the cost parameter is not what these specs are about. */
export const TEST_SCRYPT = { N: 1 << 10, r: 8, p: 1, keyLength: 32 } as const;

/**
 * A real embedded broker wired to a real IngestService (SQLite store, bus and registry in a temp
 * dir), as the app wires them, for the broker's security specs. Not used in production.
 */
export interface SecuredIngest {
  readonly dir: string;
  readonly registry: SqliteDeviceRegistry;
  readonly store: SqliteReadingStore;
  readonly bus: SqliteBus;
  readonly broker: EmbeddedBroker;
  readonly url: string;
  /** every dead letter written so far */
  deadLetters(): Promise<DeadLetter[]>;
  close(): Promise<void>;
}

export async function startSecuredIngest(options: Partial<EmbeddedBrokerOptions> = {}): Promise<SecuredIngest> {
  const dir = mkdtempSync(join(tmpdir(), 'pp-broker-'));
  const registry = new SqliteDeviceRegistry(join(dir, 'devices.sqlite'), { scrypt: TEST_SCRYPT });
  const store = new SqliteReadingStore(join(dir, 'readings.sqlite'));
  const bus = new SqliteBus({ file: join(dir, 'bus.sqlite') });
  const service = new IngestService({ dataDir: dir, maxPayloadBytes: 16_384, maxClockAheadMs: 300_000 }, store, registry, bus);
  const broker = new EmbeddedBroker({ host: '127.0.0.1', port: 0, registry, ...options });
  const port = await broker.listen();
  await broker.start((message) => service.handle(message));
  let probes = 0;
  return {
    dir,
    registry,
    store,
    bus,
    broker,
    url: `mqtt://127.0.0.1:${port}`,
    async deadLetters() {
      const group = `probe-${++probes}`;
      const seen: DeadLetter[] = [];
      const sub = bus.subscribe<DeadLetter>(busTopics.deadLetters, group, async (batch: readonly BusMessage<DeadLetter>[]) => {
        seen.push(...batch.map((m) => m.value));
      });
      while (bus.lag(busTopics.deadLetters, group) > 0) await new Promise((r) => setTimeout(r, 5));
      await sub.stop();
      return seen;
    },
    async close() {
      await broker.stop();
      await bus.close();
      await store.close();
      registry.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A reading as a device sends it, with a heart rate in range. */
export function readingPayload(deviceId: string, seq: number, ts = Date.now() - 1_000): string {
  return JSON.stringify({ v: 1, deviceId, seq, ts, measurements: { heart_rate: { value: 70, unit: '/min' } } });
}
