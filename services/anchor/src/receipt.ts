import { z } from 'zod';
import { MEASUREMENTS, isMeasurementCode } from '@pulseproof/contracts';
import { Batch } from './batch-store';
import { AnchorError } from './errors';

/**
 * Receipt format, version 1 (docs/receipts.md): everything an auditor needs to prove one reading
 * against the chain, with nothing but this JSON and a JSON-RPC endpoint.
 */
export const RECEIPT_VERSION = 1;

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be 0x followed by 64 hex digits');
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be 0x followed by 40 hex digits');
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** The reading as the anchor service stored it; extra fields are kept (and not hashed). */
const receiptReadingSchema = z.looseObject({
  deviceId: z.string().min(1),
  seq: count,
  patientId: z.string().min(1),
  deviceTime: count,
  receivedAt: count.optional(),
  measurements: z.record(z.string(), z.number()),
  salt: hex32.optional(),
  /** the catalogue's unit per measurement code, added by the receipt for readability; not hashed */
  units: z.record(z.string(), z.string()).optional(),
});

export const receiptSchema = z.object({
  version: z.literal(RECEIPT_VERSION, { error: `unsupported receipt version (this verifier reads version ${RECEIPT_VERSION})` }),
  reading: receiptReadingSchema,
  salt: hex32,
  leaf: hex32,
  proof: z.array(hex32).max(64),
  root: hex32,
  batchId: count,
  leafIndex: count,
  chainId: count,
  contract: address,
  txHash: hex32,
  blockNumber: count,
  blockHash: hex32,
  /** ISO 8601 time of the anchoring block (the chain's clock) */
  anchoredAt: z.string().min(1),
});

export type Receipt = z.infer<typeof receiptSchema>;
export type ReceiptReading = z.infer<typeof receiptReadingSchema>;

export type ParsedReceipt = { readonly ok: true; readonly receipt: Receipt } | { readonly ok: false; readonly error: string };

/**
 * Checks a receipt's shape (a parsed object, or its JSON text). On failure, `error` names the
 * fields that are wrong, e.g. "receipt.proof.0: must be 0x followed by 64 hex digits".
 */
export function parseReceipt(json: unknown): ParsedReceipt {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json) as unknown;
    } catch (error) {
      return { ok: false, error: `not JSON (${(error as Error).message})` };
    }
  }
  const result = receiptSchema.safeParse(value);
  if (result.success) return { ok: true, receipt: result.data };
  const issues = result.error.issues.slice(0, 3).map((issue) => `${['receipt', ...issue.path].join('.')}: ${issue.message}`);
  const more = result.error.issues.length > 3 ? ` (and ${result.error.issues.length - 3} more)` : '';
  return { ok: false, error: `${issues.join('; ')}${more}` };
}

/** parseReceipt that throws ANCHOR_E_BAD_RECEIPT with the same message. */
export function readReceipt(json: unknown): Receipt {
  const parsed = parseReceipt(json);
  if (!parsed.ok) throw new AnchorError('ANCHOR_E_BAD_RECEIPT', parsed.error);
  return parsed.receipt;
}

/** The catalogue unit of each measurement a reading carries. */
export function unitsOf(measurements: Record<string, unknown>): Record<string, string> {
  const units: Record<string, string> = {};
  for (const code of Object.keys(measurements)) if (isMeasurementCode(code)) units[code] = MEASUREMENTS[code].unit;
  return units;
}

/** A receipt for the leaf at `leafIndex` of an anchored batch. */
export function buildReceipt(input: {
  readonly storedReading: string;
  readonly leaf: string;
  readonly leafIndex: number;
  readonly proof: string[];
  readonly batch: Batch;
}): Receipt {
  const { batch } = input;
  const stored = JSON.parse(input.storedReading) as ReceiptReading;
  if (batch.chainId === null || !batch.contract || !batch.txHash || batch.blockNumber === null || !batch.blockHash) {
    throw new Error(`batch ${batch.id} has no anchoring record`);
  }
  return {
    version: RECEIPT_VERSION,
    reading: { ...stored, units: unitsOf(stored.measurements ?? {}) },
    salt: stored.salt ?? '',
    leaf: input.leaf,
    proof: input.proof,
    root: batch.root,
    batchId: batch.id,
    leafIndex: input.leafIndex,
    chainId: batch.chainId,
    contract: batch.contract,
    txHash: batch.txHash,
    blockNumber: batch.blockNumber,
    blockHash: batch.blockHash,
    anchoredAt: new Date((batch.blockTimestamp ?? 0) * 1_000).toISOString(),
  };
}
