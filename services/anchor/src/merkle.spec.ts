import { randomBytes } from 'node:crypto';
import { keccak256 } from 'ethers';
import { AnvilNode } from './adapters/anvil-node';
import { EvmChain } from './adapters/evm-chain';
import { buildTree, commutativeKeccak256, processProof, verifyProof } from './merkle';
import { ensureArtifact, removeDir, tempDir } from './testing.spec-helper';

const randomLeaves = (n: number) => Array.from({ length: n }, () => keccak256(randomBytes(32)));

describe('merkle trees (sorted pairs, OZ MerkleProof compatible)', () => {
  let anvil: AnvilNode;
  let chain: EvmChain;
  let dir: string;

  beforeAll(async () => {
    ensureArtifact();
    dir = tempDir('merkle');
    anvil = await AnvilNode.start();
    chain = new EvmChain({ rpcUrl: anvil.rpcUrl, privateKey: anvil.privateKey, dataDir: dir });
    await chain.connect();
  }, 60_000);

  afterAll(async () => {
    await chain?.close();
    await anvil?.stop();
    removeDir(dir);
  });

  it('a one-leaf tree has the leaf as root and an empty proof', () => {
    const [leaf] = randomLeaves(1);
    const tree = buildTree([leaf!]);
    expect(tree.root).toBe(leaf);
    expect(tree.proofFor(0)).toEqual([]);
  });

  it('a parent is keccak256 of the smaller child then the larger', () => {
    const [a, b] = randomLeaves(2) as [string, string];
    const [lo, hi] = a < b ? [a, b] : [b, a];
    expect(buildTree([a, b]).root).toBe(keccak256(`0x${lo.slice(2)}${hi.slice(2)}`));
    expect(commutativeKeccak256(a, b)).toBe(commutativeKeccak256(b, a));
  });

  it('promotes the odd node of a level unchanged (no duplication)', () => {
    const [a, b, c] = randomLeaves(3) as [string, string, string];
    const tree = buildTree([a, b, c]);
    expect(tree.root).toBe(commutativeKeccak256(commutativeKeccak256(a, b), c));
    expect(tree.proofFor(2)).toEqual([commutativeKeccak256(a, b)]);
  });

  it.each([1, 2, 3, 7, 1000])('every proof of a %i-leaf tree verifies off chain and with the contract', async (n) => {
    const leaves = randomLeaves(n);
    const tree = buildTree(leaves);
    await chain.anchor(tree.root, n, 0, 0);
    const proofs = leaves.map((_, i) => tree.proofFor(i));
    for (const [i, leaf] of leaves.entries()) {
      expect(verifyProof(leaf, proofs[i]!, tree.root)).toBe(true);
      expect(processProof(leaf, proofs[i]!)).toBe(tree.root);
    }
    // Concurrent calls go out as JSON-RPC batches.
    const onChain = await Promise.all(leaves.map((leaf, i) => chain.verify(tree.root, proofs[i]!, leaf)));
    expect(onChain.every(Boolean)).toBe(true);
  }, 120_000);

  it('rejects a wrong leaf, a changed proof element and a wrong root, off chain and on chain', async () => {
    const leaves = randomLeaves(7);
    const tree = buildTree(leaves);
    await chain.anchor(tree.root, 7, 0, 0);
    const proof = tree.proofFor(3);
    const [stranger] = randomLeaves(1) as [string];
    const changed = [...proof];
    changed[1] = stranger;
    for (const [leaf, p, root] of [
      [stranger, proof, tree.root],
      [leaves[3]!, changed, tree.root],
      [leaves[3]!, proof, stranger],
    ] as const) {
      expect(verifyProof(leaf, p, root)).toBe(false);
      expect(await chain.verify(root, p, leaf)).toBe(false);
    }
    expect(verifyProof('not hex', proof, tree.root)).toBe(false);
  });

  it('the contract refuses a valid proof for a root that was never anchored', async () => {
    const leaves = randomLeaves(3);
    const tree = buildTree(leaves);
    expect(verifyProof(leaves[0]!, tree.proofFor(0), tree.root)).toBe(true);
    expect(await chain.verify(tree.root, tree.proofFor(0), leaves[0]!)).toBe(false);
  });

  it('refuses to build a tree of no leaves', () => {
    expect(() => buildTree([])).toThrow('ANCHOR_E_EMPTY_TREE');
  });
});
