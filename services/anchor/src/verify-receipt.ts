import { AnchorViews, RootRecordOnChain } from './adapters/anchor-views';
import { RpcUnreachableError, rpcChainId } from './adapters/json-rpc';
import { shortError } from './errors';
import { checkReceiptOffline } from './receipt-check';
import { Receipt } from './receipt';

export { checkReceiptOffline };

export type ReceiptVerification =
  | {
      readonly ok: true;
      /** what the contract records for the root */
      readonly onChain: { readonly blockNumber: number; readonly timestamp: number; readonly count: number };
      /** set when the chain records the root in another block than the receipt (it was re-anchored) */
      readonly note?: string;
    }
  | { readonly ok: false; readonly failure: string };

export interface VerifyReceiptOptions {
  readonly rpcUrl: string;
  /** per JSON-RPC call, ms (default 10,000) */
  readonly timeoutMs?: number;
}

const fail = (failure: string): ReceiptVerification => ({ ok: false, failure });

/** What a failure is about, from the phrase it starts with (docs/receipts.md, "Verifying one"). */
export type ReceiptFailureKind = 'leaf-mismatch' | 'proof-mismatch' | 'rpc-unreachable' | 'chain-mismatch' | 'root-not-anchored' | 'contract-disagrees' | 'other';

const FAILURE_KINDS: [string, ReceiptFailureKind][] = [
  ['leaf does not match the reading', 'leaf-mismatch'],
  ['proof does not lead to the root', 'proof-mismatch'],
  ['rpc unreachable', 'rpc-unreachable'],
  ['chain id differs', 'chain-mismatch'],
  ['root not anchored on the contract', 'root-not-anchored'],
  ["the contract's verify disagrees", 'contract-disagrees'],
];

export function receiptFailureKind(failure: string): ReceiptFailureKind {
  return FAILURE_KINDS.find(([phrase]) => failure.startsWith(phrase))?.[1] ?? 'other';
}

/**
 * Verifies a receipt from first principles, in the order an auditor would: the leaf from the
 * reading (leaf encoding v1), the root from the leaf and proof (sorted pairs, as OZ
 * MerkleProof), then the chain: same chain id, root anchored on the contract, and the
 * contract's own verify. A failure is one line saying what failed.
 */
export async function verifyReceipt(receipt: Receipt, options: VerifyReceiptOptions): Promise<ReceiptVerification> {
  const verifier = new ReceiptVerifier(options);
  try {
    return await verifier.verify(receipt);
  } finally {
    verifier.close();
  }
}

type RootRecord = { readonly ok: true; readonly onChain: { blockNumber: number; timestamp: number; count: number } } | { readonly ok: false; readonly failure: string };

/**
 * verifyReceipt for many receipts against one endpoint: the chain id is asked once, and each
 * (contract, root) once, so an NDJSON file of a whole batch costs one lookup, not one per line.
 * The contract's own verify runs until it has agreed once for a root: after that, the offline
 * fold (the same OZ MerkleProof algorithm) speaks for the receipts of that root.
 */
export class ReceiptVerifier {
  private chainId: Promise<number | string> | undefined;
  private readonly views: AnchorViews;
  private readonly roots = new Map<string, Promise<RootRecord>>();
  private readonly contractAgreed = new Set<string>();
  private readonly rpcUrl: string;
  private readonly timeoutMs: number;

  constructor(options: VerifyReceiptOptions) {
    this.rpcUrl = options.rpcUrl;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.views = new AnchorViews(this.rpcUrl, this.timeoutMs);
  }

  async verify(receipt: Receipt): Promise<ReceiptVerification> {
    const offline = checkReceiptOffline(receipt);
    if (!offline.ok) return offline;
    const { leaf, root: computedRoot } = offline;

    const chainId = await this.servedChainId();
    if (typeof chainId === 'string') return fail(chainId);
    if (chainId !== receipt.chainId) {
      return fail(`chain id differs: the receipt is for chain ${receipt.chainId}, ${this.rpcUrl} serves chain ${chainId}`);
    }
    const key = `${receipt.contract.toLowerCase()}:${computedRoot}`;
    let root = this.roots.get(key);
    if (!root) {
      root = this.lookupRoot(receipt, chainId);
      this.roots.set(key, root);
    }
    const record = await root;
    if (!record.ok) return fail(record.failure);
    if (!this.contractAgreed.has(key)) {
      let agrees: boolean;
      try {
        agrees = await this.views.verify(chainId, receipt.contract, receipt.root, receipt.proof, leaf);
      } catch (error) {
        return fail(error instanceof Error ? error.message : String(error));
      }
      if (!agrees) return fail(`the contract's verify disagrees: ${receipt.contract}.verify(root, proof, leaf) returned false`);
      this.contractAgreed.add(key);
    }
    const { onChain } = record;
    if (onChain.blockNumber !== receipt.blockNumber) {
      return { ok: true, onChain, note: `the root is anchored in block ${onChain.blockNumber}; the receipt names block ${receipt.blockNumber} (re-anchored since)` };
    }
    return { ok: true, onChain };
  }

  close(): void {
    this.views.close();
  }

  /** The endpoint's chain id, or the failure line when it does not answer (asked once). */
  private servedChainId(): Promise<number | string> {
    this.chainId ??= rpcChainId(this.rpcUrl, this.timeoutMs).catch((error: unknown) =>
      error instanceof RpcUnreachableError ? error.message : `rpc unreachable: ${this.rpcUrl} (${shortError(error)})`,
    );
    return this.chainId;
  }

  private async lookupRoot(receipt: Receipt, chainId: number): Promise<RootRecord> {
    let record: RootRecordOnChain;
    try {
      record = await this.views.anchoredAt(chainId, receipt.contract, receipt.root);
    } catch (error) {
      return { ok: false, failure: error instanceof Error ? error.message : String(error) };
    }
    const notAnchored = 'root not anchored on the contract';
    switch (record.kind) {
      case 'anchored':
        return { ok: true, onChain: { blockNumber: record.blockNumber, timestamp: record.timestamp, count: record.count } };
      case 'no-contract':
        return { ok: false, failure: `${notAnchored}: there is no contract at ${receipt.contract} on chain ${chainId}` };
      case 'unknown-root':
        return { ok: false, failure: `${notAnchored}: ${receipt.root} is unknown to ${receipt.contract} on chain ${chainId}` };
      case 'not-vitals-anchor':
        return { ok: false, failure: `${notAnchored}: ${receipt.contract} on chain ${chainId} is not a VitalsAnchor (${record.detail})` };
    }
  }
}
