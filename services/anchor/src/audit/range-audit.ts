import { Reading, readingId } from '@pulseproof/contracts';
import { shortError } from '../errors';
import { encodeLeaf } from '../leaf';
import { buildTree } from '../merkle';
import { AnchorRecords, RecordedBatch } from './anchor-records';
import { RootLookup } from './chain-roots';
import { StoredReadings } from './stored-readings';

/**
 * - altered: the stored reading no longer hashes to the leaf that was anchored for it
 * - deleted: an anchored leaf's reading is gone from the store
 * - inserted: a stored reading that no batch has a leaf for, and that is not merely pending (below)
 * - root-mismatch: the anchor service's own records of a batch (its leaves) no longer give its root
 * - not-on-chain: a batch the records call anchored whose root the contract does not know
 */
export type FindingKind = 'altered' | 'deleted' | 'inserted' | 'root-mismatch' | 'not-on-chain';

export interface AuditFinding {
  readonly kind: FindingKind;
  /** `<deviceId>:<seq>` for reading findings */
  readonly reading?: string;
  readonly batchId?: number;
  readonly detail: string;
}

export interface RangeAuditOptions {
  /** device time range, ms since epoch, inclusive */
  readonly from: number;
  readonly to: number;
  readonly readings: StoredReadings;
  readonly records: AnchorRecords;
  readonly roots: RootLookup;
  /**
   * How long a stored reading may go without a leaf before it counts as inserted, ms (default
   * 60,000). See `isInserted`.
   */
  readonly graceMs?: number;
  readonly onFinding?: (finding: AuditFinding) => void;
}

export interface RangeAuditReport {
  readonly findings: AuditFinding[];
  /** batches whose root was rebuilt from the stored readings and checked on chain */
  readonly batchesChecked: number;
  /** batches sealed but not on chain yet: compared with the records, not with the chain */
  readonly batchesNotAnchored: number;
  readonly readingsChecked: number;
  /** stored readings in the range with no batch yet, still inside the grace period */
  readonly readingsPending: number;
  readonly counts: Record<FindingKind, number>;
}

export const DEFAULT_AUDIT_GRACE_MS = 60_000;

/** Statuses of a batch whose root the records say is on chain ('anchored' in stores written before 'confirmed'). */
const ON_CHAIN: ReadonlySet<string> = new Set(['anchored', 'confirmed', 're-anchored']);

/**
 * The range audit (issue 4, item 6). For each batch overlapping [from, to]: rebuild the root from
 * the leaves the anchor service recorded (its records are evidence too: they must give the root),
 * ask the chain for that root, then recompute every leaf from the reading now in the store and name
 * each one that differs or is gone. Then every stored reading in the range must have a leaf.
 * Rejects (RpcUnreachableError) when the chain does not answer: an unchecked root is not clean.
 */
export async function auditRange(options: RangeAuditOptions): Promise<RangeAuditReport> {
  const { from, to, readings, records, roots } = options;
  const findings: AuditFinding[] = [];
  const counts: Record<FindingKind, number> = { altered: 0, deleted: 0, inserted: 0, 'root-mismatch': 0, 'not-on-chain': 0 };
  const report = (finding: AuditFinding) => {
    findings.push(finding);
    counts[finding.kind] += 1;
    options.onFinding?.(finding);
  };
  let batchesChecked = 0;
  let batchesNotAnchored = 0;
  let readingsChecked = 0;
  let readingsPending = 0;
  const audited = new Set<number>();

  for (const batch of records.batchesOverlapping(from, to)) {
    audited.add(batch.id);
    const anchored = ON_CHAIN.has(batch.status);
    if (anchored) batchesChecked += 1;
    else batchesNotAnchored += 1;
    const leaves = records.batchLeaves(batch.id);
    const recordedRoot = rootOf(leaves.map((l) => l.leaf));
    if (leaves.length !== batch.count || recordedRoot !== batch.root.toLowerCase()) {
      report({ kind: 'root-mismatch', batchId: batch.id, detail: `the anchor records hold ${leaves.length} of ${batch.count} leaves giving ${recordedRoot}, the batch root is ${batch.root}` });
    }
    if (anchored) await checkOnChain(batch, roots, report);

    for (const recorded of leaves) {
      readingsChecked += 1;
      const id = readingId(recorded.deviceId, recorded.seq);
      const stored = readings.get(recorded.deviceId, recorded.seq);
      if (!stored) {
        report({ kind: 'deleted', reading: id, batchId: batch.id, detail: `leaf ${recorded.leafIndex} of batch ${batch.id} is anchored, the reading is not in the store` });
        continue;
      }
      const leaf = leafOf(stored);
      if (leaf !== recorded.leaf.toLowerCase()) {
        report({ kind: 'altered', reading: id, batchId: batch.id, detail: `stored reading ${describeLeaf(leaf)}, leaf ${recorded.leafIndex} of batch ${batch.id} anchored ${recorded.leaf}` });
      }
    }
    // No separate root from the store: each stored leaf equals its recorded leaf and the recorded
    // leaves give the anchored root, so the store gives that root exactly when no finding was made.
  }

  const lastTaken = records.lastLeafStoredAt();
  const graceMs = options.graceMs ?? DEFAULT_AUDIT_GRACE_MS;
  for (const stored of readings.inRange(from, to)) {
    const recorded = records.leafOf(stored.deviceId, stored.seq);
    const id = readingId(stored.deviceId, stored.seq);
    if (!recorded) {
      if (isInserted(stored, lastTaken, graceMs)) {
        report({ kind: 'inserted', reading: id, detail: `stored (device time ${iso(stored.deviceTime)}, received ${iso(stored.receivedAt)}), never given a leaf` });
      } else {
        readingsPending += 1;
      }
      continue;
    }
    if (recorded.batchId === null) {
      readingsPending += 1;
      continue;
    }
    if (audited.has(recorded.batchId)) continue;
    // Its leaf sits in a batch outside the range: its device time was moved into the range, or the
    // batch record itself is gone.
    readingsChecked += 1;
    const batch = records.batch(recorded.batchId);
    if (!batch) {
      audited.add(recorded.batchId); // one finding per missing batch
      report({ kind: 'root-mismatch', batchId: recorded.batchId, detail: `reading ${id} has a leaf in batch ${recorded.batchId}, which the anchor records no longer hold` });
      continue;
    }
    const leaf = leafOf(stored);
    if (leaf !== recorded.leaf.toLowerCase()) {
      report({ kind: 'altered', reading: id, batchId: recorded.batchId, detail: `stored reading ${describeLeaf(leaf)}, leaf ${recorded.leafIndex} of batch ${recorded.batchId} (device times ${iso(batch.fromTime)}..${iso(batch.toTime)}) anchored ${recorded.leaf}` });
    }
  }

  return { findings, batchesChecked, batchesNotAnchored, readingsChecked, readingsPending, counts };
}

