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

/**
 * Verifies a receipt from first principles, in the order an auditor would: the leaf from the
 * reading (leaf encoding v1), the root from the leaf and proof (sorted pairs, as OZ
 * MerkleProof), then the chain: same chain id, root anchored on the contract, and the
 * contract's own verify. A failure is one line saying what failed.
 */
export async function verifyReceipt(receipt: Receipt, options: VerifyReceiptOptions): Promise<ReceiptVerification> {
  const salt = receipt.salt.toLowerCase();
  if (receipt.reading.salt !== undefined && receipt.reading.salt.toLowerCase() !== salt) {
    return fail("leaf does not match the reading: the reading's salt differs from the receipt's salt");
  }
  let leaf: string;
  try {
    leaf = encodeLeaf({ ...receipt.reading, salt });
  } catch (error) {
    return fail(`leaf does not match the reading: the reading cannot be encoded (${shortError(error)})`);
  }
  if (leaf !== receipt.leaf.toLowerCase()) {
    return fail(`leaf does not match the reading: the reading hashes to ${leaf}, the receipt's leaf is ${receipt.leaf}`);
  }
  const computedRoot = processProof(leaf, receipt.proof);
  if (computedRoot !== receipt.root.toLowerCase()) {
    return fail(`proof does not lead to the root: leaf and proof give ${computedRoot}, the receipt's root is ${receipt.root}`);
  }

  const { rpcUrl } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let chainId: number;
  try {
    chainId = await rpcChainId(rpcUrl, timeoutMs);
  } catch (error) {
    return fail(error instanceof RpcUnreachableError ? error.message : `rpc unreachable: ${rpcUrl} (${shortError(error)})`);
  }
  if (chainId !== receipt.chainId) {
    return fail(`chain id differs: the receipt is for chain ${receipt.chainId}, ${rpcUrl} serves chain ${chainId}`);
  }

  const request = new FetchRequest(rpcUrl);
  request.timeout = timeoutMs;
  const provider = new JsonRpcProvider(request, Network.from(chainId), { staticNetwork: true });
  try {
    if ((await provider.getCode(receipt.contract)) === '0x') {
      return fail(`root not anchored on the contract: there is no contract at ${receipt.contract} on chain ${chainId}`);
    }
    const contract = new Contract(receipt.contract, VITALS_ANCHOR_VIEWS_ABI, provider);
    const [blockNumber, timestamp, count] = (await contract.getFunction('anchoredAt')(receipt.root)) as [bigint, bigint, bigint];
    if (blockNumber === 0n) {
      return fail(`root not anchored on the contract: ${receipt.root} is unknown to ${receipt.contract} on chain ${chainId}`);
    }
    const verified = (await contract.getFunction('verify')(receipt.root, receipt.proof, leaf)) as boolean;
    if (!verified) {
      return fail(`the contract's verify disagrees: ${receipt.contract}.verify(root, proof, leaf) returned false`);
    }
    const onChain = { blockNumber: Number(blockNumber), timestamp: Number(timestamp), count: Number(count) };
    if (onChain.blockNumber !== receipt.blockNumber) {
      return { ok: true, onChain, note: `the root is anchored in block ${onChain.blockNumber}; the receipt names block ${receipt.blockNumber} (re-anchored since)` };
    }
    return { ok: true, onChain };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'CALL_EXCEPTION' || code === 'BAD_DATA') {
      return fail(`root not anchored on the contract: ${receipt.contract} on chain ${chainId} is not a VitalsAnchor (${shortError(error)})`);
    }
    return fail(`rpc unreachable: ${rpcUrl} (${shortError(error)})`);
  } finally {
    provider.destroy();
  }
}
