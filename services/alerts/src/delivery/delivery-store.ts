import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openSqlite } from '@pulseproof/bus';

export const DELIVERY_DB_FILE = 'alert-delivery.sqlite';

export type DeliveryChannel = 'mqtt' | 'webhook';

/** Sending order across targets (IEC 60601-1-8: a high-priority alarm is not queued behind lower ones). */
export const PRIORITY_RANK: Readonly<Record<string, number>> = Object.freeze({ high: 0, medium: 1, low: 2 });
export type DeliveryState = 'pending' | 'delivered' | 'failed';

/** One event to one target (an MQTT topic or a webhook URL), as the outbox keeps it. */
export interface DeliveryRecord {
  readonly id: number;
  readonly channel: DeliveryChannel;
  /** the MQTT topic or the webhook URL as configured (redact it before showing it) */
  readonly target: string;
  /** `<alertId>@<updatedAt>`: the same for every target of one event */
  readonly eventId: string;
  readonly body: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly createdAt: number;
  readonly nextAttemptAt: number;
  readonly lastAttemptAt: number | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly finishedAt: number | null;
}

/** An event of the live stream; `seq` is its SSE id, increasing across restarts. */
export interface StreamEntry {
  readonly seq: number;
  readonly patientId: string;
  readonly data: string;
}

export interface DeliveryCounts {
  readonly pending: number;
  readonly retrying: number;
  readonly failed: number;
  readonly delivered: number;
  readonly oldestPendingAt: number | null;
  readonly lastFailedAt: number | null;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS seen_events (
    alert_id TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (alert_id, updated_at)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS seen_events_at ON seen_events (seen_at);
  CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL CHECK (channel IN ('mqtt', 'webhook')),
    target TEXT NOT NULL,
    event_id TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    priority INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    last_attempt_at INTEGER,
    last_status INTEGER,
    last_error TEXT,
    finished_at INTEGER,
    UNIQUE (event_id, channel, target)
  );
  CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);
  CREATE INDEX IF NOT EXISTS outbox_target ON outbox (channel, target, state, id);
  CREATE TABLE IF NOT EXISTS stream_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id TEXT NOT NULL,
    data TEXT NOT NULL
  );