/**
 * A stored reading without a leaf is inserted when the anchor service has since taken in readings
 * received more than `graceMs` after it: the bus delivers in order, so the anchor would have seen
 * this one too. Judging against the anchor's progress rather than the audit's clock keeps a
 * stopped anchor service (readings wait on the bus) from turning every new reading into a finding;
 * a forged `received_at` in the future only delays the finding until the anchor moves past it.
 */
export function isInserted(stored: Pick<Reading, 'receivedAt'>, lastLeafStoredAt: number | null, graceMs: number): boolean {
  return lastLeafStoredAt !== null && stored.receivedAt + graceMs < lastLeafStoredAt;
}

async function checkOnChain(batch: RecordedBatch, roots: RootLookup, report: (f: AuditFinding) => void): Promise<void> {
  if (batch.chainId === null || batch.contract === null) {
    report({ kind: 'not-on-chain', batchId: batch.id, detail: `batch ${batch.id} is recorded as ${batch.status} without a chain id and contract` });
    return;
  }
  const onChain = await roots.anchoredAt(batch.chainId, batch.contract, batch.root);
  if (!onChain.anchored) report({ kind: 'not-on-chain', batchId: batch.id, detail: `root ${batch.root} of batch ${batch.id}: ${onChain.reason}` });
}

/** The root of the recorded leaves, or why there is none (a leaf edited into something not a hash). */
function rootOf(leaves: string[]): string {
  if (leaves.length === 0) return 'no root (no leaves)';
  try {
    return buildTree(leaves).root;
  } catch (error) {
    return `no root (${shortError(error)})`;
  }
}

function leafOf(reading: Reading): string {
  try {
    return encodeLeaf(reading);
  } catch (error) {
    // an edit that makes the reading unencodable is an alteration like any other
    return `unencodable (${shortError(error)})`;
  }
}

const describeLeaf = (leaf: string) => (leaf.startsWith('0x') ? `hashes to ${leaf}` : `is ${leaf}`);
const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));

/** One line per finding: `<kind> <reading or batch>: <detail>`. */
export function formatFinding(finding: AuditFinding): string {
  return `${finding.kind} ${finding.reading ?? `batch ${finding.batchId}`}: ${finding.detail}`;
}

/** The closing line: what was checked and what was found, by kind. */
export function formatAuditSummary(report: RangeAuditReport): string {
  const found = Object.entries(report.counts).filter(([, n]) => n > 0).map(([kind, n]) => `${n} ${kind}`);
  return (
    `${report.batchesChecked} batches checked on chain, ${report.readingsChecked} readings checked` +
    `${report.batchesNotAnchored ? `, ${report.batchesNotAnchored} batches not anchored yet` : ''}` +
    `${report.readingsPending ? `, ${report.readingsPending} readings pending` : ''}: ` +
    (found.length === 0 ? 'clean' : found.join(', '))
  );
}
