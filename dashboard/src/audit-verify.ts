import { Interface } from 'ethers';
import { jsonRpc } from '../../services/anchor/src/adapters/json-rpc';
import { parseReceipt } from '../../services/anchor/src/receipt';
import { checkReceiptOffline } from '../../services/anchor/src/receipt-check';
import { VITALS_ANCHOR_VIEWS_ABI } from '../../services/anchor/src/views-abi';
import type { Receipt } from '../../services/anchor/src/receipt';

/**
 * Receipt verification in the browser, in the steps and with the failure phrases of
 * docs/receipts.md ("Verifying one"): the leaf and the proof with the anchor service's own
 * leaf-encoding v1 and sorted-pair Merkle code (the same offline check as `pulseproof audit verify`),
 * then the chain over plain JSON-RPC with the anchor service's own call (`eth_chainId`, `eth_getCode`,
 * `eth_call` of the contract's `anchoredAt` and `verify` views).
 * Nothing goes through PulseProof's server: the auditor trusts only the chain endpoint.
 */
const VIEWS = new Interface(VITALS_ANCHOR_VIEWS_ABI);
export type BrowserVerification =
  | { readonly ok: true; readonly receipt: Receipt; readonly onChain: { blockNumber: number; timestamp: number; count: number }; readonly note?: string }
  | { readonly ok: false; readonly failure: string };

/** The auditor's endpoint may be slow (a public node): a longer deadline than the server's 5 s. */
const rpc = <T>(url: string, method: string, params: unknown[]): Promise<T> => jsonRpc<T>(url, method, params, 10_000);

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
  const offline = checkReceiptOffline(receipt);
  if (!offline.ok) return offline;
  const { leaf, root } = offline;
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
