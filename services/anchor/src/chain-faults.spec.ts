import path from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { SqliteBus } from '@pulseproof/bus';
import { Reading, busTopics } from '@pulseproof/contracts';
import { Interface, Wallet } from 'ethers';
import { AnvilNode } from './adapters/anvil-node';
import { loadVitalsAnchorArtifact } from './artifact';
import { jsonRpc } from './adapters/json-rpc';
import { Batch, BatchStore } from './batch-store';
import { ChainPort } from './chain.port';
import { AnchorOptions } from './config';
import { ReceiptService } from './receipt.service';
import { Receipt } from './receipt';
import { ensureArtifact, removeDir, sampleReading, startAnchorApp, tempDir, waitFor } from './testing.spec-helper';
import { verifyReceipt } from './verify-receipt';


/** The anchor service against a chain that reorganises, and one that goes away and comes back. */
describe('AnchorService when the chain misbehaves', () => {
  let dir: string;
  let bus: SqliteBus;
  let app: INestApplicationContext | undefined;
  const nodes: AnvilNode[] = [];
  let seq = 0;

  const start = async (anvil: AnvilNode, extra: Partial<AnchorOptions> = {}) => {
    app = await startAnchorApp(bus, {
      dataDir: path.join(dir, 'anchor'),
      maxBatchSize: 4,
      maxBatchAgeMs: 200,
      retryDelayMs: 50,
      retryMaxDelayMs: 200,
      pollingIntervalMs: 50,
      chain: { rpcUrl: anvil.rpcUrl, privateKey: anvil.privateKey },
      ...extra,
    });
    await app.init();
  };
  const startAnvil = async (options: Parameters<typeof AnvilNode.start>[0] = {}) => {
    const node = await AnvilNode.start(options);
    nodes.push(node);
    return node;
  };
  const publish = async (n: number) => {
    const readings = Array.from({ length: n }, () => sampleReading(seq++));
    await Promise.all(readings.map((r) => bus.publish(busTopics.readings, r.patientId, r)));
    return readings;
  };
  const batches = (): Batch[] => app!.get(BatchStore).listBatches(500).reverse();
  const onChain = (b: Batch) => b.status === 'confirmed' || b.status === 're-anchored';
  /** Anchored events of the contract, per root: how many times each root went on chain. */
  const anchoredEvents = async (rpcUrl: string, contract: string) => {
    const ANCHORED_TOPIC = new Interface(loadVitalsAnchorArtifact().abi).getEvent('Anchored')!.topicHash;
    const logs = await jsonRpc<{ topics: string[] }[]>(rpcUrl, 'eth_getLogs', [{ address: contract, fromBlock: '0x0', toBlock: 'latest', topics: [ANCHORED_TOPIC] }]);
    return logs.map((l) => l.topics[1]!);
  };

  beforeAll(() => ensureArtifact());
  beforeEach(() => {
    dir = tempDir('faults');
    bus = new SqliteBus({ file: path.join(dir, 'bus.sqlite'), retryDelayMs: 50 });
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await bus.close();
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
    removeDir(dir);
  });

  it('re-anchors a root whose block a reorg orphaned, and its receipts follow', async () => {
    const anvil = await startAnvil();
    await start(anvil, { reorgCheckIntervalMs: 100, reorgDepth: 20 });
    const readings = await publish(4);
    const [before] = await waitFor('the batch confirmed', () => batches().length === 1 && batches().every(onChain) && batches());
    expect(before!.status).toBe('confirmed');
    const head = Number(await jsonRpc<string>(anvil.rpcUrl, 'eth_blockNumber'));
    // anvil_reorg(depth, txs): replaces the last `depth` blocks with new empty ones (new hashes).
    await jsonRpc(anvil.rpcUrl, 'anvil_reorg', [head - before!.blockNumber! + 1, []]);
    const orphanedHash = await app!.get(ChainPort).blockHash(before!.blockNumber!);
    expect(orphanedHash).not.toBe(before!.blockHash);

    const [after] = await waitFor('the batch re-anchored', () => batches()[0]?.status === 're-anchored' && batches());
    expect(after).toMatchObject({ root: before!.root, count: 4, error: null });
    expect(after!.blockHash).not.toBe(before!.blockHash);
    expect(await app!.get(ChainPort).blockHash(after!.blockNumber!)).toBe(after!.blockHash);
    const receipt = app!.get(ReceiptService).receiptFor(readings[2]!.deviceId, readings[2]!.seq) as Receipt;
    expect(receipt.txHash).toBe(after!.txHash);
    expect(await verifyReceipt(receipt, { rpcUrl: anvil.rpcUrl })).toMatchObject({ ok: true });
    expect(await anchoredEvents(anvil.rpcUrl, after!.contract!)).toEqual([before!.root]);
  }, 60_000);

  it('after a restart, replaces the transaction an earlier run left waiting instead of queueing a second', async () => {
    const anvil = await startAnvil();
    await start(anvil, { resubmitAfterMs: 600_000 });
    await waitFor('the contract deployed', () => app!.get(ChainPort).status().contract);
    await jsonRpc(anvil.rpcUrl, 'evm_setAutomine', [false]);
    await publish(4);
    const [sent] = await waitFor('the batch sent', () => batches()[0]?.txHash && batches());
    await app!.close(); // the transaction stays in the mempool, unmined
    app = undefined;

    await start(anvil, { resubmitAfterMs: 600_000 });
    const [replaced] = await waitFor('the replacement', () => batches()[0]?.txHash !== sent!.txHash && batches());
    expect(replaced!.txNonce).toBe(sent!.txNonce);
    await jsonRpc(anvil.rpcUrl, 'evm_mine');
    const [confirmed] = await waitFor('the batch confirmed', () => batches()[0]?.status === 'confirmed' && batches());
    expect(confirmed!.txHash).toBe(replaced!.txHash);
    const account = new Wallet(anvil.privateKey).address;
    expect(Number(await jsonRpc<string>(anvil.rpcUrl, 'eth_getTransactionCount', [account, 'latest']))).toBe(sent!.txNonce! + 1);
    expect(await anchoredEvents(anvil.rpcUrl, confirmed!.contract!)).toEqual([confirmed!.root]);
  }, 60_000);

  it.each([
    ['from its state file', true],
    ['as a fresh chain', false],
  ])('keeps sealed batches while the chain is down and anchors each once when it is back %s', async (_, sameState) => {
    const stateDir = path.join(dir, 'anvil');
    const first = await startAnvil({ dataDir: stateDir });
    const port = Number(new URL(first.rpcUrl).port);
    await start(first);
    const readings: Reading[] = await publish(4);
    await waitFor('the first batch confirmed', () => batches().length === 1 && batches().every(onChain));
    await first.stop();

    readings.push(...(await publish(6)));
    // Oldest first: the second batch fails and is retried, the third waits its turn.
    const waiting = await waitFor('sealed batches waiting', () => {
      const b = batches();
      return b.length === 3 && b[1]!.status === 'failed' && b[1]!.attempts > 1 && b[2]!.status !== 'confirmed' && b;
    });
    expect(waiting[1]!.error).toMatch(/rpc unreachable|ECONNREFUSED|connect/i);

    // The same port: the URL the service knows. With the state file it is the chain as it was;
    // without, an empty chain where the contract is deployed again and the first root re-anchored.
    const second = await startAnvil(sameState ? { dataDir: stateDir, port } : { port });
    const all = await waitFor('every batch on chain', () => {
      const b = batches();
      return b.length === 3 && b.every(onChain) && (sameState || b[0]!.status === 're-anchored') && b;
    });
    expect(all.map((b) => b.status)).toEqual([sameState ? 'confirmed' : 're-anchored', 'confirmed', 'confirmed']);
    expect(all.reduce((n, b) => n + b.count, 0)).toBe(readings.length);
    const events = await anchoredEvents(second.rpcUrl, all[0]!.contract!);
    expect(events.sort()).toEqual(all.map((b) => b.root).sort());
    for (const r of [readings[0]!, readings[9]!]) {
      const receipt = app!.get(ReceiptService).receiptFor(r.deviceId, r.seq) as Receipt;
      expect(await verifyReceipt(receipt, { rpcUrl: second.rpcUrl })).toMatchObject({ ok: true });
    }
  }, 90_000);
});
