import { keccak256, toUtf8Bytes } from 'ethers';
import { AnvilNode } from './adapters/anvil-node';
import { EvmChain } from './adapters/evm-chain';
import { BatchStore } from './batch-store';
import { encodeLeaf } from './leaf';
import { buildTree } from './merkle';
import { Receipt, parseReceipt, readReceipt } from './receipt';
import { ReceiptService } from './receipt.service';
import { ensureArtifact, removeDir, sampleReading, tempDir } from './testing.spec-helper';
import { TreeCache } from './tree-cache';
import { verifyReceipt } from './verify-receipt';

describe('receipts and verifyReceipt', () => {
  let dir: string;
  let anvil: AnvilNode;
  let chain: EvmChain;
  let store: BatchStore;
  let receipt: Receipt;
  const readings = Array.from({ length: 5 }, (_, i) => sampleReading(i));
  const check = (r: Receipt) => verifyReceipt(r, { rpcUrl: anvil.rpcUrl });
  const copy = (): Receipt => structuredClone(receipt);

  beforeAll(async () => {
    ensureArtifact();
    dir = tempDir('receipt');
    anvil = await AnvilNode.start();
    chain = new EvmChain({ rpcUrl: anvil.rpcUrl, privateKey: anvil.privateKey, dataDir: dir });
    store = new BatchStore(dir);
    store.insertLeaves(readings.map((r) => ({ deviceId: r.deviceId, seq: r.seq, reading: JSON.stringify(r), leaf: encodeLeaf(r), deviceTime: r.deviceTime })));
    const batch = store.sealBatch(100, (leaves) => buildTree(leaves).root)!;
    const tx = await chain.anchor(batch.root, batch.count, batch.fromTime, batch.toTime);
    store.markAnchored(batch.id, 'confirmed', tx, { chainId: await chain.chainId(), contract: chain.contractAddress });
    receipt = new ReceiptService(store, new TreeCache()).receiptFor(readings[2]!.deviceId, readings[2]!.seq) as Receipt;
  }, 60_000);

  afterAll(async () => {
    store?.close();
    await chain?.close();
    await anvil?.stop();
    removeDir(dir);
  });

  it('a receipt is self-contained: the stored reading, its proof, and where the root is anchored', async () => {
    expect(receipt).toMatchObject({ version: 1, salt: readings[2]!.salt, leafIndex: 2, chainId: 31337, contract: chain.contractAddress });
    expect(receipt.proof.length).toBe(3);
    expect(new Date(receipt.anchoredAt).getTime()).toBeGreaterThan(0);
    expect(parseReceipt(JSON.parse(JSON.stringify(receipt)))).toEqual({ ok: true, receipt });
    expect(readReceipt(JSON.stringify(receipt))).toEqual(receipt);
    expect(await check(receipt)).toEqual({ ok: true, onChain: { blockNumber: receipt.blockNumber, timestamp: expect.any(Number), count: 5 } });
  });

  it('a changed value: the leaf does not match the reading', async () => {
    const tampered = copy();
    (tampered.reading.measurements as Record<string, number>)['heart_rate'] = 61;
    expect(await check(tampered)).toEqual({ ok: false, failure: expect.stringMatching(/^leaf does not match the reading: the reading hashes to 0x/) });
  });

  it('a changed salt: the leaf does not match the reading', async () => {
    const tampered = copy();
    tampered.salt = tampered.reading.salt = keccak256(toUtf8Bytes('guess'));
    expect(await check(tampered)).toMatchObject({ ok: false, failure: expect.stringMatching(/^leaf does not match the reading/) });
    const inconsistent = copy();
    inconsistent.salt = keccak256(toUtf8Bytes('other'));
    expect(await check(inconsistent)).toEqual({ ok: false, failure: "leaf does not match the reading: the reading's salt differs from the receipt's salt" });
  });

  it('a changed proof element: the proof does not lead to the root', async () => {
    const tampered = copy();
    tampered.proof[1] = keccak256(toUtf8Bytes('forged'));
    expect(await check(tampered)).toEqual({ ok: false, failure: expect.stringMatching(/^proof does not lead to the root: leaf and proof give 0x[0-9a-f]{64}, the receipt's root is 0x/) });
  });

  it('a wrong root: the proof does not lead to it', async () => {
    const tampered = copy();
    tampered.root = keccak256(toUtf8Bytes('another root'));
    expect(await check(tampered)).toMatchObject({ ok: false, failure: expect.stringMatching(/^proof does not lead to the root/) });
  });

  it('a consistent forgery: the root is not anchored on the contract', async () => {
    const forged = copy();
    (forged.reading.measurements as Record<string, number>)['heart_rate'] = 61;
    forged.leaf = forged.root = encodeLeaf({ ...forged.reading, salt: forged.salt });
    forged.proof = [];
    expect(await check(forged)).toEqual({ ok: false, failure: `root not anchored on the contract: ${forged.root} is unknown to ${forged.contract} on chain 31337` });
  });

  it('another chain, another contract, a dead endpoint: each says so', async () => {
    expect(await check({ ...copy(), chainId: 1 })).toEqual({ ok: false, failure: `chain id differs: the receipt is for chain 1, ${anvil.rpcUrl} serves chain 31337` });
    expect(await check({ ...copy(), contract: '0x00000000000000000000000000000000000000aa' })).toEqual({
      ok: false,
      failure: 'root not anchored on the contract: there is no contract at 0x00000000000000000000000000000000000000aa on chain 31337',
    });
    expect(await verifyReceipt(receipt, { rpcUrl: 'http://127.0.0.1:9', timeoutMs: 2_000 })).toEqual({
      ok: false,
      failure: expect.stringMatching(/^rpc unreachable: http:\/\/127\.0\.0\.1:9 \(/),
    });
  });

  it('parseReceipt names what is wrong with a malformed receipt', () => {
    const error = (json: unknown) => {
      const parsed = parseReceipt(json);
      return parsed.ok ? 'accepted' : parsed.error;
    };
    expect(error('{ not json')).toMatch(/^not JSON \(/);
    expect(error({ ...receipt, version: 2 })).toBe('receipt.version: unsupported receipt version (this verifier reads version 1)');
    expect(error({ ...receipt, proof: ['0x12'] })).toBe('receipt.proof.0: must be 0x followed by 64 hex digits');
    const { leaf: _leaf, ...withoutLeaf } = receipt;
    expect(error(withoutLeaf)).toMatch(/^receipt\.leaf: /);
    expect(error({ hello: 'auditor' })).toMatch(/^receipt\.version: .*; receipt\.reading: .*; receipt\.salt: .* \(and \d+ more\)$/);
    expect(() => readReceipt({ ...receipt, version: 2 })).toThrow('ANCHOR_E_BAD_RECEIPT: receipt.version: unsupported receipt version');
  });
});