`;

interface OutboxRow {
  id: number;
  channel: DeliveryChannel;
  target: string;
  event_id: string;
  body: string;
  state: DeliveryState;
  attempts: number;
  created_at: number;
  next_attempt_at: number;
  last_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  finished_at: number | null;
}

const toRecord = (r: OutboxRow): DeliveryRecord => ({
  id: r.id,
  channel: r.channel,
  target: r.target,
  eventId: r.event_id,
  body: r.body,
  state: r.state,
  attempts: r.attempts,
  createdAt: r.created_at,
  nextAttemptAt: r.next_attempt_at,
  lastAttemptAt: r.last_attempt_at,
  lastStatus: r.last_status,
  lastError: r.last_error,
  finishedAt: r.finished_at,
});

/**
 * `alert-delivery.sqlite`: which events were taken from the bus, the outbox of deliveries to MQTT
 * and webhooks, and the recent events of the live stream. One file, so an event's deliveries and its
 * stream entry are written in the transaction that marks it seen: a crash leaves all or none.
 */
export class DeliveryStore {
  private constructor(private readonly db: Database.Database) {}

  static open(dataDir: string): DeliveryStore {
    mkdirSync(dataDir, { recursive: true });
    const db = openSqlite(join(dataDir, DELIVERY_DB_FILE));
    db.exec(SCHEMA);
    // files written before the priority column
    const columns = db.prepare('PRAGMA table_info(outbox)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'priority')) db.exec('ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 1');
    return new DeliveryStore(db);
  }

  /** IMMEDIATE: alerts replicas may share the file, and a read-then-write must not interleave with another's (docs/deploy.md). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  /** True the first time an event (alert id, updatedAt) is seen; false for a redelivery. */
  markSeen(alertId: string, updatedAt: number, now: number): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO seen_events (alert_id, updated_at, seen_at) VALUES (?, ?, ?)').run(alertId, updatedAt, now).changes === 1;
  }

  /** `priority`: PRIORITY_RANK of the alert (0 first). */
  enqueue(channel: DeliveryChannel, target: string, eventId: string, body: string, now: number, priority = 1): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO outbox (channel, target, event_id, body, state, priority, created_at, next_attempt_at)
         VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)`,
      )
      .run(channel, target, eventId, body, priority, now, now);
  }

  /**
   * Pending deliveries due by `now`, the most urgent alert first, then the oldest. With
   * `headsOnly`, a target's deliveries come one at a time in the order they were enqueued: only the
   * oldest pending one of each target is eligible (a patient's MQTT topic sees its events in order).
   */
  due(channel: DeliveryChannel, now: number, limit: number, headsOnly = false): DeliveryRecord[] {
    const head = headsOnly
      ? `AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.channel = o.channel AND p.target = o.target AND p.state = 'pending' AND p.id < o.id)`
      : '';
    return (
      this.db
        .prepare(`SELECT * FROM outbox o WHERE state = 'pending' AND channel = ? AND next_attempt_at <= ? ${head} ORDER BY priority, next_attempt_at, id LIMIT ?`)
        .all(channel, now, limit) as OutboxRow[]
    ).map(toRecord);
  }

  /** When the next eligible pending delivery of the channel falls due (see `due`), leaving out those in flight. */
  nextDueAt(channel: DeliveryChannel, excludeIds: readonly number[] = [], headsOnly = false): number | undefined {
    const exclude = excludeIds.length > 0 ? `AND id NOT IN (${excludeIds.map(() => '?').join(', ')})` : '';
    const head = headsOnly
      ? `AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.channel = o.channel AND p.target = o.target AND p.state = 'pending' AND p.id < o.id)`
      : '';
    const row = this.db
      .prepare(`SELECT MIN(next_attempt_at) AS at FROM outbox o WHERE state = 'pending' AND channel = ? ${exclude} ${head}`)
      .get(channel, ...excludeIds) as { at: number | null };
    return row.at ?? undefined;
  }

  markDelivered(id: number, now: number, status: number | null): void {
    this.db
      .prepare(`UPDATE outbox SET state = 'delivered', attempts = attempts + 1, last_attempt_at = ?, last_status = ?, last_error = NULL, finished_at = ? WHERE id = ?`)
      .run(now, status, now, id);
  }

  /** A failed attempt: retried at `retryAt`, or failed for good when it is undefined. */
  markAttemptFailed(id: number, now: number, status: number | null, error: string, retryAt: number | undefined): void {
    if (retryAt === undefined) {
      this.db
        .prepare(`UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_attempt_at = ?, last_status = ?, last_error = ?, finished_at = ? WHERE id = ?`)
        .run(now, status, error, now, id);
    } else {
      this.db
        .prepare(`UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ?, last_status = ?, last_error = ?, next_attempt_at = ? WHERE id = ?`)
        .run(now, status, error, retryAt, id);
    }
  }

  /** Pending deliveries to targets no longer configured fail at once, with the reason. */
  failPendingExcept(channel: DeliveryChannel, targets: readonly string[], now: number, reason: string): number {
    const placeholders = targets.map(() => '?').join(', ');
    const keep = targets.length > 0 ? `AND target NOT IN (${placeholders})` : '';
    return this.db
      .prepare(`UPDATE outbox SET state = 'failed', last_error = ?, finished_at = ? WHERE state = 'pending' AND channel = ? ${keep}`)
      .run(reason, now, channel, ...targets).changes;
  }

  list(query: { readonly state?: DeliveryState; readonly channel?: DeliveryChannel; readonly limit: number }): DeliveryRecord[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (query.state) {
      where.push('state = ?');
      args.push(query.state);
    }
    if (query.channel) {
      where.push('channel = ?');
      args.push(query.channel);
    }
    const sql = `SELECT * FROM outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, query.limit) as OutboxRow[]).map(toRecord);
  }

  counts(since: number): DeliveryCounts {
    const row = this.db
      .prepare(
        `SELECT
           COALESCE(SUM(state = 'pending'), 0) AS pending,
           COALESCE(SUM(state = 'pending' AND attempts > 0), 0) AS retrying,
           COALESCE(SUM(state = 'failed' AND finished_at >= ?), 0) AS failed,
           COALESCE(SUM(state = 'delivered' AND finished_at >= ?), 0) AS delivered,
           MIN(CASE WHEN state = 'pending' THEN created_at END) AS oldestPendingAt,
           MAX(CASE WHEN state = 'failed' THEN finished_at END) AS lastFailedAt
         FROM outbox`,
      )
      .get(since, since) as DeliveryCounts;
    return row;
  }

  appendStream(patientId: string, data: string): StreamEntry {
    const seq = Number(this.db.prepare('INSERT INTO stream_events (patient_id, data) VALUES (?, ?)').run(patientId, data).lastInsertRowid);
    return { seq, patientId, data };
  }

  /** Keeps the newest `size` stream events; AUTOINCREMENT never reuses a trimmed seq. */
  trimStream(size: number): void {
    this.db.prepare('DELETE FROM stream_events WHERE seq <= (SELECT MAX(seq) FROM stream_events) - ?').run(size);
  }

  /** The oldest kept and the newest ever assigned stream seq (0 when none). */
  streamBounds(): { readonly oldest: number; readonly latest: number } {
    const kept = this.db.prepare('SELECT MIN(seq) AS oldest FROM stream_events').get() as { oldest: number | null };
    const seqRow = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'stream_events'").get() as { seq: number } | undefined;
    const latest = seqRow?.seq ?? 0;
    return { oldest: kept.oldest ?? latest + 1, latest };
  }

  streamSince(afterSeq: number, limit: number): StreamEntry[] {
    return (
      this.db.prepare('SELECT seq, patient_id AS patientId, data FROM stream_events WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as StreamEntry[]
    );
  }

  /** Forgets seen event ids and finished deliveries older than `before`. */
  prune(before: number): number {
    return this.transaction(
      () =>
        this.db.prepare('DELETE FROM seen_events WHERE seen_at < ?').run(before).changes +
        this.db.prepare(`DELETE FROM outbox WHERE state <> 'pending' AND finished_at < ?`).run(before).changes,
    );
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
