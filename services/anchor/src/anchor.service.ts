import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, BusMessage, Subscription } from '@pulseproof/bus';
import { Reading, busTopics } from '@pulseproof/contracts';
import { BatchStore, LeafRow } from './batch-store';
import { Batcher } from './batcher';
import { ChainPort } from './chain.port';
import { shortError } from './errors';
import { encodeLeaf } from './leaf';

/** readings encoded between two yields to the event loop (~100 × 0.1-0.5 ms) */
const ENCODE_CHUNK = 100;

/** The consumer group of the anchor service on the readings topic. */
export const ANCHOR_CONSUMER_GROUP = 'anchor';

/** how long shutdown waits for an anchoring in flight before it stops waiting for its transaction, ms */
const SHUTDOWN_GRACE_MS = 5_000;

/**
 * Consumes `vitals.readings`: each reading becomes a salted leaf, stored idempotently (a reading
 * delivered twice, or again after a restart, is stored once); the bus commits once the leaves are
 * durable. Batching and anchoring are the Batcher's.
 */
@Injectable()
export class AnchorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AnchorService');
  private subscription: Subscription | undefined;
  /** readings that could not be encoded (a producer bug: ingest validates); skipped, never retried */
  rejected = 0;

  constructor(
    private readonly bus: Bus,
    private readonly store: BatchStore,
    private readonly chain: ChainPort,
    private readonly batcher: Batcher,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.bus.subscribe<Reading>(busTopics.readings, ANCHOR_CONSUMER_GROUP, (messages) => this.handle(messages), {
      maxBatch: 1_000,
    });
    this.batcher.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
    // An anchoring in flight gets a grace period to finish; a transaction still waiting to be
    // mined after it (a stuck one can wait CHAIN_TX_TIMEOUT_MS) is left on its way: closing the
    // chain ends the wait, and the next start finds the root on chain or sends it again.
    const stopped = this.batcher.stop();
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([stopped, new Promise((resolve) => (grace = setTimeout(resolve, SHUTDOWN_GRACE_MS)))]);
    clearTimeout(grace);
    await this.chain.close();
    await stopped;
    this.store.close();
  }

  async handle(messages: readonly BusMessage<Reading>[]): Promise<void> {
    const rows: LeafRow[] = [];
    for (const [i, { value: reading, offset }] of messages.entries()) {
      // Leaf encoding is synchronous CPU work on the event loop the embedded mode shares with ingest
      // and alerts: yield between chunks so a 1,000-reading batch does not hold their work back.
      if (i > 0 && i % ENCODE_CHUNK === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      try {
        rows.push({
          deviceId: reading.deviceId,
          seq: reading.seq,
          reading: JSON.stringify(reading),
          leaf: encodeLeaf(reading),
          deviceTime: reading.deviceTime,
        });
      } catch (error) {
        // A poison message would stall the group forever if thrown; it is logged (device id only) and skipped.
        this.rejected++;
        const device = typeof reading?.deviceId === 'string' ? reading.deviceId.slice(0, 64) : 'unknown device';
        this.logger.error(`skipped reading at offset ${offset} from ${device}: ${shortError(error)}`);
      }
    }
    if (rows.length > 0) this.store.insertLeaves(rows);
    this.batcher.kick();
  }
}
