import { readFile } from 'node:fs/promises';
import { parseReceipt, verifyReceipt } from '@pulseproof/anchor';

export interface VerifyOutcome {
  /** 0 every receipt valid, 1 one or more invalid, 2 the input could not be read */
  readonly exitCode: 0 | 1 | 2;
  readonly lines: { readonly stream: 'out' | 'err'; readonly text: string }[];
}

/**
 * `pulseproof audit verify`: one receipt (JSON) or many (NDJSON, one per line), each recomputed
 * from its reading, checked against its proof and root, and the root against the contract on chain.
 */
export async function auditVerify(file: string, rpcUrl: string): Promise<VerifyOutcome> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return fail(2, `cannot read receipt file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const documents = splitDocuments(text);
  if (documents === undefined) return fail(2, `${file} is neither a JSON receipt nor NDJSON (one receipt per line)`);
  if (documents.length === 0) return fail(2, `${file} holds no receipt`);

  const lines: VerifyOutcome['lines'] = [];
  let invalid = 0;
  for (const [index, document] of documents.entries()) {
    const where = documents.length > 1 ? `${file}:${index + 1}: ` : '';
    const parsed = parseReceipt(document);
    if (!parsed.ok) {
      invalid += 1;
      lines.push({ stream: 'err', text: `${where}invalid: not a receipt: ${parsed.error}` });
      continue;
    }
    const receipt = parsed.receipt;
    const result = await verifyReceipt(receipt, { rpcUrl });
    const id = `${receipt.reading.deviceId}:${receipt.reading.seq}`;
    if (result.ok) {
      lines.push({ stream: 'out', text: `${where}valid: reading ${id} is leaf ${receipt.leafIndex} of batch ${receipt.batchId}, root ${receipt.root} anchored in block ${receipt.blockNumber} on chain ${receipt.chainId}` });
    } else {
      invalid += 1;
      lines.push({ stream: 'err', text: `${where}invalid: reading ${id}: ${result.failure}` });
    }
  }
  return { exitCode: invalid === 0 ? 0 : 1, lines };
}

function splitDocuments(text: string): unknown[] | undefined {
  try {
    return [JSON.parse(text) as unknown];
  } catch {
    // not one JSON document: try NDJSON
  }
  try {
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as unknown);
  } catch {
    return undefined;
  }
}

function fail(exitCode: 2, text: string): VerifyOutcome {
  return { exitCode, lines: [{ stream: 'err', text }] };
}
