import { readFile } from 'node:fs/promises';
import { Wallet } from 'ethers';
import { AnchorError } from '../errors';

export interface KeystoreSource {
  /** an encrypted JSON keystore (Web3 Secret Storage v3, as geth, cast and ethers write it) */
  readonly file: string;
  readonly password: string;
}

/**
 * The anchoring key from an encrypted keystore. Errors name the file and what went wrong, never
 * the password or the key; a wrong password and a damaged file read alike to ethers
 * ("incorrect password"), so the message offers both.
 */
export async function loadKeystoreKey(source: KeystoreSource): Promise<{ privateKey: string; address: string }> {
  let json: string;
  try {
    json = await readFile(source.file, 'utf8');
  } catch (error) {
    throw new AnchorError('ANCHOR_E_KEYSTORE', `cannot read ${source.file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let wallet: Awaited<ReturnType<typeof Wallet.fromEncryptedJson>>;
  try {
    wallet = await Wallet.fromEncryptedJson(json, source.password);
  } catch {
    throw new AnchorError('ANCHOR_E_KEYSTORE', `cannot decrypt ${source.file}: wrong password, or not an encrypted JSON keystore`);
  }
  return { privateKey: wallet.privateKey, address: wallet.address };
}
