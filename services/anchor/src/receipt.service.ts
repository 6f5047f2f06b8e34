import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { readingId } from '@pulseproof/contracts';
import { BatchStore } from './batch-store';
import { buildTree } from './merkle';
import { Receipt, buildReceipt } from './receipt';
import { TreeCache } from './tree-cache';

/** Issues receipts for stored readings; proofs come from cached trees (see TreeCache). */
@Injectable()
export class ReceiptService {
  constructor(
    private readonly store: BatchStore,
    private readonly trees: TreeCache,
  ) {}

  /** The receipt of a reading; 'pending' while its batch is not on chain yet. */
  receiptFor(deviceId: string, seq: number): Receipt | 'not-found' | 'pending' {
    const stored = this.store.leaf(deviceId, seq);
    if (!stored) return 'not-found';
    if (stored.batchId === null || stored.leafIndex === null) return 'pending';
    const batch = this.store.batch(stored.batchId);
    if (!batch || (batch.status !== 'confirmed' && batch.status !== 're-anchored')) return 'pending';
    const tree = this.trees.get(batch.id, () => buildTree(this.store.batchLeaves(batch.id)));
    return buildReceipt({
      storedReading: stored.reading,
      leaf: stored.leaf,
      leafIndex: stored.leafIndex,
      proof: tree.proofFor(stored.leafIndex),
      batch,
    });
  }

  /** receiptFor for the HTTP API: 404 for an unknown reading, 409 while it is not anchored yet. */
  receiptOrThrow(deviceId: string, seq: number): Receipt {
    const receipt = this.receiptFor(deviceId, seq);
    const id = readingId(deviceId, seq);
    if (receipt === 'not-found') throw new NotFoundException(`reading ${id} is unknown to the anchor service`);
    if (receipt === 'pending') {
      throw new ConflictException(`reading ${id} is not anchored yet: its batch closes and is anchored within seconds; try again`);
    }
    return receipt;
  }
}
