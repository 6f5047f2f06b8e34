import { Contract, FetchRequest, JsonRpcProvider, Network } from 'ethers';
import { VITALS_ANCHOR_VIEWS_ABI } from '../artifact';
import { RpcUnreachableError, rpcChainId } from '../adapters/json-rpc';
import { shortError } from '../errors';

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
  private provider: JsonRpcProvider | undefined;
  private readonly cache = new Map<string, Promise<RootOnChain>>();

  constructor(
    readonly rpcUrl: string,
    private readonly timeoutMs = 10_000,
  ) {}

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
    const provider = this.connect(served);
    try {
      if ((await provider.getCode(contract)) === '0x') return { anchored: false, reason: `there is no contract at ${contract} on chain ${chainId}` };
      const views = new Contract(contract, VITALS_ANCHOR_VIEWS_ABI, provider);
      const [blockNumber, , count] = (await views.getFunction('anchoredAt')(root)) as [bigint, bigint, bigint];
      if (blockNumber === 0n) return { anchored: false, reason: `${root} is unknown to ${contract} on chain ${chainId}` };
      return { anchored: true, blockNumber: Number(blockNumber), count: Number(count) };
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'CALL_EXCEPTION' || code === 'BAD_DATA') {
        return { anchored: false, reason: `${contract} on chain ${chainId} is not a VitalsAnchor (${shortError(error)})` };
      }
      throw new RpcUnreachableError(this.rpcUrl, shortError(error));
    }
  }

  private connect(chainId: number): JsonRpcProvider {
    if (!this.provider) {
      const request = new FetchRequest(this.rpcUrl);
      request.timeout = this.timeoutMs;
      this.provider = new JsonRpcProvider(request, Network.from(chainId), { staticNetwork: true });
    }
    return this.provider;
  }

  close(): void {
    this.provider?.destroy();
    this.provider = undefined;
  }
}
