import { shortError } from './errors';
import { encodeLeaf } from './leaf';
import { processProof } from './merkle';
import { Receipt } from './receipt';

// No chain and no Node-only import here: the dashboard's auditor view runs this same check in the browser.

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
