import { Inject, Injectable, Logger } from '@nestjs/common';
import { AnchorEvent, busTopics } from '@pulseproof/contracts';
import { Bus } from '@pulseproof/bus';
import { Batch, BatchStore, OnChainStatus, isOnChain } from './batch-store';
import { AnchorTx, ChainPort } from './chain.port';
import { ANCHOR_OPTIONS, ResolvedAnchorOptions } from './config';
import { shortError } from './errors';
import { buildTree } from './merkle';
import { reconcileAnchored } from './reconcile';
import { TreeCache } from './tree-cache';

/**
 * The single writer that turns stored leaves into anchored batches.
 *
 * - Sealing: a batch closes when maxBatchSize leaves are pending, or maxBatchAgeMs after the
 *   first pending leaf was stored, whichever comes first. Sealing is local and never waits on
 *   the chain, so leaves keep being sealed while the chain is down.
 * - Anchoring: one batch in flight at a time, oldest first. Before sending, the contract is
 *   asked whether it already knows the root (a crash after mining, before recording); if so the
 *   existing anchoring is recorded instead. A failure leaves the batch queued and the loop
 *   retries with exponential backoff. The contract refuses a root twice, so nothing is
 *   anchored twice even if a timed-out transaction is mined later.
 * - Start: reconcileAnchored runs once (with the same retries) before the first anchoring, and
 *   again after every reconnection (the node may have come back as another chain).
 * - Reorgs: every reorgCheckIntervalMs, the batches confirmed in the last reorgDepth blocks are
 *   checked again (block hash at their height, root still known to the contract); an orphaned
 *   root is anchored again and marked re-anchored.
 * - Sent transactions are the TransactionSender's: explicit nonces, EIP-1559 fees, replacement
 *   of stuck and re-sending of dropped transactions, confirmations. Each version sent is recorded
 *   on the batch (still pending) so /api/anchors shows what is on its way.
 */
@Injectable()
export class Batcher {
  private readonly logger = new Logger('AnchorBatcher');
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private reconciled = false;
  /** the chain connection the last full reconcile ran on */
  private reconciledGeneration = -1;
  private timer: NodeJS.Timeout | undefined;
  private retryAt = 0;
  private nextReorgCheck = 0;
  private backoff: number;
  /** the last anchoring or reconcile failure, cleared by the next success */
  lastError: string | undefined;

