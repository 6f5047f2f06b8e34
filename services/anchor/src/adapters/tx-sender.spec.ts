import { randomBytes } from 'node:crypto';
import { ensureArtifact, removeDir, tempDir, waitFor } from '../testing.spec-helper';
import { AnvilNode } from './anvil-node';
import { EvmChain, EvmChainOptions } from './evm-chain';
import { jsonRpc } from './json-rpc';
import { SentTx } from './tx-sender';

interface RpcTx {
  readonly nonce: string;
  readonly maxFeePerGas: string;
  readonly maxPriorityFeePerGas: string;
  readonly type: string;
}

/** Stuck, dropped and confirmed transactions on a real anvil, with its mining switched to manual. */
describe('EvmChain sending anchor transactions', () => {
  let anvil: AnvilNode;
  let dir: string;
  let chain: EvmChain;

  const rpc = <T>(method: string, params: unknown[] = []) => jsonRpc<T>(anvil.rpcUrl, method, params);
  const root = () => `0x${randomBytes(32).toString('hex')}`;
  const connect = async (extra: Partial<EvmChainOptions> = {}) => {
    chain = new EvmChain({ rpcUrl: anvil.rpcUrl, privateKey: anvil.privateKey, dataDir: dir, pollingIntervalMs: 50, ...extra });
    await chain.connect();
    return chain;
  };
  /** Starts an anchoring without awaiting it; `sent` fills as versions are broadcast. */
  const startAnchoring = (r: string) => {
    const sent: SentTx[] = [];
    let settled: 'no' | 'resolved' | 'rejected' = 'no';
    const result = chain.anchor(r, 3, 1, 2, { onSent: (tx) => void sent.push(tx) });
    result.then(() => (settled = 'resolved'), () => (settled = 'rejected'));
    return { sent, result, settled: () => settled };
  };

  beforeAll(async () => {
    ensureArtifact();
    anvil = await AnvilNode.start();
  }, 60_000);
  beforeEach(() => {
    dir = tempDir('sender');
  });
  afterEach(async () => {
    await rpc('evm_setAutomine', [true]);
    await chain?.close();
    removeDir(dir);
  });
  afterAll(() => anvil?.stop());

  it('sends EIP-1559 transactions with explicit consecutive nonces', async () => {
    await connect();
    const first = startAnchoring(root());
    const a = await first.result;
    const second = startAnchoring(root());
    const b = await second.result;
    const [txA, txB] = await Promise.all([a, b].map((t) => rpc<RpcTx>('eth_getTransactionByHash', [t.txHash])));
    expect(txA!.type).toBe('0x2');
    expect(Number(txB!.nonce)).toBe(Number(txA!.nonce) + 1);
    expect(first.sent.map((s) => s.nonce)).toEqual([Number(txA!.nonce)]);
  }, 60_000);

  it('replaces a transaction that is not mined at the same nonce with fees raised by at least 12.5%', async () => {
    await connect({ resubmitAfterMs: 300 });
    await rpc('evm_setAutomine', [false]);
    const r = root();
    const anchoring = startAnchoring(r);
    await waitFor('a replacement', () => anchoring.sent.length >= 2);
    const [original, replacement] = anchoring.sent as [SentTx, SentTx];
    expect(replacement.nonce).toBe(original.nonce);
    expect(replacement.hash).not.toBe(original.hash);
    expect(replacement.maxFeePerGas * 1000n).toBeGreaterThanOrEqual(original.maxFeePerGas * 1125n);
    expect(replacement.maxPriorityFeePerGas * 1000n).toBeGreaterThanOrEqual(original.maxPriorityFeePerGas * 1125n);
    expect(anchoring.settled()).toBe('no');
    await rpc('evm_mine');
    const mined = await anchoring.result;
    expect(anchoring.sent.map((s) => s.hash)).toContain(mined.txHash);
    expect(mined.txHash).not.toBe(original.hash);
    expect(await rpc('eth_getTransactionReceipt', [original.hash])).toBeNull();
    expect(await chain.anchoredAt(r)).toMatchObject({ blockNumber: mined.blockNumber, count: 3 });
  }, 60_000);

  it('sends a transaction dropped from the mempool again, unchanged', async () => {
    await connect({ resubmitAfterMs: 600_000 });
    await rpc('evm_setAutomine', [false]);
    const r = root();
    const anchoring = startAnchoring(r);
    const [sent] = await waitFor('the first broadcast', () => anchoring.sent.length === 1 && anchoring.sent);
    await rpc('anvil_dropAllTransactions');
    // Dropped synchronously; pending again only once the sender noticed and broadcast it again.
    await waitFor('the transaction back in the mempool', async () => (await rpc<RpcTx | null>('eth_getTransactionByHash', [sent!.hash])) !== null);
    await rpc('evm_mine');
    const mined = await anchoring.result;
    expect(mined.txHash).toBe(sent!.hash);
    expect(anchoring.sent).toHaveLength(1);
    expect(await chain.anchoredAt(r)).toBeDefined();
  }, 60_000);

  it('gives a stuck payload up after txTimeoutMs and lets the next payload replace it at its nonce', async () => {
    await connect({ resubmitAfterMs: 600_000, txTimeoutMs: 1_000 });
    await rpc('evm_setAutomine', [false]);
    const [a, b] = [root(), root()];
    const stuck = startAnchoring(a);
    await expect(stuck.result).rejects.toThrow('ANCHOR_E_TX_TIMEOUT');
    const next = startAnchoring(b);
    const [replacement] = await waitFor('the replacement', () => next.sent.length === 1 && next.sent);
    expect(replacement!.nonce).toBe(stuck.sent[0]!.nonce);
    expect(replacement!.maxFeePerGas * 1000n).toBeGreaterThanOrEqual(stuck.sent[0]!.maxFeePerGas * 1125n);
    await rpc('evm_mine');
    expect((await next.result).txHash).toBe(replacement!.hash);
    expect(await chain.anchoredAt(a)).toBeUndefined();
    await rpc('evm_setAutomine', [true]);
    const again = await startAnchoring(a).result;
    expect(await chain.anchoredAt(a)).toMatchObject({ blockNumber: again.blockNumber });
  }, 60_000);

  it('resolves only once the configured confirmations are reached', async () => {
    // Deployed with one confirmation: anvil mines a block per transaction and none in between.
    const { contractAddress } = await connect();
    await chain.close();
    await connect({ confirmations: 3, contractAddress });
    const anchoring = startAnchoring(root());
    const [sent] = await waitFor('the broadcast', () => anchoring.sent.length === 1 && anchoring.sent);
    const receipt = await waitFor('the receipt', () => rpc<{ blockNumber: string } | null>('eth_getTransactionReceipt', [sent!.hash]));
    await rpc('evm_mine');
    // One block short: several polls later it still waits.
    const head = Number(await rpc<string>('eth_blockNumber'));
    expect(head - Number(receipt.blockNumber) + 1).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(anchoring.settled()).toBe('no');
    await rpc('evm_mine');
    const mined = await anchoring.result;
    expect(mined.blockNumber).toBe(Number(receipt.blockNumber));
  }, 60_000);

  it("takes each nonce from the node's pending count, so a transaction sent around the service does not collide", async () => {
    await connect();
    await startAnchoring(root()).result;
    // anvil's account 0 is unlocked: a transaction sent around the service spends "our" next nonce.
    const from = (await rpc<string[]>('eth_accounts'))[0];
    const other = await rpc<string>('eth_sendTransaction', [{ from, to: from, value: '0x1' }]);
    const { nonce: spent } = await rpc<RpcTx>('eth_getTransactionByHash', [other]);
    const r = root();
    const anchoring = startAnchoring(r);
    const mined = await anchoring.result;
    expect(anchoring.sent.map((s) => s.nonce)).toEqual([Number(spent) + 1]);
    expect(await chain.anchoredAt(r)).toMatchObject({ blockNumber: mined.blockNumber });
  }, 60_000);
});
