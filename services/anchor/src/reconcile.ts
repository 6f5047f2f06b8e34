import { Logger } from '@nestjs/common';
import { Batch, BatchStore, isOnChain } from './batch-store';
import { ChainPort } from './chain.port';

const PAGE = 100;

export interface ReconcileResult {
  readonly checked: number;
  readonly reanchored: number;
  readonly updated: number;
}

/**
 * Start-up check (fromBlock 0), and the periodic reorg check of recent blocks (fromBlock = head -
 * reorg depth), that every batch the store calls confirmed is anchored on the chain and contract
 * in use now. A root the contract does not know (the embedded chain's state was lost, a reorg
 * dropped the block, the service was pointed at another chain) is anchored again and marked
 * re-anchored; a root the contract knows under another block (by number or hash) gets its
 * record corrected. Sealed batches that never reached the chain are the batcher's normal queue.
 */
export async function reconcileAnchored(
  store: BatchStore,
  chain: ChainPort,
  reanchor: (batch: Batch) => Promise<void>,
  logger = new Logger('AnchorReconcile'),
  fromBlock = 0,
): Promise<ReconcileResult> {
  const chainId = await chain.chainId();
  const contract = chain.contractAddress;
  let checked = 0;
  let reanchored = 0;
  let updated = 0;
  for (let page = store.anchoredBatches(0, PAGE, fromBlock); page.length > 0; page = store.anchoredBatches(page[page.length - 1]!.id, PAGE, fromBlock)) {
    // Concurrent calls in one tick go out as one JSON-RPC batch (ethers batches them).
    const [onChain, hashes] = await Promise.all([
      Promise.all(page.map((batch) => chain.anchoredAt(batch.root))),
      Promise.all(page.map((batch) => (batch.blockNumber === null ? undefined : chain.blockHash(batch.blockNumber)))),
    ]);
    for (const [i, batch] of page.entries()) {
      checked++;
      const found = onChain[i];
      // The recorded block was orphaned (EIP-3675 fork choice, or a PoW/anvil reorg) and the
      // transaction is not in the new chain: the root is anchored again.
      if (!found) {
        logger.warn(`batch ${batch.id} (root ${batch.root}) is not anchored on chain ${chainId} contract ${contract}: anchoring it again`);
        await reanchor(batch);
        reanchored++;
        continue;
      }
      const recordedHere = batch.chainId === chainId && batch.contract?.toLowerCase() === contract.toLowerCase();
      // Same number but another hash: a reorg, or another chain that reuses the id and the address.
      const sameBlock = batch.blockNumber === found.blockNumber && hashes[i]?.toLowerCase() === batch.blockHash?.toLowerCase();
      if (recordedHere && sameBlock) continue;
      const tx = await chain.findAnchorTx(batch.root, found.blockNumber);
      if (!tx) continue;
      store.markAnchored(batch.id, isOnChain(batch.status) ? batch.status : 'confirmed', tx, { chainId, contract });
      updated++;
    }
  }
  if (reanchored > 0 || updated > 0) {
    logger.log(`reconciled ${checked} confirmed batches: ${reanchored} re-anchored, ${updated} records corrected`);
  }
  return { checked, reanchored, updated };
}
