import Database from 'better-sqlite3';
import { openSqlite } from '@pulseproof/bus';
import fs from 'node:fs';
import path from 'node:path';
import { createSchema } from './batch-schema';
import { AnchorTx } from './chain.port';

/**
 * Issue 4 item 2:
 * - pending: sealed (root known), not on chain yet, or sent and waiting for its confirmations
 * - failed: the last anchoring attempt failed; the batch stays queued and is retried with backoff
 * - confirmed: on chain with the configured confirmations
 * - re-anchored: was confirmed, the chain lost it (embedded state lost, reorg, another chain), anchored again
 */
export type BatchStatus = 'pending' | 'failed' | 'confirmed' | 're-anchored';

/** The statuses of a batch whose root is on chain. */
export type OnChainStatus = Extract<BatchStatus, 'confirmed' | 're-anchored'>;

export function isOnChain(status: BatchStatus): status is OnChainStatus {
  return status === 'confirmed' || status === 're-anchored';
}

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
  /** reading ids (`<deviceId>:<seq>`) of leaf 0 and of the last leaf: the batch's leaf range */
  readonly firstReadingId: string | null;
  readonly lastReadingId: string | null;
  /** the nonce of the anchoring transaction last sent for this batch */
  readonly txNonce: number | null;
}

const BATCH_COLUMNS = `id, root, leaf_count AS count, from_time AS fromTime, to_time AS toTime, status,
  tx_hash AS txHash, block_number AS blockNumber, block_hash AS blockHash, block_timestamp AS blockTimestamp,
  chain_id AS chainId, contract, created_at AS createdAt, anchored_at AS anchoredAt, attempts, error,
  first_reading AS firstReadingId, last_reading AS lastReadingId, tx_nonce AS txNonce`;

/** anchor.sqlite: every leaf the service has seen, and the batches they were sealed into. */
export class BatchStore {
  private readonly db: Database.Database;

  constructor(dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true });
    this.db = openSqlite(path.join(dataDir, 'anchor.sqlite'));
    createSchema(this.db);
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
        .prepare(
          `SELECT rowid, leaf, device_time AS deviceTime, device_id || ':' || seq AS readingId
             FROM leaves WHERE batch_id IS NULL ORDER BY rowid LIMIT ?`,
        )
        .all(maxSize) as { rowid: number; leaf: string; deviceTime: number; readingId: string }[];
      if (rows.length === 0) return undefined;
      const root = rootOf(rows.map((r) => r.leaf));
      let fromTime = rows[0]!.deviceTime;
      let toTime = fromTime;
      for (const r of rows) {
        fromTime = Math.min(fromTime, r.deviceTime);
        toTime = Math.max(toTime, r.deviceTime);
      }
      const { lastInsertRowid } = this.db
        .prepare(
          `INSERT INTO batches (root, leaf_count, from_time, to_time, status, created_at, first_reading, last_reading)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(root, rows.length, fromTime, toTime, 'pending', now, rows[0]!.readingId, rows[rows.length - 1]!.readingId);
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

  /** Confirmed and re-anchored batches with id > afterId (and in a block >= minBlock), oldest first. */
  anchoredBatches(afterId: number, limit: number, minBlock = 0): Batch[] {
    return this.db
      .prepare(
        `SELECT ${BATCH_COLUMNS} FROM batches WHERE status IN ('confirmed', 're-anchored') AND id > ? AND block_number >= ?
           ORDER BY id LIMIT ?`,
      )
      .all(afterId, minBlock, limit) as Batch[];
  }

  /** Newest first. */
  listBatches(limit: number): Batch[] {
    return this.db.prepare(`SELECT ${BATCH_COLUMNS} FROM batches ORDER BY id DESC LIMIT ?`).all(limit) as Batch[];
  }

  markAnchored(
    id: number,
    status: OnChainStatus,
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

  /**
   * Records the transaction just sent (or replaced) for a batch that is not on chain yet: what
   * /api/anchors shows while the batch is pending, and the nonce a restart can look for.
   */
  markSent(id: number, txHash: string, nonce: number): void {
    this.db
      .prepare(`UPDATE batches SET tx_hash = ?, tx_nonce = ? WHERE id = ? AND status IN ('pending', 'failed')`)
      .run(txHash, nonce, id);
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
