import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteBus } from '@pulseproof/bus';
import { mqttTopics } from '@pulseproof/contracts';
import { SqliteDeviceRegistry } from '../adapters/device-registry';
import { SqliteReadingStore } from '../adapters/sqlite-reading-store';
import { DeadLetterStore } from '../dead-letters/dead-letter-store';
import { IngestService } from '../ingest.service';
import { SequenceGapStore } from '../sequence-gaps/sequence-gap-store';

const NOW = Date.parse('2026-11-22T10:00:00Z');
const MINUTE = 60_000;

function message(deviceId: string, seq: number, ts: number, heartRate = 80) {
  return {
    topic: mqttTopics.readings(deviceId),
    payload: Buffer.from(JSON.stringify({ v: 1, deviceId, seq, ts, measurements: { heart_rate: { value: heartRate, unit: '/min' } } })),
  };
}

/** The validation wiring of IngestService: late flag, sequence gaps, durable dead letters. */
describe('IngestService validation (real SQLite stores and bus)', () => {
  let dir: string;
  let store: SqliteReadingStore;
  let registry: SqliteDeviceRegistry;
  let bus: SqliteBus;
  let deadLetters: DeadLetterStore;
  let gaps: SequenceGapStore;
  let service: IngestService;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pp-ingest-validation-'));
    store = new SqliteReadingStore(join(dir, 'readings.sqlite'));
    registry = new SqliteDeviceRegistry(join(dir, 'devices.sqlite'));
    bus = new SqliteBus({ file: join(dir, 'bus.sqlite') });
    deadLetters = new DeadLetterStore(join(dir, 'deadletters.sqlite'));
    gaps = new SequenceGapStore(join(dir, 'sequence-gaps.sqlite'));
    const options = { dataDir: dir, maxPayloadBytes: 16_384, maxClockAheadMs: 300_000, lateAfterMs: 5 * MINUTE, maxReadingAgeMs: 60 * MINUTE };
    service = new IngestService(options, store, registry, bus, deadLetters, gaps);
    registry.assign('bed-1', 'patient-1');
  });

  afterEach(async () => {
    await bus.close();
    await store.close();
    registry.close();
    deadLetters.close();
    gaps.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores late data marked late, on time data unmarked, and refuses what is older than the maximum age', async () => {
    await expect(service.handle(message('bed-1', 1, NOW - 30 * MINUTE), NOW)).resolves.toBe('accepted');
    await expect(service.handle(message('bed-1', 2, NOW - 4 * MINUTE), NOW)).resolves.toBe('accepted');
    await expect(service.handle(message('bed-1', 3, NOW - 61 * MINUTE), NOW)).resolves.toBe('refused');
    expect((await store.get('bed-1', 1))!.late).toBe(true);
    expect(await store.get('bed-1', 2)).not.toHaveProperty('late');
    expect(await store.get('bed-1', 3)).toBeUndefined();
    expect(service.health().detail).toMatchObject({ late: 1, refusedByReason: { INGEST_E_TIMESTAMP_TOO_OLD: 1 } });
  });

  it('records a sequence gap without refusing the reading, and closes it when the missing one arrives', async () => {
    await service.handle(message('bed-1', 10, NOW - 1_000), NOW);
    await expect(service.handle(message('bed-1', 12, NOW - 500), NOW)).resolves.toBe('accepted');
    expect(gaps.query({ deviceId: 'bed-1', open: true, limit: 10 })).toMatchObject([{ from: 11, to: 11, count: 1, detectedAt: NOW }]);
    expect(service.health().detail).toMatchObject({ sequenceGaps: { open: 1, missing: 1, detected: 1 } });
    await service.handle(message('bed-1', 11, NOW - 800), NOW + 5);
    expect(gaps.query({ deviceId: 'bed-1', open: true, limit: 10 })).toEqual([]);
    expect(gaps.query({ deviceId: 'bed-1', open: false, limit: 10 })).toMatchObject([{ from: 11, to: 11, count: 0, closedAt: NOW + 5 }]);
  });

  it('writes the dead letter durably before the outcome resolves, with its reason counted', async () => {
    await expect(service.handle(message('bed-1', 1, NOW, 400), NOW)).resolves.toBe('refused'); // above the sensor bound
    await expect(service.handle(message('bed-1', 2, NOW, 10), NOW)).resolves.toBe('refused'); // implausible
    await expect(service.handle(message('stranger', 1, NOW), NOW)).resolves.toBe('refused');
    await service.handle(message('bed-1', 3, NOW, 80), NOW);
    await expect(service.handle(message('bed-1', 3, NOW, 81), NOW)).resolves.toBe('refused');
    const page = deadLetters.query({ limit: 10 });
    expect(page.counts).toEqual({ INGEST_E_SCHEMA: 1, INGEST_E_IMPLAUSIBLE: 1, INGEST_E_UNKNOWN_DEVICE: 1, INGEST_E_SEQUENCE_REPLAYED: 1 });
    expect(page.items[0]).toMatchObject({ reason: 'INGEST_E_SEQUENCE_REPLAYED', deviceId: 'bed-1', receivedAt: NOW });
    // the replay opened no gap and the refused ones moved no sequence
    expect(gaps.totals()).toEqual({ open: 0, missing: 0, detected: 0 });
  });
});
