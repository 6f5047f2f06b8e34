import { join } from 'node:path';
import {
  AnchorError,
  AnchorRecords,
  ChainRoots,
  RpcUnreachableError,
  SqliteStoredReadings,
  auditRange,
  formatAuditSummary,
  formatFinding,
} from '@pulseproof/anchor';

export interface RangeAuditArgs {
  readonly from: number;
  readonly to: number;
  readonly dataDir: string;
  readonly rpcUrl: string;
  readonly graceMs: number;
}

/**
 * `pulseproof audit range`: the stores under DATA_DIR opened read-only, the audit itself in
 * @pulseproof/anchor (auditRange). Resolves to the exit code: 0 clean, 1 a finding, 2 a store is
 * missing, 3 the chain did not answer (the audit is incomplete, so it is not clean either).
 */
export async function auditRangeCommand(args: RangeAuditArgs, io: { out: (l: string) => void; err: (l: string) => void }): Promise<0 | 1 | 2 | 3> {
  let readings: SqliteStoredReadings | undefined;
  let records: AnchorRecords | undefined;
  const roots = new ChainRoots(args.rpcUrl);
  try {
    readings = new SqliteStoredReadings(join(args.dataDir, 'readings.sqlite'));
    records = new AnchorRecords(join(args.dataDir, 'anchor.sqlite'));
    await roots.servedChainId(); // fail before reading anything when the chain is not there
    const report = await auditRange({ from: args.from, to: args.to, readings, records, roots, graceMs: args.graceMs, onFinding: (f) => io.err(formatFinding(f)) });
    const summary = formatAuditSummary(report);
    if (report.findings.length === 0) {
      io.out(summary);
      return 0;
    }
    io.err(summary);
    return 1;
  } catch (error) {
    if (error instanceof RpcUnreachableError) {
      io.err(`chain not reachable, audit incomplete: ${error.message}`);
      return 3;
    }
    if (error instanceof AnchorError && error.code === 'ANCHOR_E_STORE_MISSING') {
      io.err(error.message);
      return 2;
    }
    throw error;
  } finally {
    roots.close();
    records?.close();
    readings?.close();
  }
}

/** A time as ISO 8601 (`2026-11-22T10:00:00Z`) or milliseconds since the epoch; undefined if neither. */
export function parseTime(text: string): number | undefined {
  if (/^\d{1,16}$/.test(text)) return Number(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
