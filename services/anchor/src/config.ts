import { AnchorError } from './errors';

/** Where the anchor service sends roots. The app starts an AnvilNode when CHAIN_RPC_URL is unset. */
export interface AnchorChainOptions {
  readonly rpcUrl: string;
  /** 0x-prefixed secp256k1 key of the anchoring account; never logged */
  readonly privateKey: string;
  /** an already deployed VitalsAnchor; when absent, one is deployed once per chain (see EvmChain) */
  readonly contractAddress?: string;
  /** caps on the EIP-1559 fees offered, gwei (default: none; the market's fees are offered) */
  readonly maxFeePerGasGwei?: number;
  readonly maxPriorityFeePerGasGwei?: number;
}

export interface AnchorOptions {
  /** folder for anchor.sqlite and chain.json */
  readonly dataDir: string;
  /** a batch closes when it holds this many leaves (default 65,536) */
  readonly maxBatchSize?: number;
  /** ... or this long after its first pending leaf was stored, ms (default 10,000) */
  readonly maxBatchAgeMs?: number;
  /**
   * blocks to wait for, the mining block included (default 1). The embedded anvil mines a block
   * per transaction and none otherwise, so keep 1 there; on a public chain, enough to outlast reorgs.
   */
  readonly confirmations?: number;
  readonly chain: AnchorChainOptions;
  /** first wait after a failed anchoring, ms; doubles up to retryMaxDelayMs (default 1,000) */
  readonly retryDelayMs?: number;
  /** longest wait between anchoring attempts, ms (default 60,000) */
  readonly retryMaxDelayMs?: number;
  /** how long to wait for an anchoring transaction to be mined before trying again, ms (default 120,000) */
  readonly txTimeoutMs?: number;
  /** a transaction not mined after this long is replaced at its nonce with fees +12.5%, ms (default 30,000) */
  readonly resubmitAfterMs?: number;
  /** how often the chain is polled for receipts and confirmations, ms (default 1,000) */
  readonly pollingIntervalMs?: number;
  /** how often batches in recent blocks are checked for a reorg, ms (default 30,000) */
  readonly reorgCheckIntervalMs?: number;
  /** how many blocks back from the head that check looks (default 64: two Ethereum epochs, past finality) */
  readonly reorgDepth?: number;
}

export type ResolvedAnchorOptions = Readonly<Required<Omit<AnchorOptions, 'chain'>>> & { readonly chain: AnchorChainOptions };

export const ANCHOR_OPTIONS = Symbol('ANCHOR_OPTIONS');

export const ANCHOR_DEFAULTS = {
  maxBatchSize: 65_536,
  maxBatchAgeMs: 10_000,
  confirmations: 1,
  retryDelayMs: 1_000,
  retryMaxDelayMs: 60_000,
  txTimeoutMs: 120_000,
  resubmitAfterMs: 30_000,
  pollingIntervalMs: 1_000,
  reorgCheckIntervalMs: 30_000,
  reorgDepth: 64,
} as const;

/** uint32: the contract's `count` parameter. */
const MAX_BATCH_SIZE = 2 ** 32 - 1;

function integer(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new AnchorError('ANCHOR_E_CONFIG', `${name} must be an integer in ${min}..${max}, got ${value}`);
  }
  return value;
}

/** Fills defaults, checks every value and freezes the result; a bad value stops the start. */
export function resolveAnchorOptions(options: AnchorOptions): ResolvedAnchorOptions {
  const o = { ...ANCHOR_DEFAULTS, ...stripUndefined(options) };
  if (typeof o.dataDir !== 'string' || o.dataDir === '') throw new AnchorError('ANCHOR_E_CONFIG', 'dataDir is required');
  if (!o.chain || typeof o.chain.rpcUrl !== 'string' || !/^https?:\/\//.test(o.chain.rpcUrl)) {
    throw new AnchorError('ANCHOR_E_CONFIG', 'chain.rpcUrl must be an http(s) URL');
  }
  if (typeof o.chain.privateKey !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(o.chain.privateKey)) {
    throw new AnchorError('ANCHOR_E_CONFIG', 'chain.privateKey must be 0x followed by 64 hex digits');
  }
  for (const cap of ['maxFeePerGasGwei', 'maxPriorityFeePerGasGwei'] as const) {
    const value = o.chain[cap];
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      throw new AnchorError('ANCHOR_E_CONFIG', `chain.${cap} must be a positive number of gwei`);
    }
  }
  if (o.chain.contractAddress !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(o.chain.contractAddress)) {
    throw new AnchorError('ANCHOR_E_CONFIG', 'chain.contractAddress must be 0x followed by 40 hex digits');
  }
  return Object.freeze({
    dataDir: o.dataDir,
    maxBatchSize: integer('maxBatchSize', o.maxBatchSize, 1, MAX_BATCH_SIZE),
    maxBatchAgeMs: integer('maxBatchAgeMs', o.maxBatchAgeMs, 1, 24 * 3_600_000),
    confirmations: integer('confirmations', o.confirmations, 1, 1_000),
    retryDelayMs: integer('retryDelayMs', o.retryDelayMs, 1, 3_600_000),
    retryMaxDelayMs: integer('retryMaxDelayMs', o.retryMaxDelayMs, 1, 24 * 3_600_000),
    txTimeoutMs: integer('txTimeoutMs', o.txTimeoutMs, 1_000, 24 * 3_600_000),
    resubmitAfterMs: integer('resubmitAfterMs', o.resubmitAfterMs, 100, 24 * 3_600_000),
    pollingIntervalMs: integer('pollingIntervalMs', o.pollingIntervalMs, 10, 600_000),
    reorgCheckIntervalMs: integer('reorgCheckIntervalMs', o.reorgCheckIntervalMs, 10, 24 * 3_600_000),
    reorgDepth: integer('reorgDepth', o.reorgDepth, 1, 100_000),
    chain: Object.freeze({ ...o.chain }),
  });
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
