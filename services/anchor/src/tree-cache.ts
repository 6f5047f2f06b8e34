import { BatchTree } from './merkle';

/**
 * The trees of the most recently used batches, by batch id (least recently used evicted first).
 * Proofs for a hot batch come from memory; a 65,536-leaf tree holds ~131k nodes, so a few suffice.
 */
export class TreeCache {
  private readonly trees = new Map<number, BatchTree>();

  constructor(private readonly capacity = 4) {}

  get(batchId: number, build: () => BatchTree): BatchTree {
    const hit = this.trees.get(batchId);
    if (hit) {
      this.trees.delete(batchId);
      this.trees.set(batchId, hit);
      return hit;
    }
    const tree = build();
    this.set(batchId, tree);
    return tree;
  }

  set(batchId: number, tree: BatchTree): void {
    this.trees.delete(batchId);
    this.trees.set(batchId, tree);
    while (this.trees.size > this.capacity) this.trees.delete(this.trees.keys().next().value as number);
  }

  get size(): number {
    return this.trees.size;
  }
}
