/**
 * The anchor service's coded errors, in one place. A code names the failure for operators and
 * tests; the message says what to do about it. Messages never carry patient data or keys.
 */
export const ANCHOR_ERRORS = {
  ANCHOR_E_CONFIG: 'invalid anchor option',
  ANCHOR_E_ARTIFACT_MISSING: 'the compiled VitalsAnchor artifact is missing',
  ANCHOR_E_ANVIL_MISSING: 'the anvil binary is not installed',
  ANCHOR_E_ANVIL_START: 'the embedded anvil node did not start',
  ANCHOR_E_CHAIN_UNREACHABLE: 'the chain RPC endpoint does not answer',
  ANCHOR_E_NO_CONTRACT: 'no VitalsAnchor contract at the configured address',
  ANCHOR_E_CHAIN_NOT_READY: 'the chain adapter is not connected yet',
  ANCHOR_E_KEYSTORE: 'the keystore file cannot be read or decrypted',
  ANCHOR_E_NO_EIP1559: 'the chain has no EIP-1559 base fee',
  ANCHOR_E_FEE_CAP: 'the fee caps leave no room to replace a stuck transaction',
  ANCHOR_E_TX_TIMEOUT: 'an anchoring transaction is not confirmed in time (it stays watched)',
  ANCHOR_E_TX_REVERTED: 'an anchoring transaction was mined but reverted',
  ANCHOR_E_NONCE_TAKEN: 'another transaction used the nonce of the anchoring account',
  ANCHOR_E_NONCE_GAP: 'a lower nonce of the anchoring account is missing (a reorg removed it)',
  ANCHOR_E_BAD_READING: 'a reading cannot be encoded as a leaf',
  ANCHOR_E_EMPTY_TREE: 'a Merkle tree needs at least one leaf',
  ANCHOR_E_BAD_RECEIPT: 'the receipt is not a valid receipt',
  ANCHOR_E_STORE_MISSING: 'a store to audit does not exist',
} as const;

export type AnchorErrorCode = keyof typeof ANCHOR_ERRORS;

export class AnchorError extends Error {
  constructor(
    readonly code: AnchorErrorCode,
    detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'AnchorError';
  }
}

/** The first line of an error's message, without the stack or the payloads ethers appends. */
export function shortError(error: unknown): string {
  const e = error as { shortMessage?: unknown; message?: unknown } | undefined;
  const text = typeof e?.shortMessage === 'string' ? e.shortMessage : typeof e?.message === 'string' ? e.message : String(error);
  const line = text.split('\n')[0] ?? text;
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
