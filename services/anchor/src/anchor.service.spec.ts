import path from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { SqliteBus } from '@pulseproof/bus';
import { AnchorEvent, Reading, busTopics } from '@pulseproof/contracts';
import { AnvilNode } from './adapters/anvil-node';
import { AnchorHealth, ChainHealth } from './anchor.health';
import { Batch, BatchStore } from './batch-store';
import { AnchorOptions } from './config';
import { Receipt } from './receipt';
import { ReceiptService } from './receipt.service';
import { ensureArtifact, removeDir, sampleReading, startAnchorApp, tempDir, waitFor } from './testing.spec-helper';
import { verifyReceipt } from './verify-receipt';

describe('AnchorService on a real bus and a real anvil', () => {
  let dir: string;
  let anvil: AnvilNode;
  let bus: SqliteBus;
  let app: INestApplicationContext | undefined;
  const readings = Array.from({ length: 10 }, (_, i) => sampleReading(i));

  const options = (chain: AnvilNode | string, extra: Partial<AnchorOptions> = {}): AnchorOptions => ({
    dataDir: path.join(dir, 'anchor'),
    maxBatchSize: 4,
    maxBatchAgeMs: 300,
    retryDelayMs: 100,
    chain: typeof chain === 'string' ? { rpcUrl: chain, privateKey: `0x${'11'.repeat(32)}` } : { rpcUrl: chain.rpcUrl, privateKey: chain.privateKey },
    ...extra,
  });
  const start = async (chain: AnvilNode | string, extra?: Partial<AnchorOptions>) => {
    app = await startAnchorApp(bus, options(chain, extra));
    await app.init();
    return app;
  };
  const stopApp = async () => {
    await app?.close();
    app = undefined;
  };
  const publishAll = (rs: readonly Reading[]) => Promise.all(rs.map((r) => bus.publish(busTopics.readings, r.patientId, r)));
  const batches = (): Batch[] => app!.get(BatchStore).listBatches(500).reverse();
  const allAnchored = () => {
    const b = batches();
    const leaves = b.reduce((n, x) => n + x.count, 0);
    return leaves === readings.length && b.every((x) => x.status === 'confirmed' || x.status === 're-anchored') && b;
  };
  const receiptOf = (r: Reading) => app!.get(ReceiptService).receiptFor(r.deviceId, r.seq) as Receipt;

  beforeAll(async () => {
    ensureArtifact();
    dir = tempDir('service');
    anvil = await AnvilNode.start();
    bus = new SqliteBus({ file: path.join(dir, 'bus.sqlite'), retryDelayMs: 50 });
  }, 60_000);

  afterAll(async () => {
    await stopApp();
    await bus?.close();
    await anvil?.stop();
    removeDir(dir);
  });

  afterEach(stopApp);

  it('stores sealed batches while the chain is down, and anchors them on the next start', async () => {
    await start('http://127.0.0.1:9', { retryMaxDelayMs: 200 });
    await publishAll(readings.slice(0, 5));
    const failed = await waitFor('a failed attempt', () => batches().find((b) => b.status === 'failed' && b.attempts > 0));
    expect(failed.error).toContain('rpc unreachable: http://127.0.0.1:9');
    expect(app!.get(ChainHealth).health()).toMatchObject({ status: 'down', detail: { reachable: false } });
    expect(app!.get(AnchorHealth).health()).toMatchObject({ status: 'degraded' });
    await waitFor('both batches sealed', () => batches().length === 2 && batches().every((b) => b.status !== 'confirmed'));
    expect(app!.get(ReceiptService).receiptFor(readings[0]!.deviceId, readings[0]!.seq)).toBe('pending');
    await stopApp();

    const events: AnchorEvent[] = [];
    const observer = bus.subscribe<AnchorEvent>(busTopics.anchors, 'test-observer', async (m) => void events.push(...m.map((x) => x.value)));
    await start(anvil);
    await publishAll(readings.slice(5));
    const anchored = await waitFor('every reading anchored', allAnchored);
    expect(anchored.map((b) => b.count)).toEqual([4, 1, 4, 1]);
    await waitFor('an event per batch', () => events.length === anchored.length);
    await observer.stop();
    expect(events.map((e) => e.batchId)).toEqual(anchored.map((b) => b.id));
    expect(events[0]).toMatchObject({ root: anchored[0]!.root, count: 4, chainId: 31337, txHash: anchored[0]!.txHash });
    expect(app!.get(ReceiptService).receiptFor('unknown-device', 1)).toBe('not-found');
    expect(app!.get(AnchorHealth).health()).toMatchObject({ status: 'up', detail: { pendingLeaves: 0, unanchoredBatches: 0 } });
    expect(app!.get(ChainHealth).health()).toMatchObject({ status: 'up', detail: { reachable: true, chainId: 31337 } });
  }, 60_000);

  it('issues receipts that verify against the chain, every batch size included', async () => {
    await start(anvil);
    for (const reading of readings) {
      const receipt = receiptOf(reading);
      expect(receipt.reading).toMatchObject({ deviceId: reading.deviceId, seq: reading.seq, measurements: reading.measurements });
      expect(receipt.reading.units).toEqual({ heart_rate: '/min', spo2: '%', temperature: 'Cel' });
      expect(await verifyReceipt(receipt, { rpcUrl: anvil.rpcUrl })).toMatchObject({ ok: true });
    }
  }, 60_000);

  it('anchors nothing twice when the same readings are delivered again after a restart', async () => {
    await start(anvil);
    const before = batches();
    await publishAll(readings);
    await waitFor('the redelivery consumed', () => bus.lag(busTopics.readings, 'anchor') === 0);
    await stopApp();
    await start(anvil, { maxBatchAgeMs: 50 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(batches()).toEqual(before);
  }, 60_000);

  it('re-anchors every anchored batch a fresh chain does not know, and receipts follow', async () => {
    await start(anvil);
    const before = batches();
    await stopApp();
    const fresh = await AnvilNode.start();
    try {
      await start(fresh);
      const after = await waitFor('every batch re-anchored', () => batches().every((b) => b.status === 're-anchored') && batches());
      expect(after.map((b) => b.root)).toEqual(before.map((b) => b.root));
      const receipt = receiptOf(readings[3]!);
      expect(receipt.blockHash).not.toBe(before[0]!.blockHash);
      expect(await verifyReceipt(receipt, { rpcUrl: fresh.rpcUrl })).toMatchObject({ ok: true });
      await stopApp();
      // Back on the first chain, which still knows every root: its records are corrected, nothing is sent.
      await start(anvil);
      await waitFor('records back on the first chain', () => batches().every((b, i) => b.blockHash === before[i]!.blockHash));
      expect(await verifyReceipt(receiptOf(readings[3]!), { rpcUrl: anvil.rpcUrl })).toMatchObject({ ok: true });
    } finally {
      await stopApp();
      await fresh.stop();
    }
  }, 60_000);
});
