import Database from 'better-sqlite3';
import { SqliteGroupCommit, openSqlite } from '@pulseproof/bus';

/**
 * Sequence numbers a device skipped: `from`..`to` (inclusive) were never received. A gap shrinks
 * (or splits) as late readings fill it, and is closed when none is missing any more.
 */
export interface SequenceGap {
  readonly id: number;
  readonly deviceId: string;
  readonly from: number;
  readonly to: number;
  /** seqs still missing: to - from + 1 while open, 0 once closed */
  readonly count: number;
  /** ingest's clock when the jump was seen, ms since epoch (kept by the parts of a split gap) */
  readonly detectedAt: number;
  readonly closedAt?: number;
}

export interface SequenceGapQuery {
  readonly deviceId?: string;
  /** true: open gaps only; false: closed only; undefined: both */
  readonly open?: boolean;
  readonly limit: number;
}

export interface SequenceGapTotals {
  /** gaps open now */
  readonly open: number;
  /** readings missing in them */
  readonly missing: number;
  /** gaps ever detected (a split counts once) */
  readonly detected: number;
}

interface Observation {
  readonly deviceId: string;
  readonly seq: number;
  readonly now: number;
}

interface GapRow {
  id: number;
  device_id: string;
  from_seq: number;
  to_seq: number;
  detected_at: number;
  closed_at: number | null;
}

/**
 * Per-device sequence tracking (sequence-gaps.sqlite under dataDir). A device's seq is strictly
 * increasing over its life (contracts reading.ts), so a jump past last+1 means readings were lost
 * or are still buffered on the way. A gap is not a rejection: the reading that reveals it is stored.
 */
export class SequenceGapStore {
  private readonly db: Database.Database;
  private readonly commits: SqliteGroupCommit<Observation>;
  /** each device's highest seq, read through from the file: the hot path writes, it does not read */
  private maxSeq = new Map<string, number>();

  constructor(file: string) {
    this.db = openSqlite(file);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS device_sequences (
        device_id TEXT PRIMARY KEY,
        max_seq INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS sequence_gaps (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        device_id TEXT NOT NULL,
        from_seq INTEGER NOT NULL,
        to_seq INTEGER NOT NULL,
        detected_at INTEGER NOT NULL,
        closed_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS sequence_gaps_open ON sequence_gaps (device_id, from_seq) WHERE closed_at IS NULL;
      CREATE TABLE IF NOT EXISTS sequence_gap_totals (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        detected INTEGER NOT NULL
      );
      INSERT OR IGNORE INTO sequence_gap_totals (id, detected) VALUES (1, 0);
    `);
    const maxOf = this.db.prepare('SELECT max_seq FROM device_sequences WHERE device_id = ?').pluck();
    const setMax = this.db.prepare(
      `INSERT INTO device_sequences (device_id, max_seq) VALUES (?, ?)
       ON CONFLICT (device_id) DO UPDATE SET max_seq = excluded.max_seq`,
    );
    const open = this.db.prepare('INSERT INTO sequence_gaps (device_id, from_seq, to_seq, detected_at) VALUES (?, ?, ?, ?)');
    const countDetected = this.db.prepare('UPDATE sequence_gap_totals SET detected = detected + 1 WHERE id = 1');
    const covering = this.db.prepare(
      'SELECT * FROM sequence_gaps WHERE device_id = ? AND closed_at IS NULL AND from_seq <= ? AND to_seq >= ? LIMIT 1',
    );
    const setRange = this.db.prepare('UPDATE sequence_gaps SET from_seq = ?, to_seq = ? WHERE id = ?');
    const close = this.db.prepare('UPDATE sequence_gaps SET closed_at = ? WHERE id = ?');

    const observeOne = ({ deviceId, seq, now }: Observation) => {
      const max = this.maxSeq.get(deviceId) ?? (maxOf.get(deviceId) as number | undefined);
      if (max === undefined || seq > max) {
        // The first reading of a device sets where it starts: nothing before it is owed.
        if (max !== undefined && seq > max + 1) {
          open.run(deviceId, max + 1, seq - 1, now);
          countDetected.run();
        }
        setMax.run(deviceId, seq);
        this.maxSeq.set(deviceId, seq);
        return;
      }
      const gap = covering.get(deviceId, seq, seq) as GapRow | undefined;
      if (!gap) return; // an older seq that was never owed (or a redelivery)
      if (gap.from_seq === gap.to_seq) close.run(now, gap.id);
      else if (seq === gap.from_seq) setRange.run(seq + 1, gap.to_seq, gap.id);
      else if (seq === gap.to_seq) setRange.run(gap.from_seq, seq - 1, gap.id);
      else {
        setRange.run(gap.from_seq, seq - 1, gap.id);
        open.run(deviceId, seq + 1, gap.to_seq, gap.detected_at);
      }
    };
    // Ingest instances share the file: when another one committed since this one last looked
    // (PRAGMA data_version), its cached highest seqs may be behind, and would open gaps that are not.
    let seenVersion = -1;
    const forgetIfChangedElsewhere = () => {
      const version = this.db.pragma('data_version', { simple: true }) as number;
      if (version !== seenVersion) this.maxSeq = new Map();
      seenVersion = version;
    };
    this.commits = new SqliteGroupCommit(this.db, observeOne, () => (this.maxSeq = new Map()), undefined, forgetIfChangedElsewhere);
  }

  /**
   * Records that (deviceId, seq) is stored. Idempotent: calling it again for a stored reading
   * (a redelivery) changes nothing, so a crash between the reading's write and this one is
   * repaired by the redelivery. Durable when the promise resolves (group commit).
   */
  observe(deviceId: string, seq: number, now: number): Promise<void> {
    return this.commits.run({ deviceId, seq, now });
  }

  query(query: SequenceGapQuery): SequenceGap[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.deviceId !== undefined) {
      where.push('device_id = ?');
      params.push(query.deviceId);
    }
    if (query.open !== undefined) where.push(query.open ? 'closed_at IS NULL' : 'closed_at IS NOT NULL');
    const sql = `SELECT * FROM sequence_gaps ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...params, query.limit) as GapRow[]).map(toGap);
  }

  totals(): SequenceGapTotals {
    const open = this.db
      .prepare('SELECT COUNT(*) AS gaps, COALESCE(SUM(to_seq - from_seq + 1), 0) AS missing FROM sequence_gaps WHERE closed_at IS NULL')
      .get() as { gaps: number; missing: number };
    const detected = this.db.prepare('SELECT detected FROM sequence_gap_totals WHERE id = 1').pluck().get() as number;
    return { open: open.gaps, missing: open.missing, detected };
  }

  close(): void {
    if (!this.db.open) return;
    this.commits.flush();
    this.db.close();
  }
}

function toGap(row: GapRow): SequenceGap {
  const closed = row.closed_at !== null;
  return {
    id: row.id,
    deviceId: row.device_id,
    from: row.from_seq,
    to: row.to_seq,
    count: closed ? 0 : row.to_seq - row.from_seq + 1,
    detectedAt: row.detected_at,
    ...(closed && { closedAt: row.closed_at! }),
  };
}
