import Database from 'better-sqlite3';
import { SqliteGroupCommit, openSqlite } from '@pulseproof/bus';
import { DeadLetter } from '@pulseproof/contracts';

/** Rows kept by default: the newest 100,000 dead letters (a few tens of MB at most). */
export const DEFAULT_DEAD_LETTER_RETENTION = 100_000;

export interface StoredDeadLetter extends DeadLetter {
  /** increasing with arrival; newest first in queries */
  readonly id: number;
}

export interface DeadLetterQuery {
  readonly reason?: string;
  readonly deviceId?: string;
  /** receivedAt at or after, ms since epoch */
  readonly since?: number;
  readonly limit: number;
}

export interface DeadLetterPage {
  /** every dead letter ever written, per reason: counted apart from the rows, so retention never lowers them */
  readonly counts: Readonly<Record<string, number>>;
  readonly total: number;
  /** matching rows, newest first */
  readonly items: readonly StoredDeadLetter[];
}

interface Row {
  id: number;
  reason: string;
  detail: string;
  topic: string;
  device_id: string | null;
  received_at: number;
  payload_bytes: number;
  payload_head: string;
}

/**
 * Refused device messages, durable (deadletters.sqlite under dataDir, WAL): written before the
 * device is acknowledged, so a refusal is never lost with the PUBACK already sent. Only the newest
 * `retention` rows are kept; counts per reason are kept forever.
 */
export class DeadLetterStore {
  private readonly db: Database.Database;
  private readonly commits: SqliteGroupCommit<DeadLetter>;

  constructor(file: string, private readonly retention = DEFAULT_DEAD_LETTER_RETENTION) {
    if (!Number.isInteger(retention) || retention < 1) throw new Error('dead-letter retention must be a whole number of rows, at least 1');
    this.db = openSqlite(file);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS dead_letters (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        reason TEXT NOT NULL,
        detail TEXT NOT NULL,
        topic TEXT NOT NULL,
        device_id TEXT,
        received_at INTEGER NOT NULL,
        payload_bytes INTEGER NOT NULL,
        payload_head TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS dead_letters_reason ON dead_letters (reason, id);
      CREATE INDEX IF NOT EXISTS dead_letters_device ON dead_letters (device_id, id);
      CREATE TABLE IF NOT EXISTS dead_letter_counts (
        reason TEXT PRIMARY KEY,
        count INTEGER NOT NULL
      ) WITHOUT ROWID;
    `);
    const insert = this.db.prepare(
      `INSERT INTO dead_letters (reason, detail, topic, device_id, received_at, payload_bytes, payload_head)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const count = this.db.prepare(
      `INSERT INTO dead_letter_counts (reason, count) VALUES (?, 1)
       ON CONFLICT (reason) DO UPDATE SET count = count + 1`,
    );
    // A range delete on the primary key: cheap, and at most one row per append once full.
    const prune = this.db.prepare('DELETE FROM dead_letters WHERE id <= ?');
    this.commits = new SqliteGroupCommit(this.db, (letter: DeadLetter) => {
      const { lastInsertRowid } = insert.run(
        letter.reason,
        letter.detail,
        // A topic (and the device id in it) is up to 65,535 bytes [MQTT-1.5.3]; the start is enough to diagnose.
        letter.topic.slice(0, 256),
        letter.deviceId?.slice(0, 128) ?? null,
        letter.receivedAt,
        letter.payloadBytes,
        letter.payloadHead,
      );
      count.run(letter.reason);
      prune.run(Number(lastInsertRowid) - this.retention);
    });
  }

  /** Durable when the promise resolves: the row and its reason's counter, in one transaction. */
  append(letter: DeadLetter): Promise<void> {
    return this.commits.run(letter);
  }

  counts(): Record<string, number> {
    const rows = this.db.prepare('SELECT reason, count FROM dead_letter_counts ORDER BY reason').all() as { reason: string; count: number }[];
    return Object.fromEntries(rows.map((r) => [r.reason, r.count]));
  }

  query(query: DeadLetterQuery): DeadLetterPage {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.reason !== undefined) {
      where.push('reason = ?');
      params.push(query.reason);
    }
    if (query.deviceId !== undefined) {
      where.push('device_id = ?');
      params.push(query.deviceId);
    }
    if (query.since !== undefined) {
      where.push('received_at >= ?');
      params.push(query.since);
    }
    const sql = `SELECT * FROM dead_letters ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, query.limit) as Row[];
    const counts = this.counts();
    return {
      counts,
      total: Object.values(counts).reduce((sum, n) => sum + n, 0),
      items: rows.map(toLetter),
    };
  }

  /** rows currently kept (at most the retention) */
  retained(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM dead_letters').get() as { n: number }).n;
  }

  close(): void {
    if (!this.db.open) return;
    this.commits.flush();
    this.db.close();
  }
}

function toLetter(row: Row): StoredDeadLetter {
  return {
    id: row.id,
    reason: row.reason,
    detail: row.detail,
    topic: row.topic,
    ...(row.device_id !== null && { deviceId: row.device_id }),
    receivedAt: row.received_at,
    payloadBytes: row.payload_bytes,
    payloadHead: row.payload_head,
  };
}
