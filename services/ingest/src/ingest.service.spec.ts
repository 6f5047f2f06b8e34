import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BusMessage, SqliteBus } from '@pulseproof/bus';
import { DeadLetter, Reading, busTopics, mqttTopics } from '@pulseproof/contracts';
import { SqliteDeviceRegistry } from './adapters/device-registry';
import { SqliteReadingStore } from './adapters/sqlite-reading-store';
import { IngestService } from './ingest.service';

const NOW = Date.parse('2026-11-22T10:00:00Z');

function message(deviceId: string, seq: number, heartRate = 80) {
  return {
    topic: mqttTopics.readings(deviceId),
    payload: Buffer.from(
      JSON.stringify({ v: 1, deviceId, seq, ts: NOW - 500, measurements: { heart_rate: { value: heartRate, unit: '/min' } } }),
    ),
  };
}

describe('IngestService with real SQLite store and bus', () => {
  let dir: string;
  let store: SqliteReadingStore;
  let registry: SqliteDeviceRegistry;
  let bus: SqliteBus;
  let service: IngestService;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pp-ingest-'));
    store = new SqliteReadingStore(join(dir, 'readings.sqlite'));
    registry = new SqliteDeviceRegistry(join(dir, 'devices.sqlite'));
    bus = new SqliteBus({ file: join(dir, 'bus.sqlite') });
    service = new IngestService({ dataDir: dir, maxPayloadBytes: 16_384, maxClockAheadMs: 300_000 }, store, registry, bus);
    registry.assign('bed-1', 'patient-1');
  });

  afterEach(async () => {
    await bus.close();
    await store.close();
    registry.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function drain<T>(topic: string): Promise<T[]> {
    const seen: T[] = [];
    const sub = bus.subscribe<T>(topic, `probe-${topic}`, async (batch: readonly BusMessage<T>[]) => {
      seen.push(...batch.map((m) => m.value));
    });
    while (bus.lag(topic, `probe-${topic}`) > 0) await new Promise((r) => setTimeout(r, 5));
    await sub.stop();
    return seen;
  }

  it('stores a valid reading for its patient with a fresh 32-byte salt and publishes it', async () => {
    await expect(service.handle(message('bed-1', 1), NOW)).resolves.toBe('accepted');
    const stored = (await store.get('bed-1', 1))!;
    expect(stored).toMatchObject({ patientId: 'patient-1', deviceTime: NOW - 500, measurements: { heart_rate: 80 } });
    expect(stored.salt).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await drain<Reading>(busTopics.readings)).toEqual([stored]);
  });

  it('treats a redelivery as the same reading: stored once, republished with the original salt', async () => {
    await service.handle(message('bed-1', 1), NOW);
    await expect(service.handle(message('bed-1', 1), NOW + 10)).resolves.toBe('accepted');
    expect(await store.count()).toBe(1);
    const published = await drain<Reading>(busTopics.readings);
    expect(published).toHaveLength(2);
    expect(published[1]).toEqual(published[0]);
  });

  it('refuses a replayed sequence number with different content and keeps the original', async () => {
    await service.handle(message('bed-1', 1, 80), NOW);
    await expect(service.handle(message('bed-1', 1, 150), NOW)).resolves.toBe('refused');
    expect((await store.get('bed-1', 1))!.measurements.heart_rate).toBe(80);
    const [letter] = await drain<DeadLetter>(busTopics.deadLetters);
    expect(letter).toMatchObject({ reason: 'INGEST_E_SEQUENCE_REPLAYED', deviceId: 'bed-1' });
  });

  it('dead-letters an unregistered device with a reason that says what to do, and stores nothing', async () => {
    await expect(service.handle(message('stranger', 1), NOW)).resolves.toBe('refused');
    expect(await store.count()).toBe(0);
    const [letter] = await drain<DeadLetter>(busTopics.deadLetters);
    expect(letter!.reason).toBe('INGEST_E_UNKNOWN_DEVICE');
    expect(letter!.detail).toContain('register device "stranger"');
    expect(service.health().detail).toMatchObject({ refused: 1, refusedByReason: { INGEST_E_UNKNOWN_DEVICE: 1 } });
  });

  it('keeps the head of a malformed payload with its dead letter for diagnosis', async () => {
    await service.handle({ topic: mqttTopics.readings('bed-1'), payload: Buffer.from('{oops') }, NOW);
    const [letter] = await drain<DeadLetter>(busTopics.deadLetters);
    expect(letter).toMatchObject({ reason: 'INGEST_E_NOT_JSON', payloadBytes: 5 });
    expect(Buffer.from(letter!.payloadHead, 'base64').toString()).toBe('{oops');
  });
});
