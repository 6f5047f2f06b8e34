import { readFile } from 'node:fs/promises';
import { ReceiptVerifier, parseReceipt, receiptFailureKind } from '@pulseproof/anchor';

export interface AuditSink {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** called after each receipt of a file of many; the caller decides how often to show it */
  readonly progress?: (done: number, total: number) => void;
}

export interface VerifyOutcome {
  /** 0 every receipt valid, 1 one or more invalid, 2 the input could not be read */
  readonly exitCode: 0 | 1 | 2;
  readonly lines: { readonly stream: 'out' | 'err'; readonly text: string }[];
}

/** auditVerifyTo with the lines collected rather than written as they come (tests, embedding). */
export async function auditVerify(file: string, rpcUrl: string): Promise<VerifyOutcome> {
  const lines: VerifyOutcome['lines'] = [];
  const exitCode = await auditVerifyTo(file, rpcUrl, {
    out: (text) => lines.push({ stream: 'out', text }),
    err: (text) => lines.push({ stream: 'err', text }),
  });
  return { exitCode, lines };
}

/**
 * `pulseproof audit verify`: one receipt (JSON) or many (NDJSON, one per line), each recomputed
 * from its reading, checked against its proof and root, and the root against the contract on chain.
 * A file of many ends with `N valid, M invalid` and the failures counted by kind. Resolves to the
 * exit code: 0 every receipt valid, 1 one or more invalid, 2 the input could not be read.
 */
export async function auditVerifyTo(file: string, rpcUrl: string, sink: AuditSink): Promise<0 | 1 | 2> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    sink.err(`cannot read receipt file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    return 2;
  }
  const documents = splitDocuments(text);
  if (documents === undefined) {
    sink.err(`${file} is neither a JSON receipt nor NDJSON (one receipt per line)`);
    return 2;
  }
  if (documents.length === 0) {
    sink.err(`${file} holds no receipt`);
    return 2;
  }

  const many = documents.length > 1;
  const verifier = new ReceiptVerifier({ rpcUrl });
  const invalidByKind = new Map<string, number>();
  const invalid = (kind: string) => invalidByKind.set(kind, (invalidByKind.get(kind) ?? 0) + 1);
  let valid = 0;
  try {
    for (const [index, document] of documents.entries()) {
      const where = many ? `${file}:${index + 1}: ` : '';
      const parsed = parseReceipt(document);
      if (!parsed.ok) {
        invalid('not-a-receipt');
        sink.err(`${where}invalid: not a receipt: ${parsed.error}`);
      } else {
        const receipt = parsed.receipt;
        const result = await verifier.verify(receipt);
        const id = `${receipt.reading.deviceId}:${receipt.reading.seq}`;
        if (result.ok) {
          valid += 1;
          sink.out(`${where}valid: reading ${id} is leaf ${receipt.leafIndex} of batch ${receipt.batchId}, root ${receipt.root} anchored in block ${receipt.blockNumber} on chain ${receipt.chainId}`);
        } else {
          invalid(receiptFailureKind(result.failure));
          sink.err(`${where}invalid: reading ${id}: ${result.failure}`);
        }
      }
      if (many) sink.progress?.(index + 1, documents.length);
    }
  } finally {
    verifier.close();
  }
  const invalidCount = documents.length - valid;
  if (many) {
    const kinds = [...invalidByKind].map(([kind, n]) => `${kind}: ${n}`).join(', ');
    sink.out(`${valid} valid, ${invalidCount} invalid${kinds ? ` (${kinds})` : ''}`);
  }
  return invalidCount === 0 ? 0 : 1;
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
