import type { SendOptions } from './adapters/tx-sender';

/** The anchoring transaction as mined. */
export interface AnchorTx {
  readonly txHash: string;
  readonly blockNumber: number;
  readonly blockHash: string;
  /** block timestamp, seconds since epoch */
  readonly blockTimestamp: number;
  /** undefined when the anchoring was found on chain rather than sent by us */
  readonly gasUsed?: bigint;
}

/** What the contract records for a root. */
export interface OnChainAnchor {
  readonly blockNumber: number;
  /** block timestamp, seconds since epoch */
  readonly timestamp: number;
  readonly count: number;
}

export interface ChainStatus {
  readonly reachable: boolean;
  readonly chainId?: number;
  readonly contract?: string;
  /** the latest block number seen */
  readonly block?: number;
  readonly lastError?: string;
}

/**
 * The chain the anchor service writes roots to: a VitalsAnchor contract on an EVM chain, reached
 * over JSON-RPC (the embedded anvil node or any endpoint). Calls connect on first use, so a chain
 * that is down at start only delays anchoring.
 */
export abstract class ChainPort {
  /**
   * Counts connections made. A new one follows an outage, after which the node may be another
   * chain (a fresh one at the same URL): the batcher then checks every batch again.
   */
  abstract readonly generation: number;
  /** connects (and deploys the contract when needed); safe to call again after a failure */
  abstract connect(): Promise<void>;
  abstract chainId(): Promise<number>;
  /** the VitalsAnchor address; throws ANCHOR_E_CHAIN_NOT_READY before connect() resolved */
  abstract get contractAddress(): string;
  /**
   * sends anchor(root, count, fromTs, toTs) and waits for the configured confirmations, replacing
   * a stuck transaction and re-sending a dropped one; `options.onSent` hears of every version
   * broadcast, `options.earlier` names the transaction a previous run sent for this root
   */
  abstract anchor(root: string, count: number, fromTs: number, toTs: number, options?: SendOptions): Promise<AnchorTx>;
  abstract anchoredAt(root: string): Promise<OnChainAnchor | undefined>;
  /** the transaction that anchored `root` in block `blockNumber`, found through the Anchored event */
  abstract findAnchorTx(root: string, blockNumber: number): Promise<AnchorTx | undefined>;
  /** the head block number */
  abstract blockNumber(): Promise<number>;
  /** the hash of block `blockNumber` on this chain, undefined beyond the head */
  abstract blockHash(blockNumber: number): Promise<string | undefined>;
  /** the contract's verify(root, proof, leaf) */
  abstract verify(root: string, proof: readonly string[], leaf: string): Promise<boolean>;
  abstract status(): ChainStatus;
  abstract close(): Promise<void>;
}
