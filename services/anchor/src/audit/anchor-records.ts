import Database from 'better-sqlite3';
import fs from 'node:fs';
import { AnchorError } from '../errors';

export interface RecordedBatch {
  readonly id: number;
  readonly root: string;
  readonly count: number;
  readonly fromTime: number;
  readonly toTime: number;
  /** as BatchStore writes it (pending, failed, confirmed or anchored, re-anchored) */
  readonly status: string;
  readonly chainId: number | null;
  readonly contract: string | null;
}

export interface RecordedLeaf {
  readonly deviceId: string;
  readonly seq: number;
  readonly leaf: string;
  readonly batchId: number | null;
  readonly leafIndex: number | null;
}

/**
 * anchor.sqlite (written by BatchStore) opened read-only for the range audit. Only what the audit
 * needs; BatchStore stays the one writer, and its schema is the contract between the two.
 */
export class AnchorRecords {
  private readonly db: Database.Database;
  /** asked once per stored reading in the range: prepared once */
  private readonly leafByKey: Database.Statement<[string, number]>;

  constructor(file: string) {
    if (!fs.existsSync(file)) throw new AnchorError('ANCHOR_E_STORE_MISSING', `${file} not found: pass the DATA_DIR the pipeline ran with`);
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.leafByKey = this.db.prepare(
      'SELECT device_id AS deviceId, seq, leaf, batch_id AS batchId, leaf_index AS leafIndex FROM leaves WHERE device_id = ? AND seq = ?',
    );
  }

  /** Batches holding a reading whose device time may fall in [from, to], oldest first. */
  batchesOverlapping(from: number, to: number): RecordedBatch[] {
    return this.db
      .prepare(
        `SELECT id, root, leaf_count AS count, from_time AS fromTime, to_time AS toTime, status, chain_id AS chainId, contract
         FROM batches WHERE from_time <= ? AND to_time >= ? ORDER BY id`,
      )
      .all(to, from) as RecordedBatch[];
  }

  batch(id: number): RecordedBatch | undefined {
    return this.db
      .prepare(
        `SELECT id, root, leaf_count AS count, from_time AS fromTime, to_time AS toTime, status, chain_id AS chainId, contract
         FROM batches WHERE id = ?`,
      )
      .get(id) as RecordedBatch | undefined;
  }

  /** A batch's leaves in index order, with the reading each one commits to. */
  batchLeaves(batchId: number): RecordedLeaf[] {
    return this.db
      .prepare(
        `SELECT device_id AS deviceId, seq, leaf, batch_id AS batchId, leaf_index AS leafIndex
         FROM leaves WHERE batch_id = ? ORDER BY leaf_index`,
      )
      .all(batchId) as RecordedLeaf[];
  }

  leafOf(deviceId: string, seq: number): RecordedLeaf | undefined {
    return this.leafByKey.get(deviceId, seq) as RecordedLeaf | undefined;
  }

  /** When the anchor service last took in a reading (its clock, ms): how far it has read the bus. */
  lastLeafStoredAt(): number | null {
    return (this.db.prepare('SELECT MAX(stored_at) AS t FROM leaves').get() as { t: number | null }).t;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
