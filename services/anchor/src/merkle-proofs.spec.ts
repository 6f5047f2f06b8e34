import { randomBytes } from 'node:crypto';
import { getBytes, keccak256 } from 'ethers';
import { MerkleTree } from 'merkletreejs';
import { buildTree, verifyProof } from './merkle';

const randomLeaves = (n: number) => Array.from({ length: n }, () => keccak256(randomBytes(32)));
const keccak = (data: Buffer): Buffer => Buffer.from(getBytes(keccak256(data)));

/** The reference the tree used to be built with: merkletreejs, sorted pairs, odd node promoted. */
function reference(leaves: string[]) {
  const tree = new MerkleTree(leaves.map((l) => Buffer.from(getBytes(l))), keccak, { sortPairs: true });
  return { root: tree.getHexRoot(), proofs: leaves.map((l, i) => tree.getHexProof(Buffer.from(getBytes(l)), i)) };
}

describe('batch tree proofs by index and in one pass', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 33, 100, 257])('a %i-leaf tree has merkletreejs\'s root and proofs', (n) => {
    const leaves = randomLeaves(n);
    const tree = buildTree(leaves);
    const expected = reference(leaves);
    expect(tree.root).toBe(expected.root);
    expect(leaves.map((_, i) => tree.proofFor(i))).toEqual(expected.proofs);
    expect(tree.allProofs()).toEqual(expected.proofs);
  });

  it('every proof from allProofs verifies, and only for its own leaf', () => {
    const leaves = randomLeaves(1000);
    const tree = buildTree(leaves);
    const proofs = tree.allProofs();
    expect(proofs).toHaveLength(1000);
    for (const [i, leaf] of leaves.entries()) expect(verifyProof(leaf, proofs[i]!, tree.root)).toBe(true);
    expect(verifyProof(leaves[1]!, proofs[0]!, tree.root)).toBe(false);
  });

  it('accepts upper-case hex leaves and answers in lower case', () => {
    const leaves = randomLeaves(3);
    expect(buildTree(leaves.map((l) => `0x${l.slice(2).toUpperCase()}`)).root).toBe(buildTree(leaves).root);
  });

  it('refuses an index outside the tree', () => {
    const tree = buildTree(randomLeaves(4));
    expect(() => tree.proofFor(4)).toThrow(RangeError);
    expect(() => tree.proofFor(-1)).toThrow(RangeError);
    expect(() => tree.proofFor(1.5)).toThrow(RangeError);
  });
});
