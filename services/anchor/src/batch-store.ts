import Database from 'better-sqlite3';
import { openSqlite } from '@pulseproof/bus';
import fs from 'node:fs';
import path from 'node:path';
import { AnchorTx } from './chain.port';

/**
 * - pending: sealed (root known), not on chain yet
 * - failed: the last anchoring attempt failed; the batch stays queued and is retried with backoff
 * - anchored: on chain
 * - re-anchored: was anchored, the chain lost it (embedded state lost, reorg, another chain), anchored again
 */
export type BatchStatus = 'pending' | 'failed' | 'anchored' | 're-anchored';

export interface LeafRow {
  readonly deviceId: string;
  readonly seq: number;
  /** the reading as received on the bus, JSON */
  readonly reading: string;
  readonly leaf: string;
  readonly deviceTime: number;
}

export interface StoredLeaf extends LeafRow {
  readonly batchId: number | null;
  readonly leafIndex: number | null;
}

export interface Batch {
  readonly id: number;
  readonly root: string;
  readonly count: number;
  readonly fromTime: number;
  readonly toTime: number;
  readonly status: BatchStatus;
  readonly txHash: string | null;
  readonly blockNumber: number | null;
  readonly blockHash: string | null;
  /** block timestamp, seconds since epoch */
  readonly blockTimestamp: number | null;
  readonly chainId: number | null;
  readonly contract: string | null;
  readonly createdAt: number;
  readonly anchoredAt: number | null;
  readonly attempts: number;
  readonly error: string | null;
}

const BATCH_COLUMNS = `id, root, leaf_count AS count, from_time AS fromTime, to_time AS toTime, status,
  tx_hash AS txHash, block_number AS blockNumber, block_hash AS blockHash, block_timestamp AS blockTimestamp,
  chain_id AS chainId, contract, created_at AS createdAt, anchored_at AS anchoredAt, attempts, error`;

/** anchor.sqlite: every leaf the service has seen, and the batches they were sealed into. */
export class BatchStore {
  private readonly db: Database.Database;

