import { Contract, FetchRequest, JsonRpcProvider, Network } from 'ethers';
import { VITALS_ANCHOR_VIEWS_ABI } from '../artifact';
import { shortError } from '../errors';
import { RpcUnreachableError } from './json-rpc';

/** What a VitalsAnchor contract says of a root, or why it cannot say. */
export type RootRecordOnChain =
  | { readonly kind: 'anchored'; readonly blockNumber: number; readonly timestamp: number; readonly count: number }
  | { readonly kind: 'unknown-root' }
  | { readonly kind: 'no-contract' }
  | { readonly kind: 'not-vitals-anchor'; readonly detail: string };

/**
 * The read-only views of VitalsAnchor through one JSON-RPC endpoint, for auditors (receipt
 * verification, range audit). One provider per endpoint; a node that does not answer throws
 * RpcUnreachableError, so each caller decides what an unreachable chain means for it.
 */
export class AnchorViews {
  private provider: JsonRpcProvider | undefined;

  constructor(
    readonly rpcUrl: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async anchoredAt(chainId: number, contract: string, root: string): Promise<RootRecordOnChain> {
    const provider = this.connect(chainId);
    try {
      if ((await provider.getCode(contract)) === '0x') return { kind: 'no-contract' };
      const views = new Contract(contract, VITALS_ANCHOR_VIEWS_ABI, provider);
      const [blockNumber, timestamp, count] = (await views.getFunction('anchoredAt')(root)) as [bigint, bigint, bigint];
      if (blockNumber === 0n) return { kind: 'unknown-root' };
      return { kind: 'anchored', blockNumber: Number(blockNumber), timestamp: Number(timestamp), count: Number(count) };
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'CALL_EXCEPTION' || code === 'BAD_DATA') return { kind: 'not-vitals-anchor', detail: shortError(error) };
      throw new RpcUnreachableError(this.rpcUrl, shortError(error));
    }
  }

  /** The contract's own `verify(root, proof, leaf)`: anchored AND OZ MerkleProof.verify. */
  async verify(chainId: number, contract: string, root: string, proof: readonly string[], leaf: string): Promise<boolean> {
    try {
      const views = new Contract(contract, VITALS_ANCHOR_VIEWS_ABI, this.connect(chainId));
      return (await views.getFunction('verify')(root, proof, leaf)) as boolean;
    } catch (error) {
      throw new RpcUnreachableError(this.rpcUrl, shortError(error));
    }
  }

  close(): void {
    this.provider?.destroy();
    this.provider = undefined;
  }

  private connect(chainId: number): JsonRpcProvider {
    if (!this.provider) {
      const request = new FetchRequest(this.rpcUrl);
      request.timeout = this.timeoutMs;
      this.provider = new JsonRpcProvider(request, Network.from(chainId), { staticNetwork: true });
    }
    return this.provider;
  }
}
