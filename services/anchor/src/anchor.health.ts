import { Injectable } from '@nestjs/common';
import { Bus } from '@pulseproof/bus';
import { ComponentHealth, HealthReporter, busTopics } from '@pulseproof/contracts';
import { AnchorService, ANCHOR_CONSUMER_GROUP } from './anchor.service';
import { BatchStore } from './batch-store';
import { Batcher } from './batcher';
import { ChainPort } from './chain.port';

/** Component "chain": whether the anchoring chain answers, which chain and contract, the latest block. */
@Injectable()
export class ChainHealth implements HealthReporter {
  readonly component = 'chain';

  constructor(private readonly chain: ChainPort) {}

  health(): ComponentHealth {
    const { reachable, chainId, contract, block, lastError } = this.chain.status();
    return {
      status: reachable ? 'up' : 'down',
      detail: { reachable, chainId: chainId ?? null, contract: contract ?? null, block: block ?? null, ...(lastError ? { lastError } : {}) },
    };
  }
}

/** Component "anchor": what waits to be anchored, the last batch, the last failure. */
@Injectable()
export class AnchorHealth implements HealthReporter {
  readonly component = 'anchor';

  constructor(
    private readonly store: BatchStore,
    private readonly batcher: Batcher,
    private readonly service: AnchorService,
    private readonly bus: Bus,
    private readonly chain: ChainHealth,
  ) {}

  /** Both reporters of this module, for the app's health endpoint: "anchor" and "chain". */
  reporters(): HealthReporter[] {
    return [this, this.chain];
  }

  health(): ComponentHealth {
    const [last] = this.store.listBatches(1);
    const unanchoredBatches = this.store.countUnanchored();
    const lastError = this.batcher.lastError;
    return {
      status: lastError && unanchoredBatches > 0 ? 'degraded' : 'up',
      detail: {
        pendingLeaves: this.store.pendingLeaves().count,
        unanchoredBatches,
        busLag: this.bus.lag(busTopics.readings, ANCHOR_CONSUMER_GROUP),
        rejectedReadings: this.service.rejected,
        lastBatch: last ? { id: last.id, count: last.count, status: last.status, blockNumber: last.blockNumber } : null,
        ...(lastError ? { lastError } : {}),
      },
    };
  }
}
