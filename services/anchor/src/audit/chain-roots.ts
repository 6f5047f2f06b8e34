import { AnchorViews } from '../adapters/anchor-views';
import { rpcChainId } from '../adapters/json-rpc';

export type RootOnChain =
  | { readonly anchored: true; readonly blockNumber: number; readonly count: number }
  | { readonly anchored: false; readonly reason: string };

/** Where a root must be anchored: what a batch record or a receipt names. */
export interface RootLookup {
  anchoredAt(chainId: number, contract: string, root: string): Promise<RootOnChain>;
}

/**
 * `anchoredAt(root)` on VitalsAnchor contracts through one JSON-RPC endpoint, each (contract, root)
 * asked once: an audit of many readings of one batch costs one call. An endpoint that does not
 * answer throws RpcUnreachableError: an audit that cannot reach the chain is incomplete, not clean.
 */
export class ChainRoots implements RootLookup {
  private chainId: Promise<number> | undefined;
  private readonly views: AnchorViews;
  private readonly cache = new Map<string, Promise<RootOnChain>>();

  constructor(
    readonly rpcUrl: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.views = new AnchorViews(rpcUrl, timeoutMs);
  }

  /** The endpoint's chain id (asked once). */
  servedChainId(): Promise<number> {
    this.chainId ??= rpcChainId(this.rpcUrl, this.timeoutMs);
    return this.chainId;
  }

  anchoredAt(chainId: number, contract: string, root: string): Promise<RootOnChain> {
    const key = `${contract.toLowerCase()}:${root.toLowerCase()}`;
    let hit = this.cache.get(key);
    if (!hit) {
      hit = this.lookup(chainId, contract, root);
      this.cache.set(key, hit);
    }
    return hit;
  }

  private async lookup(chainId: number, contract: string, root: string): Promise<RootOnChain> {
    const served = await this.servedChainId();
    if (served !== chainId) return { anchored: false, reason: `it names chain ${chainId}, ${this.rpcUrl} serves chain ${served}` };
    const record = await this.views.anchoredAt(served, contract, root);
    switch (record.kind) {
      case 'anchored':
        return { anchored: true, blockNumber: record.blockNumber, count: record.count };
      case 'no-contract':
        return { anchored: false, reason: `there is no contract at ${contract} on chain ${chainId}` };
      case 'unknown-root':
        return { anchored: false, reason: `${root} is unknown to ${contract} on chain ${chainId}` };
      case 'not-vitals-anchor':
        return { anchored: false, reason: `${contract} on chain ${chainId} is not a VitalsAnchor (${record.detail})` };
    }
  }

  close(): void {
    this.views.close();
  }
}
