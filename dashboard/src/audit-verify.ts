import { Interface } from 'ethers';
import { encodeLeaf } from '../../services/anchor/src/leaf';
import { processProof } from '../../services/anchor/src/merkle';
import { parseReceipt } from '../../services/anchor/src/receipt';
import type { Receipt } from '../../services/anchor/src/receipt';

/**
 * Receipt verification in the browser, in the steps and with the failure phrases of
 * docs/receipts.md ("Verifying one"): the leaf and the proof with the anchor service's own
 * leaf-encoding v1 and sorted-pair Merkle code, then the chain over plain JSON-RPC
 * (`eth_chainId`, `eth_getCode`, `eth_call` of the contract's `anchoredAt` and `verify` views).
 * Nothing goes through PulseProof's server: the auditor trusts only the chain endpoint.
 */
const VIEWS = new Interface([
  'function anchoredAt(bytes32 root) view returns (uint64 blockNumber, uint64 timestamp, uint32 count)',
  'function verify(bytes32 root, bytes32[] proof, bytes32 leaf) view returns (bool)',
]);

export type BrowserVerification =
  | { readonly ok: true; readonly receipt: Receipt; readonly onChain: { blockNumber: number; timestamp: number; count: number }; readonly note?: string }
  | { readonly ok: false; readonly failure: string };

async function rpc<T>(url: string, method: string, params: unknown[]): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new Error(`rpc unreachable: ${url} (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!response.ok) throw new Error(`rpc unreachable: ${url} (HTTP ${response.status})`);
  const body = (await response.json()) as { result?: T; error?: { message?: string } };
  if (body.error) throw new Error(`rpc unreachable: ${url} (${method}: ${body.error.message ?? 'error'})`);
  return body.result as T;
}

export async function verifyReceiptInBrowser(text: string, rpcUrl: string): Promise<BrowserVerification> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, failure: 'not a receipt: the text is not JSON (paste the whole receipt file)' };
  }
  const parsed = parseReceipt(json);
  if (!parsed.ok) return { ok: false, failure: parsed.error };
  const receipt = parsed.receipt;
  const salt = receipt.salt.toLowerCase();
  if (receipt.reading.salt !== undefined && receipt.reading.salt.toLowerCase() !== salt) {
    return { ok: false, failure: "leaf does not match the reading: the reading's salt differs from the receipt's salt" };
  }
  let leaf: string;
  try {
    leaf = encodeLeaf({ ...receipt.reading, salt });
  } catch (error) {
    return { ok: false, failure: `leaf does not match the reading: the reading cannot be encoded (${String(error)})` };
  }
  if (leaf !== receipt.leaf.toLowerCase()) {
    return { ok: false, failure: `leaf does not match the reading: the reading hashes to ${leaf}, the receipt's leaf is ${receipt.leaf}` };
  }
  const root = processProof(leaf, receipt.proof);
  if (root !== receipt.root.toLowerCase()) {
    return { ok: false, failure: `proof does not lead to the root: leaf and proof give ${root}, the receipt's root is ${receipt.root}` };
  }
  try {
    const chainId = Number(BigInt(await rpc<string>(rpcUrl, 'eth_chainId', [])));
    if (chainId !== receipt.chainId) {
      return { ok: false, failure: `chain id differs: the receipt is for chain ${receipt.chainId}, ${rpcUrl} serves chain ${chainId}` };
    }
    if ((await rpc<string>(rpcUrl, 'eth_getCode', [receipt.contract, 'latest'])) === '0x') {
      return { ok: false, failure: `root not anchored on the contract: no contract at ${receipt.contract}` };
    }
    const call = (data: string) => rpc<string>(rpcUrl, 'eth_call', [{ to: receipt.contract, data }, 'latest']);
    const at = VIEWS.decodeFunctionResult('anchoredAt', await call(VIEWS.encodeFunctionData('anchoredAt', [root])));
    const onChain = { blockNumber: Number(at[0]), timestamp: Number(at[1]), count: Number(at[2]) };
    if (onChain.blockNumber === 0) return { ok: false, failure: `root not anchored on the contract: ${receipt.contract} has no record of ${root}` };
    const agrees = VIEWS.decodeFunctionResult('verify', await call(VIEWS.encodeFunctionData('verify', [root, receipt.proof, leaf])))[0] as boolean;
    if (!agrees) return { ok: false, failure: `the contract's verify disagrees: ${receipt.contract}.verify(root, proof, leaf) returned false` };
    const note = onChain.blockNumber !== receipt.blockNumber ? `the root is anchored in block ${onChain.blockNumber}; the receipt names block ${receipt.blockNumber} (re-anchored since)` : undefined;
    return { ok: true, receipt, onChain, ...(note && { note }) };
  } catch (error) {
    return { ok: false, failure: error instanceof Error ? error.message : String(error) };
  }
}
