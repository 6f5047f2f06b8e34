import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeadLetter } from '@pulseproof/contracts';
import { DeadLetterStore } from './dead-letter-store';

const letter = (reason: string, deviceId: string | undefined, receivedAt: number): DeadLetter => ({
  reason,
  detail: 'why',
  topic: `pulseproof/v1/devices/${deviceId ?? 'x'}/readings`,
  ...(deviceId !== undefined && { deviceId }),
  receivedAt,
  payloadBytes: 3,
  payloadHead: Buffer.from('{x}').toString('base64'),
});

describe('DeadLetterStore (real SQLite)', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pp-deadletters-'));
    file = join(dir, 'deadletters.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('answers newest first, filtered by reason, device and time', async () => {
    const store = new DeadLetterStore(file);
    await store.append(letter('INGEST_E_SCHEMA', 'bed-1', 1_000));
    await store.append(letter('INGEST_E_NOT_JSON', 'bed-2', 2_000));
    await store.append(letter('INGEST_E_SCHEMA', 'bed-2', 3_000));
    await store.append(letter('INGEST_E_TOO_LARGE', undefined, 4_000));
    expect(store.query({ limit: 10 }).items.map((i) => i.receivedAt)).toEqual([4_000, 3_000, 2_000, 1_000]);
    expect(store.query({ reason: 'INGEST_E_SCHEMA', limit: 10 }).items.map((i) => i.deviceId)).toEqual(['bed-2', 'bed-1']);
    expect(store.query({ deviceId: 'bed-2', since: 2_500, limit: 10 }).items).toMatchObject([{ reason: 'INGEST_E_SCHEMA', receivedAt: 3_000 }]);
    expect(store.query({ limit: 1 }).items[0]).not.toHaveProperty('deviceId');
    const page = store.query({ limit: 1 });
    expect(page.counts).toEqual({ INGEST_E_NOT_JSON: 1, INGEST_E_SCHEMA: 2, INGEST_E_TOO_LARGE: 1 });
    expect(page.total).toBe(4);
    store.close();
  });

  it('keeps only the newest rows, and counts every letter across restarts', async () => {
    let store = new DeadLetterStore(file, 3);
    for (let i = 0; i < 5; i++) await store.append(letter('INGEST_E_SCHEMA', 'bed-1', i));
    store.close();
    store = new DeadLetterStore(file, 3);
    await store.append(letter('INGEST_E_UNIT', 'bed-1', 5));
    expect(store.retained()).toBe(3);
    const page = store.query({ limit: 100 });
    expect(page.items.map((i) => i.receivedAt)).toEqual([5, 4, 3]);
    expect(page.counts).toEqual({ INGEST_E_SCHEMA: 5, INGEST_E_UNIT: 1 });
    expect(page.total).toBe(6);
    store.close();
  });
});
