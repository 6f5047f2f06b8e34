import { getBytes, keccak256 } from 'ethers';
import { MerkleTree } from 'merkletreejs';
import { AnchorError } from './errors';

/**
 * Merkle trees of leaves (already hashed, see leaf.ts) with sorted pairs: a parent is
 * keccak256(min(a, b) ‖ max(a, b)), OpenZeppelin's Hashes.commutativeKeccak256, so proofs verify
 * with OZ MerkleProof.verify and carry no left/right flags. An odd node at the end of a level is
 * promoted unchanged (merkletreejs without duplicateOdd), which MerkleProof accepts: its proof
 * simply has no element for that level. A one-leaf tree's root is the leaf, with an empty proof.
 */
export interface BatchTree {
  readonly root: string;
  readonly size: number;
  /** the sibling hashes from the leaf at `index` up to the root */
  proofFor(index: number): string[];
}

const keccak = (data: Buffer): Buffer => Buffer.from(getBytes(keccak256(data)));

export function buildTree(leaves: readonly string[]): BatchTree {
  if (leaves.length === 0) throw new AnchorError('ANCHOR_E_EMPTY_TREE', 'cannot build a tree of no leaves');
  const buffers = leaves.map((leaf) => Buffer.from(getBytes(leaf)));
  const tree = new MerkleTree(buffers, keccak, { sortPairs: true });
  return {
    root: tree.getHexRoot(),
    size: buffers.length,
    proofFor(index: number): string[] {
      const leaf = buffers[index];
      if (!Number.isInteger(index) || leaf === undefined) throw new RangeError(`no leaf at index ${index} (tree of ${buffers.length})`);
      return tree.getHexProof(leaf, index);
    },
  };
}

/**
 * Recomputes the root from a leaf and its proof without merkletreejs, the way OZ
 * MerkleProof.processProof does: fold the proof with commutativeKeccak256.
 */
export function processProof(leaf: string, proof: readonly string[]): string {
  let node = normalise(leaf);
  for (const sibling of proof) node = commutativeKeccak256(node, normalise(sibling));
  return node;
}

export function verifyProof(leaf: string, proof: readonly string[], root: string): boolean {
  try {
    return processProof(leaf, proof) === normalise(root);
  } catch {
    return false;
  }
}

/** OZ Hashes.commutativeKeccak256: the smaller word first, compared as uint256. */
export function commutativeKeccak256(a: string, b: string): string {
  // Equal-length lowercase hex compares like the numbers it spells.
  return a < b ? keccak256(concat32(a, b)) : keccak256(concat32(b, a));
}

function concat32(a: string, b: string): string {
  return `0x${a.slice(2)}${b.slice(2)}`;
}

const BYTES32 = /^0x[0-9a-f]{64}$/;

function normalise(value: string): string {
  const lower = value.toLowerCase();
  if (!BYTES32.test(lower)) throw new TypeError('a Merkle node must be 0x followed by 64 hex digits');
  return lower;
}