  constructor(
    @Inject(ANCHOR_OPTIONS) private readonly options: ResolvedAnchorOptions,
    private readonly store: BatchStore,
    private readonly chain: ChainPort,
    private readonly bus: Bus,
    private readonly trees: TreeCache,
  ) {
    this.backoff = options.retryDelayMs;
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Runs the loop now, or once more after the pass in progress (new leaves, a due timer). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      } else {
        this.schedule();
      }
    });
  }

  /** Stops after the batch in flight (if any) is anchored or has failed. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private async pass(): Promise<void> {
    this.sealDue();
    if (Date.now() < this.retryAt) return;
    // Taken before reconciling, so that a chain that cannot be reached shows on the waiting batch.
    let batch = this.store.nextUnanchored();
    try {
      // Connecting first: a connection made anew after an outage is reconciled before any send.
      await this.chain.connect();
      if (!this.reconciled || this.chain.generation !== this.reconciledGeneration) {
        await reconcileAnchored(this.store, this.chain, (b) => this.reanchor(b), this.logger);
        this.reconciled = true;
        this.reconciledGeneration = this.chain.generation;
        this.nextReorgCheck = Date.now() + this.options.reorgCheckIntervalMs;
      }
      for (; batch && !this.stopped; batch = this.store.nextUnanchored()) {
        await this.anchorBatch(batch, 'confirmed');
        this.sealDue();
      }
      batch = undefined;
      if (!this.stopped && Date.now() >= this.nextReorgCheck) await this.checkRecentBlocks();
      this.lastError = undefined;
      this.retryAt = 0;
      this.backoff = this.options.retryDelayMs;
    } catch (error) {
      this.lastError = shortError(error);
      if (batch) this.store.markFailed(batch.id, this.lastError);
      this.retryAt = Date.now() + this.backoff;
      this.logger.warn(`anchoring ${batch ? `batch ${batch.id}` : 'reconcile'} failed, retrying in ${this.backoff} ms: ${this.lastError}`);
      this.backoff = Math.min(this.backoff * 2, this.options.retryMaxDelayMs);
    }
  }

  /** Seals every batch that is due; builds its tree once and keeps it for receipts. */
  private sealDue(): void {
    for (;;) {
      const { count, oldestStoredAt } = this.store.pendingLeaves();
      if (count === 0 || oldestStoredAt === null) return;
      const full = count >= this.options.maxBatchSize;
      if (!full && Date.now() - oldestStoredAt < this.options.maxBatchAgeMs) return;
      let tree: ReturnType<typeof buildTree> | undefined;
      const batch = this.store.sealBatch(this.options.maxBatchSize, (leaves) => (tree = buildTree(leaves)).root);
      if (!batch) return;
      if (tree) this.trees.set(batch.id, tree);
      this.logger.log(`sealed batch ${batch.id}: ${batch.count} leaves, root ${batch.root}`);
    }
  }

  /** The periodic reorg check: only batches within reorgDepth blocks of the head can be orphaned. */
  private async checkRecentBlocks(): Promise<void> {
    const head = await this.chain.blockNumber();
    await reconcileAnchored(this.store, this.chain, (b) => this.reanchor(b), this.logger, Math.max(0, head - this.options.reorgDepth));
    this.nextReorgCheck = Date.now() + this.options.reorgCheckIntervalMs;
  }

  private async reanchor(batch: Batch): Promise<void> {
    try {
      await this.anchorBatch(batch, 're-anchored');
    } catch (error) {
      this.store.markFailed(batch.id, shortError(error));
      throw error;
    }
  }

  private async anchorBatch(batch: Batch, status: OnChainStatus): Promise<void> {
    const chainId = await this.chain.chainId();
    const contract = this.chain.contractAddress;
    let tx: AnchorTx | undefined;
    const existing = await this.chain.anchoredAt(batch.root);
    if (existing) tx = await this.chain.findAnchorTx(batch.root, existing.blockNumber);
    // A batch still pending may have a transaction on its way from before a restart: replace it.
    const earlier = !isOnChain(batch.status) && batch.txHash && batch.txNonce !== null ? { hash: batch.txHash, nonce: batch.txNonce } : undefined;
    tx ??= await this.chain.anchor(batch.root, batch.count, batch.fromTime, batch.toTime, {
      earlier,
      onSent: (sent) => {
        this.store.markSent(batch.id, sent.hash, sent.nonce);
        this.logger.log(`sent batch ${batch.id}: tx ${sent.hash}, nonce ${sent.nonce}, max fee ${sent.maxFeePerGas} wei/gas`);
      },
    });
    this.store.markAnchored(batch.id, status, tx, { chainId, contract });
    const gas = tx.gasUsed === undefined ? 'found on chain' : `gas ${tx.gasUsed}`;
    this.logger.log(`${status} batch ${batch.id} (${batch.count} leaves) in block ${tx.blockNumber}, tx ${tx.txHash}, ${gas}`);
    const event: AnchorEvent = { batchId: batch.id, root: batch.root, count: batch.count, chainId, contract, txHash: tx.txHash, blockNumber: tx.blockNumber };
    try {
      await this.bus.publish(busTopics.anchors, String(batch.id), event);
    } catch (error) {
      // The anchoring is recorded; a lost notification is not worth anchoring again.
      this.logger.warn(`could not publish the anchoring of batch ${batch.id}: ${shortError(error)}`);
    }
  }

  /** Wakes the loop when the oldest pending leaf comes of age, or when a retry is due. */
  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const now = Date.now();
    const due: number[] = [];
    const { oldestStoredAt } = this.store.pendingLeaves();
    if (oldestStoredAt !== null) due.push(oldestStoredAt + this.options.maxBatchAgeMs);
    if (this.retryAt > 0 && (!this.reconciled || this.store.countUnanchored() > 0)) due.push(this.retryAt);
    // After a failed reorg check its due time is past: the backoff decides, or the loop would spin.
    else if (this.reconciled) due.push(Math.max(this.nextReorgCheck, this.retryAt));
    if (due.length === 0) return;
    this.timer = setTimeout(() => this.kick(), Math.max(0, Math.min(...due) - now));
    this.timer.unref();
  }
}
