import Database from 'better-sqlite3';

/**
 * anchor.sqlite's schema, and the migration of files written by earlier versions. Batch statuses
 * follow issue 4 item 2: pending, confirmed, failed, re-anchored.
 */
const BATCHES_TABLE = `
  CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    root TEXT NOT NULL,
    leaf_count INTEGER NOT NULL,
    from_time INTEGER NOT NULL,
    to_time INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'failed', 'confirmed', 're-anchored')),
    tx_hash TEXT, block_number INTEGER, block_hash TEXT, block_timestamp INTEGER,
    chain_id INTEGER, contract TEXT,
    created_at INTEGER NOT NULL,
    anchored_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    first_reading TEXT, last_reading TEXT,
    tx_nonce INTEGER
  )`;

export function createSchema(db: Database.Database): void {
  migrateAnchoredToConfirmed(db);
  db.exec(`
    ${BATCHES_TABLE};
    CREATE INDEX IF NOT EXISTS batches_status ON batches (status, id);
    CREATE INDEX IF NOT EXISTS batches_block ON batches (block_number) WHERE block_number IS NOT NULL;
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

/**
 * Files from before the status vocabulary of issue 4 said `anchored` and had no reading range nor
 * nonce. A CHECK constraint cannot be altered in SQLite, so the table is rebuilt with the
 * documented procedure (https://www.sqlite.org/lang_altertable.html#otheralter): foreign keys
 * off, new table, copy, drop, rename, in one transaction. The leaves' reference follows the name.
 */
function migrateAnchoredToConfirmed(db: Database.Database): void {
  const sql = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'batches'`).pluck().get() as string | undefined;
  if (!sql || sql.includes("'confirmed'")) return;
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      db.exec(BATCHES_TABLE.replace('IF NOT EXISTS batches', 'batches_migrated'));
      db.exec(`
        INSERT INTO batches_migrated (id, root, leaf_count, from_time, to_time, status, tx_hash, block_number, block_hash,
          block_timestamp, chain_id, contract, created_at, anchored_at, attempts, error, first_reading, last_reading)
        SELECT b.id, b.root, b.leaf_count, b.from_time, b.to_time,
          CASE b.status WHEN 'anchored' THEN 'confirmed' ELSE b.status END,
          b.tx_hash, b.block_number, b.block_hash, b.block_timestamp, b.chain_id, b.contract, b.created_at, b.anchored_at,
          b.attempts, b.error,
          (SELECT l.device_id || ':' || l.seq FROM leaves l WHERE l.batch_id = b.id AND l.leaf_index = 0),
          (SELECT l.device_id || ':' || l.seq FROM leaves l WHERE l.batch_id = b.id AND l.leaf_index = b.leaf_count - 1)
        FROM batches b;
        DROP TABLE batches;
        ALTER TABLE batches_migrated RENAME TO batches;
      `);
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) throw new Error(`anchor.sqlite migration left ${broken.length} dangling leaf references`);
    })();
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  }
}
