import path from 'node:path';
import { SqliteBus } from '@pulseproof/bus';
import { AnchorEvent, busTopics } from '@pulseproof/contracts';
import { AnvilNode } from './adapters/anvil-node';
import { EvmChain } from './adapters/evm-chain';
import { BatchStore } from './batch-store';
import { Batcher } from './batcher';
import { resolveAnchorOptions } from './config';
import { encodeLeaf } from './leaf';
import { buildTree } from './merkle';
import { ensureArtifact, removeDir, sampleReading, tempDir, waitFor } from './testing.spec-helper';
import { TreeCache } from './tree-cache';

describe('Batcher', () => {
  let dir: string;
  let anvil: AnvilNode;
  let chain: EvmChain;
  let store: BatchStore;
  let bus: SqliteBus;
  let batcher: Batcher | undefined;
  let seq = 0;

  const storeLeaves = (n: number) =>
    store.insertLeaves(
      Array.from({ length: n }, () => sampleReading(seq++)).map((r) => ({
        deviceId: r.deviceId, seq: r.seq, reading: JSON.stringify(r), leaf: encodeLeaf(r), deviceTime: r.deviceTime,
      })),
    );
  const startBatcher = (maxBatchSize: number, maxBatchAgeMs: number, trees = new TreeCache()) => {
    const options = resolveAnchorOptions({ dataDir: dir, maxBatchSize, maxBatchAgeMs, chain: { rpcUrl: anvil.rpcUrl, privateKey: anvil.privateKey } });
    batcher = new Batcher(options, store, chain, bus, trees);
    batcher.start();
    return batcher;
  };

  beforeAll(async () => {
    ensureArtifact();
    anvil = await AnvilNode.start();
  }, 60_000);
  beforeEach(() => {
    dir = tempDir('batcher');
    chain = new EvmChain({ rpcUrl: anvil.rpcUrl, privateKey: anvil.privateKey, dataDir: dir });
    store = new BatchStore(dir);
    bus = new SqliteBus({ file: path.join(dir, 'bus.sqlite') });
  });
  afterEach(async () => {
    await batcher?.stop();
    await bus.close();
    await chain.close();
    store.close();
    removeDir(dir);
  });
  afterAll(() => anvil?.stop());

  it('closes full batches at once and the remainder when its first leaf comes of age', async () => {
    storeLeaves(7);
    const trees = new TreeCache();
    startBatcher(3, 3_600_000, trees);
    await waitFor('two full batches anchored', () => store.listBatches(10).filter((b) => b.status === 'confirmed').length === 2);
    expect(store.pendingLeaves().count).toBe(1);
    await batcher!.stop();
    startBatcher(3, 200, trees);
    await waitFor('the remainder sealed by age', () => store.pendingLeaves().count === 0);
    const batches = await waitFor('three batches anchored', () => {
      const all = store.listBatches(10).reverse();
      return all.length === 3 && all.every((b) => b.status === 'confirmed') && all;
    });
    expect(batches.map((b) => b.count)).toEqual([3, 3, 1]);
    expect(new Set(batches.map((b) => b.txHash)).size).toBe(3);
    // The leaves of a batch are in arrival order; the tree sealed with it is kept for receipts.
    expect(buildTree(store.batchLeaves(batches[0]!.id)).root).toBe(batches[0]!.root);
    expect(trees.get(batches[2]!.id, () => { throw new Error('not cached'); }).root).toBe(batches[2]!.root);
    expect(store.batchLeaves(batches[0]!.id)).toEqual(
      [0, 1, 2].map((i) => encodeLeaf(JSON.parse(store.leaf(sampleReading(i).deviceId, 1_000 + i)!.reading))),
    );
  }, 60_000);

  it('records an anchoring that reached the chain before a crash, instead of sending it again', async () => {
    storeLeaves(2);
    const sealed = store.sealBatch(10, (leaves) => buildTree(leaves).root)!;
    const mined = await chain.anchor(sealed.root, sealed.count, sealed.fromTime, sealed.toTime);
    const events: AnchorEvent[] = [];
    const observer = bus.subscribe<AnchorEvent>(busTopics.anchors, 'test', async (m) => void events.push(...m.map((x) => x.value)));
    startBatcher(10, 60_000);
    const batch = await waitFor('the batch recorded', () => store.batch(sealed.id)?.status === 'confirmed' && store.batch(sealed.id));
    expect(batch).toMatchObject({ txHash: mined.txHash, blockNumber: mined.blockNumber, blockHash: mined.blockHash, error: null });
    await waitFor('the anchoring published', () => events.length === 1);
    expect(events[0]).toEqual({
      batchId: sealed.id, root: sealed.root, count: 2, chainId: 31337, contract: chain.contractAddress, txHash: mined.txHash, blockNumber: mined.blockNumber,
    });
    await observer.stop();
  }, 60_000);

  it('stores a leaf once however often it is delivered', () => {
    const reading = sampleReading(99);
    const row = { deviceId: reading.deviceId, seq: reading.seq, reading: JSON.stringify(reading), leaf: encodeLeaf(reading), deviceTime: reading.deviceTime };
    expect(store.insertLeaves([row, row])).toBe(1);
    expect(store.insertLeaves([{ ...row, reading: '{}' }])).toBe(0);
    expect(store.leaf(reading.deviceId, reading.seq)).toMatchObject({ reading: row.reading, batchId: null, leafIndex: null });
  });
});
