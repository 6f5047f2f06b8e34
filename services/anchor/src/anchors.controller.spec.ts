import path from 'node:path';
import { INestApplication } from '@nestjs/common';
import { SqliteBus } from '@pulseproof/bus';
import { busTopics, readingId } from '@pulseproof/contracts';
import { AnvilNode } from './adapters/anvil-node';
import { BatchStore } from './batch-store';
import { readReceipt } from './receipt';
import { ensureArtifact, removeDir, sampleReading, startAnchorHttp, tempDir, waitFor } from './testing.spec-helper';
import { verifyReceipt } from './verify-receipt';

describe('GET /api/anchors and GET /api/readings/:id/receipt', () => {
  let dir: string;
  let anvil: AnvilNode;
  let bus: SqliteBus;
  let app: INestApplication;
  let url: string;
  const readings = Array.from({ length: 5 }, (_, i) => sampleReading(i));

  const get = async (route: string) => {
    const response = await fetch(`${url}${route}`);
    return { status: response.status, body: (await response.json()) as unknown };
  };

  beforeAll(async () => {
    ensureArtifact();
    dir = tempDir('http');
    anvil = await AnvilNode.start();
    bus = new SqliteBus({ file: path.join(dir, 'bus.sqlite') });
    // Two full batches of two; the fifth reading waits for an hour-long age limit: "not anchored yet".
    ({ app, url } = await startAnchorHttp(bus, {
      dataDir: dir,
      maxBatchSize: 2,
      maxBatchAgeMs: 3_600_000,
      chain: { rpcUrl: anvil.rpcUrl, privateKey: anvil.privateKey },
    }));
    for (const r of readings) await bus.publish(busTopics.readings, r.patientId, r);
    await waitFor('two anchored batches', () => {
      const batches = app.get(BatchStore).listBatches(10);
      return batches.length === 2 && batches.every((b) => b.status === 'confirmed');
    });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await bus?.close();
    await anvil?.stop();
    removeDir(dir);
  });

  it('lists batches newest first', async () => {
    const { status, body } = await get('/api/anchors');
    expect(status).toBe(200);
    const list = body as { id: number; count: number; status: string; txHash: string; blockNumber: number; root: string }[];
    expect(list.map((b) => [b.id, b.count, b.status])).toEqual([[2, 2, 'confirmed'], [1, 2, 'confirmed']]);
    expect(Object.keys(list[0]!).sort()).toEqual([
      'blockNumber', 'count', 'firstReadingId', 'fromTime', 'id', 'lastReadingId', 'root', 'status', 'toTime', 'txHash',
    ]);
    expect(list[1]).toMatchObject({ firstReadingId: `${readings[0]!.deviceId}:${readings[0]!.seq}`, lastReadingId: `${readings[1]!.deviceId}:${readings[1]!.seq}` });
    expect((await get('/api/anchors?limit=1')).body).toEqual([list[0]]);
  });

  it.each(['0', '501', 'ten', '1.5'])('refuses ?limit=%s with 400', async (limit) => {
    expect(await get(`/api/anchors?limit=${limit}`)).toMatchObject({ status: 400, body: { message: 'limit must be an integer from 1 to 500' } });
  });

  it('serves a receipt that the auditor path accepts and verifies', async () => {
    const { status, body } = await get(`/api/readings/${encodeURIComponent(readingId(readings[1]!.deviceId, readings[1]!.seq))}/receipt`);
    expect(status).toBe(200);
    const receipt = readReceipt(body);
    expect(receipt.reading.seq).toBe(readings[1]!.seq);
    expect(await verifyReceipt(receipt, { rpcUrl: anvil.rpcUrl })).toMatchObject({ ok: true });
  });

  it('answers 400 for a malformed id, 404 for an unknown reading, 409 while not anchored yet', async () => {
    expect(await get('/api/readings/no-seq-here/receipt')).toMatchObject({ status: 400, body: { message: expect.stringContaining('<deviceId>:<seq>') } });
    expect(await get('/api/readings/bed-1-monitor:999999/receipt')).toMatchObject({
      status: 404,
      body: { message: 'reading bed-1-monitor:999999 is unknown to the anchor service' },
    });
    const pending = readings[4]!;
    expect(await get(`/api/readings/${readingId(pending.deviceId, pending.seq)}/receipt`)).toMatchObject({
      status: 409,
      body: { message: expect.stringContaining('is not anchored yet') },
    });
  });
});
