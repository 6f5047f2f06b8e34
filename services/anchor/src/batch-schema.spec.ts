import path from 'node:path';
import Database from 'better-sqlite3';
import { BatchStore } from './batch-store';
import { removeDir, tempDir } from './testing.spec-helper';

/** anchor.sqlite as the first release wrote it: status 'anchored', no reading range, no nonce. */
const V1_SCHEMA = `
  CREATE TABLE batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT, root TEXT NOT NULL, leaf_count INTEGER NOT NULL,
    from_time INTEGER NOT NULL, to_time INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'failed', 'anchored', 're-anchored')),
    tx_hash TEXT, block_number INTEGER, block_hash TEXT, block_timestamp INTEGER, chain_id INTEGER, contract TEXT,
    created_at INTEGER NOT NULL, anchored_at INTEGER, attempts INTEGER NOT NULL DEFAULT 0, error TEXT
  );
  CREATE TABLE leaves (
    device_id TEXT NOT NULL, seq INTEGER NOT NULL, reading TEXT NOT NULL, leaf TEXT NOT NULL, device_time INTEGER NOT NULL,
    stored_at INTEGER NOT NULL, batch_id INTEGER REFERENCES batches (id), leaf_index INTEGER, PRIMARY KEY (device_id, seq)
  );
  INSERT INTO batches VALUES (1, '0x01', 2, 10, 20, 'anchored', '0xaa', 5, '0xbb', 100, 31337, '0xcc', 1, 2, 1, NULL);
  INSERT INTO batches VALUES (2, '0x02', 1, 30, 30, 're-anchored', '0xab', 6, '0xbc', 101, 31337, '0xcc', 1, 2, 2, NULL);
  INSERT INTO batches VALUES (3, '0x03', 1, 40, 40, 'failed', NULL, NULL, NULL, NULL, NULL, NULL, 3, NULL, 1, 'rpc unreachable');
  INSERT INTO leaves VALUES ('bed-1', 7, '{}', '0xl1', 10, 1, 1, 0), ('bed-2', 3, '{}', '0xl2', 20, 1, 1, 1),
    ('bed-1', 8, '{}', '0xl3', 30, 1, 2, 0), ('bed-1', 9, '{}', '0xl4', 40, 1, 3, 0), ('bed-1', 10, '{}', '0xl5', 50, 1, NULL, NULL);
`;

describe('anchor.sqlite migration', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('schema')));
  afterEach(() => removeDir(dir));

  it("renames 'anchored' to 'confirmed' on open, fills the reading range and keeps every leaf", () => {
    const old = new Database(path.join(dir, 'anchor.sqlite'));
    old.exec(V1_SCHEMA);
    old.close();

    const store = new BatchStore(dir);
    try {
      const batches = store.listBatches(10).reverse();
      expect(batches.map((b) => [b.id, b.status, b.firstReadingId, b.lastReadingId, b.txHash, b.error])).toEqual([
        [1, 'confirmed', 'bed-1:7', 'bed-2:3', '0xaa', null],
        [2, 're-anchored', 'bed-1:8', 'bed-1:8', '0xab', null],
        [3, 'failed', 'bed-1:9', 'bed-1:9', null, 'rpc unreachable'],
      ]);
      expect(store.batchLeaves(1)).toEqual(['0xl1', '0xl2']);
      expect(store.pendingLeaves().count).toBe(1);
      expect(store.nextUnanchored()?.id).toBe(3);
      // New batches continue the id sequence (AUTOINCREMENT survives the rebuild).
      expect(store.sealBatch(10, () => '0x04')).toMatchObject({ id: 4, status: 'pending', firstReadingId: 'bed-1:10' });
    } finally {
      store.close();
    }
    // Opening a migrated file again changes nothing.
    const again = new BatchStore(dir);
    expect(again.listBatches(10)).toHaveLength(4);
    again.close();
  });
});
