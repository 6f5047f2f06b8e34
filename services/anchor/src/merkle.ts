import { keccak256 } from 'ethers';
import { AnchorError } from './errors';

/**
 * Merkle trees of leaves (already hashed, see leaf.ts) with sorted pairs: a parent is
 * keccak256(min(a, b) ‖ max(a, b)), OpenZeppelin's Hashes.commutativeKeccak256, so proofs verify
 * with OZ MerkleProof.verify and carry no left/right flags. An odd node at the end of a level is
 * promoted unchanged (what merkletreejs does with sortPairs and without duplicateOdd), which
 * MerkleProof accepts: its proof simply has no element for that level. A one-leaf tree's root is
 * the leaf, with an empty proof.
 *
 * The levels are built here rather than by merkletreejs: its getHexProof looks a leaf up by a
 * linear scan, O(n) per proof and O(n^2) per batch (issue 4, item 7). Keeping every level lets a
 * proof be read by index in O(log n), and all proofs of a batch in one O(n log n) pass.
 * merkle.spec.ts checks roots and proofs against merkletreejs and the deployed contract.
 */
export interface BatchTree {
  readonly root: string;
  readonly size: number;
  /** the sibling hashes from the leaf at `index` up to the root, O(log n) */
  proofFor(index: number): string[];
  /** every leaf's proof, in leaf order, in one pass over the levels (O(n log n) in total) */
  allProofs(): string[][];
}

export function buildTree(leaves: readonly string[]): BatchTree {
  if (leaves.length === 0) throw new AnchorError('ANCHOR_E_EMPTY_TREE', 'cannot build a tree of no leaves');
  const levels = buildLevels(leaves.map(normalise));
  const size = leaves.length;
  return {
    root: levels[levels.length - 1]![0]!,
    size,
    proofFor(index: number): string[] {
      if (!Number.isInteger(index) || index < 0 || index >= size) throw new RangeError(`no leaf at index ${index} (tree of ${size})`);
      return proofAt(levels, index);
    },
    allProofs(): string[][] {
      return allProofs(levels);
    },
  };
}

/** levels[0] = leaves, levels[last] = [root]. */
function buildLevels(leaves: string[]): string[][] {
  const levels = [leaves];
  let level = leaves;
  while (level.length > 1) {
    const parents = new Array<string>(Math.ceil(level.length / 2));
    for (let i = 0; i + 1 < level.length; i += 2) parents[i >> 1] = hashPair(level[i]!, level[i + 1]!);
    // odd node out: promoted unchanged, never hashed with itself
    if (level.length % 2 === 1) parents[parents.length - 1] = level[level.length - 1]!;
    levels.push(parents);
    level = parents;
  }
  return levels;
}

function proofAt(levels: readonly string[][], index: number): string[] {
  const proof: string[] = [];
  for (let depth = 0; depth < levels.length - 1; depth++) {
    const level = levels[depth]!;
    const sibling = index ^ 1;
    if (sibling < level.length) proof.push(level[sibling]!);
    index >>= 1;
  }
  return proof;
}

/**
 * Proofs share their upper part with their neighbours: the proof of leaf i is its sibling at level
 * 0 followed by the proof of node i >> 1 at level 1. Building top-down, each level's proofs extend
 * the parent level's, so every sibling is read once per leaf and no leaf is ever searched for.
 */
function allProofs(levels: readonly string[][]): string[][] {
  let above: string[][] = [[]]; // the root's proof
  for (let depth = levels.length - 2; depth >= 0; depth--) {
    const level = levels[depth]!;
    const proofs = new Array<string[]>(level.length);
    for (let i = 0; i < level.length; i++) {
      const sibling = i ^ 1;
      const parent = above[i >> 1]!;
      proofs[i] = sibling < level.length ? [level[sibling]!, ...parent] : parent.slice();
    }
    above = proofs;
  }
  return above;
}

/** commutativeKeccak256 on normalised words, without re-validating them. */
function hashPair(a: string, b: string): string {
  const [lo, hi] = a < b ? [a, b] : [b, a];
  return keccak256(Buffer.from(lo.slice(2) + hi.slice(2), 'hex'));
}

/**
 * Recomputes the root from a leaf and its proof without the tree, the way OZ
 * MerkleProof.processProof does: fold the proof with commutativeKeccak256.
 */
export function processProof(leaf: string, proof: readonly string[]): string {
  let node = normalise(leaf);
  for (const sibling of proof) node = hashPair(node, normalise(sibling));
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
  return hashPair(normalise(a), normalise(b));
}

const BYTES32 = /^0x[0-9a-f]{64}$/;

function normalise(value: string): string {
  const lower = value.toLowerCase();
  if (!BYTES32.test(lower)) throw new TypeError('a Merkle node must be 0x followed by 64 hex digits');
  return lower;
}
