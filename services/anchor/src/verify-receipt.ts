import { Contract, FetchRequest, JsonRpcProvider, Network } from 'ethers';
import { VITALS_ANCHOR_VIEWS_ABI } from './artifact';
import { RpcUnreachableError, rpcChainId } from './adapters/json-rpc';
import { shortError } from './errors';
import { encodeLeaf } from './leaf';
import { processProof } from './merkle';
import { Receipt } from './receipt';

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

/**
 * The offline half of verification: the leaf recomputed from the reading and salt, and the proof
 * folded into the root the receipt names. Needs no chain; `leaf` and `root` are lowercase.
 */
export function checkReceiptOffline(receipt: Receipt): { readonly ok: true; readonly leaf: string; readonly root: string } | { readonly ok: false; readonly failure: string } {
  const salt = receipt.salt.toLowerCase();
  if (receipt.reading.salt !== undefined && receipt.reading.salt.toLowerCase() !== salt) {
    return { ok: false, failure: "leaf does not match the reading: the reading's salt differs from the receipt's salt" };
  }
  let leaf: string;
  try {
    leaf = encodeLeaf({ ...receipt.reading, salt });
  } catch (error) {
    return { ok: false, failure: `leaf does not match the reading: the reading cannot be encoded (${shortError(error)})` };
  }
  if (leaf !== receipt.leaf.toLowerCase()) {
    return { ok: false, failure: `leaf does not match the reading: the reading hashes to ${leaf}, the receipt's leaf is ${receipt.leaf}` };
  }
  const root = processProof(leaf, receipt.proof);
  if (root !== receipt.root.toLowerCase()) {
    return { ok: false, failure: `proof does not lead to the root: leaf and proof give ${root}, the receipt's root is ${receipt.root}` };
  }
  return { ok: true, leaf, root };
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
  private provider: JsonRpcProvider | undefined;
  private readonly roots = new Map<string, Promise<RootRecord>>();
  private readonly contractAgreed = new Set<string>();
  private readonly rpcUrl: string;
  private readonly timeoutMs: number;

  constructor(options: VerifyReceiptOptions) {
    this.rpcUrl = options.rpcUrl;
    this.timeoutMs = options.timeoutMs ?? 10_000;
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
      try {
        const contract = new Contract(receipt.contract, VITALS_ANCHOR_VIEWS_ABI, this.connect(chainId));
        if (!((await contract.getFunction('verify')(receipt.root, receipt.proof, leaf)) as boolean)) {
          return fail(`the contract's verify disagrees: ${receipt.contract}.verify(root, proof, leaf) returned false`);
        }
      } catch (error) {
        return fail(`rpc unreachable: ${this.rpcUrl} (${shortError(error)})`);
      }
      this.contractAgreed.add(key);
    }
    const { onChain } = record;
    if (onChain.blockNumber !== receipt.blockNumber) {
      return { ok: true, onChain, note: `the root is anchored in block ${onChain.blockNumber}; the receipt names block ${receipt.blockNumber} (re-anchored since)` };
    }
    return { ok: true, onChain };
  }

  close(): void {
    this.provider?.destroy();
    this.provider = undefined;
  }

  /** The endpoint's chain id, or the failure line when it does not answer (asked once). */
  private servedChainId(): Promise<number | string> {
    this.chainId ??= rpcChainId(this.rpcUrl, this.timeoutMs).catch((error: unknown) =>
      error instanceof RpcUnreachableError ? error.message : `rpc unreachable: ${this.rpcUrl} (${shortError(error)})`,
    );
    return this.chainId;
  }

  private async lookupRoot(receipt: Receipt, chainId: number): Promise<RootRecord> {
    const provider = this.connect(chainId);
    try {
      if ((await provider.getCode(receipt.contract)) === '0x') {
        return { ok: false, failure: `root not anchored on the contract: there is no contract at ${receipt.contract} on chain ${chainId}` };
      }
      const contract = new Contract(receipt.contract, VITALS_ANCHOR_VIEWS_ABI, provider);
      const [blockNumber, timestamp, count] = (await contract.getFunction('anchoredAt')(receipt.root)) as [bigint, bigint, bigint];
      if (blockNumber === 0n) {
        return { ok: false, failure: `root not anchored on the contract: ${receipt.root} is unknown to ${receipt.contract} on chain ${chainId}` };
      }
      return { ok: true, onChain: { blockNumber: Number(blockNumber), timestamp: Number(timestamp), count: Number(count) } };
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'CALL_EXCEPTION' || code === 'BAD_DATA') {
        return { ok: false, failure: `root not anchored on the contract: ${receipt.contract} on chain ${chainId} is not a VitalsAnchor (${shortError(error)})` };
      }
      return { ok: false, failure: `rpc unreachable: ${this.rpcUrl} (${shortError(error)})` };
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
}