  constructor(dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true });
    this.db = openSqlite(path.join(dataDir, 'anchor.sqlite'));
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS batches (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        root TEXT NOT NULL,
        leaf_count INTEGER NOT NULL,
        from_time INTEGER NOT NULL,
        to_time INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'failed', 'anchored', 're-anchored')),
        tx_hash TEXT, block_number INTEGER, block_hash TEXT, block_timestamp INTEGER,
        chain_id INTEGER, contract TEXT,
        created_at INTEGER NOT NULL,
        anchored_at INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT
      );
      CREATE INDEX IF NOT EXISTS batches_status ON batches (status, id);
      CREATE TABLE IF NOT EXISTS leaves (
        device_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        reading TEXT NOT NULL,
        leaf TEXT NOT NULL,
        device_time INTEGER NOT NULL,
        stored_at INTEGER NOT NULL,
        batch_id INTEGER REFERENCES batches (id),
        leaf_index INTEGER,
        PRIMARY KEY (device_id, seq)
      );
      CREATE INDEX IF NOT EXISTS leaves_batch ON leaves (batch_id, leaf_index) WHERE batch_id IS NOT NULL;
      -- all keys NULL: entries sort by rowid, i.e. arrival order, which is the order leaves are batched in
      CREATE INDEX IF NOT EXISTS leaves_unbatched ON leaves (batch_id) WHERE batch_id IS NULL;
    `);
  }

  /** Stores leaves not seen before; (deviceId, seq) already stored is a no-op. Returns how many were new. */
  insertLeaves(rows: readonly LeafRow[], now = Date.now()): number {
    const insert = this.db.prepare(
      'INSERT OR IGNORE INTO leaves (device_id, seq, reading, leaf, device_time, stored_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    return this.db.transaction(() => rows.reduce((n, r) => n + insert.run(r.deviceId, r.seq, r.reading, r.leaf, r.deviceTime, now).changes, 0))();
  }

  pendingLeaves(): { count: number; oldestStoredAt: number | null } {
    const row = this.db
      .prepare('SELECT COUNT(*) AS count, MIN(stored_at) AS oldest FROM leaves WHERE batch_id IS NULL')
      .get() as { count: number; oldest: number | null };
    return { count: row.count, oldestStoredAt: row.oldest };
  }

  /**
   * Seals the oldest pending leaves (at most `maxSize`) into a new pending batch, in one
   * transaction: the batch row with its root, and each leaf's batch id and index.
   * `rootOf` receives the leaves in index order.
   */
  sealBatch(maxSize: number, rootOf: (leaves: string[]) => string, now = Date.now()): Batch | undefined {
    return this.db.transaction(() => {
      const rows = this.db
        .prepare('SELECT rowid, leaf, device_time AS deviceTime FROM leaves WHERE batch_id IS NULL ORDER BY rowid LIMIT ?')
        .all(maxSize) as { rowid: number; leaf: string; deviceTime: number }[];
      if (rows.length === 0) return undefined;
      const root = rootOf(rows.map((r) => r.leaf));
      let fromTime = rows[0]!.deviceTime;
      let toTime = fromTime;
      for (const r of rows) {
        fromTime = Math.min(fromTime, r.deviceTime);
        toTime = Math.max(toTime, r.deviceTime);
      }
      const { lastInsertRowid } = this.db
        .prepare('INSERT INTO batches (root, leaf_count, from_time, to_time, status, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(root, rows.length, fromTime, toTime, 'pending', now);
      const id = Number(lastInsertRowid);
      const assign = this.db.prepare('UPDATE leaves SET batch_id = ?, leaf_index = ? WHERE rowid = ?');
      rows.forEach((r, index) => assign.run(id, index, r.rowid));
      return this.batch(id);
    })();
  }

  batch(id: number): Batch | undefined {
    return this.db.prepare(`SELECT ${BATCH_COLUMNS} FROM batches WHERE id = ?`).get(id) as Batch | undefined;
  }

  /** The oldest batch not yet on chain. */
  nextUnanchored(): Batch | undefined {
    return this.db
      .prepare(`SELECT ${BATCH_COLUMNS} FROM batches WHERE status IN ('pending', 'failed') ORDER BY id LIMIT 1`)
      .get() as Batch | undefined;
  }

  countUnanchored(): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM batches WHERE status IN ('pending', 'failed')`).get() as { n: number }).n;
  }

  /** Anchored and re-anchored batches with id > afterId, oldest first. */
  anchoredBatches(afterId: number, limit: number): Batch[] {
    return this.db
      .prepare(`SELECT ${BATCH_COLUMNS} FROM batches WHERE status IN ('anchored', 're-anchored') AND id > ? ORDER BY id LIMIT ?`)
      .all(afterId, limit) as Batch[];
  }

  /** Newest first. */
  listBatches(limit: number): Batch[] {
    return this.db.prepare(`SELECT ${BATCH_COLUMNS} FROM batches ORDER BY id DESC LIMIT ?`).all(limit) as Batch[];
  }

  markAnchored(
    id: number,
    status: 'anchored' | 're-anchored',
    tx: AnchorTx,
    chain: { chainId: number; contract: string },
    now = Date.now(),
  ): void {
    this.db
      .prepare(
        `UPDATE batches SET status = ?, tx_hash = ?, block_number = ?, block_hash = ?, block_timestamp = ?,
           chain_id = ?, contract = ?, anchored_at = ?, attempts = attempts + 1, error = NULL WHERE id = ?`,
      )
      .run(status, tx.txHash, tx.blockNumber, tx.blockHash, tx.blockTimestamp, chain.chainId, chain.contract, now, id);
  }

  /** Records a failed attempt; an anchored batch being re-anchored keeps its status and old record. */
  markFailed(id: number, error: string): void {
    this.db
      .prepare(
        `UPDATE batches SET attempts = attempts + 1, error = ?,
           status = CASE WHEN status IN ('pending', 'failed') THEN 'failed' ELSE status END WHERE id = ?`,
      )
      .run(error, id);
  }

  leaf(deviceId: string, seq: number): StoredLeaf | undefined {
    return this.db
      .prepare(
        `SELECT device_id AS deviceId, seq, reading, leaf, device_time AS deviceTime, batch_id AS batchId,
           leaf_index AS leafIndex FROM leaves WHERE device_id = ? AND seq = ?`,
      )
      .get(deviceId, seq) as StoredLeaf | undefined;
  }

  /** A batch's leaves in index order: what its tree is built from. */
  batchLeaves(batchId: number): string[] {
    return this.db
      .prepare('SELECT leaf FROM leaves WHERE batch_id = ? ORDER BY leaf_index')
      .pluck()
      .all(batchId) as string[];
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
