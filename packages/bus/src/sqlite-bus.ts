import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import { openSqlite } from './sqlite';
import { SqliteGroupCommit } from './sqlite-group-commit';
import { BatchHandler, Bus, BusMessage, SubscribeOptions, Subscription } from './bus';

export interface SqliteBusOptions {
  /** database file; ':memory:' for a bus that dies with the process */
  readonly file: string;
  /** how often consumed messages are deleted, ms */
  readonly pruneIntervalMs?: number;
  /** wait after a failed handler before the batch is tried again, ms (doubles up to 30 s) */
  readonly retryDelayMs?: number;
  readonly onHandlerError?: (topic: string, group: string, error: unknown) => void;
}

interface Row {
  offset: number;
  key: string;
  value: string;
}

/**
 * The embedded bus: a durable log in one SQLite file (WAL), one table of messages and one of
 * consumer-group positions. It gives the single-process mode the same crash semantics as Kafka:
 * a message published before a `kill -9` is delivered after the restart, and a group resumes
 * where its last handled batch ended.
 *
 * A message is deleted once every group that ever subscribed to its topic has handled it.
 */
export class SqliteBus extends Bus {
  private readonly db: Database.Database;
  private readonly wake = new EventEmitter();
  private readonly consumers = new Set<Consumer>();
  private readonly pruneTimer: NodeJS.Timeout;
  private readonly insert: Database.Statement<[string, string, string, number]>;
  /** publishes made in one turn of the event loop share one transaction (ingest publishes once per reading) */
  private readonly publishes: SqliteGroupCommit<{ topic: string; key: string; value: string }>;
  private closed = false;

  constructor(private readonly options: SqliteBusOptions) {
    super();
    this.db = openSqlite(options.file);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS messages (
        offset INTEGER PRIMARY KEY AUTOINCREMENT,
        topic TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        published_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS messages_topic ON messages (topic, offset);
      CREATE TABLE IF NOT EXISTS group_offsets (
        grp TEXT NOT NULL,
        topic TEXT NOT NULL,
        next_offset INTEGER NOT NULL,
        PRIMARY KEY (grp, topic)
      );
    `);
    this.wake.setMaxListeners(0);
    this.insert = this.db.prepare('INSERT INTO messages (topic, key, value, published_at) VALUES (?, ?, ?, ?)');
    this.publishes = new SqliteGroupCommit(this.db, ({ topic, key, value }) => {
      this.insert.run(topic, key, value, Date.now());
    });
    this.pruneTimer = setInterval(() => this.prune(), options.pruneIntervalMs ?? 10_000);
    this.pruneTimer.unref();
  }

  async publish<T>(topic: string, key: string, value: T): Promise<void> {
    if (this.closed) throw new Error(`the bus is closed: cannot publish on ${topic}`);
    await this.publishes.run({ topic, key, value: JSON.stringify(value) });
    this.wake.emit(topic);
  }

  subscribe<T>(topic: string, group: string, handler: BatchHandler<T>, options: SubscribeOptions = {}): Subscription {
    this.db
      .prepare('INSERT OR IGNORE INTO group_offsets (grp, topic, next_offset) VALUES (?, ?, 0)')
      .run(group, topic);
    const consumer = new Consumer(this.db, this.wake, topic, group, handler as BatchHandler<unknown>, {
      maxBatch: options.maxBatch ?? 500,
      retryDelayMs: this.options.retryDelayMs ?? 250,
      onError: (error) => this.options.onHandlerError?.(topic, group, error),
    });
    this.consumers.add(consumer);
    consumer.start();
    return {
      stop: async () => {
        await consumer.stop();
        this.consumers.delete(consumer);
      },
    };
  }

  lag(topic: string, group: string): number {
    const row = this.db
      .prepare(
        `SELECT COUNT(*) AS n FROM messages WHERE topic = ? AND offset >=
           COALESCE((SELECT next_offset FROM group_offsets WHERE grp = ? AND topic = ?), 0)`,
      )
      .get(topic, group, topic) as { n: number };
    return row.n;
  }

  async close(): Promise<void> {
    clearInterval(this.pruneTimer);
    // Consumers first: a handler finishing its batch may still publish; then what is queued is
    // committed, and only then does the file close (a later publish is refused at once).
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.consumers.clear();
    this.closed = true;
    this.publishes.flush();
    this.db.close();
  }

  private prune(): void {
    this.db
      .prepare(
        `DELETE FROM messages WHERE offset < (
           SELECT MIN(next_offset) FROM group_offsets g WHERE g.topic = messages.topic)`,
      )
      .run();
  }
}

/** One group's read loop over one topic. */
class Consumer {
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | undefined;
  private readonly select: Database.Statement<[string, number, number]>;
  private readonly commit: Database.Statement<[number, string, string]>;
  private readonly position: Database.Statement<[string, string]>;

  constructor(
    db: Database.Database,
    private readonly wake: EventEmitter,
    private readonly topic: string,
    private readonly group: string,
    private readonly handler: BatchHandler<unknown>,
    private readonly options: { maxBatch: number; retryDelayMs: number; onError: (error: unknown) => void },
  ) {
    this.select = db.prepare('SELECT offset, key, value FROM messages WHERE topic = ? AND offset >= ? ORDER BY offset LIMIT ?');
    this.commit = db.prepare('UPDATE group_offsets SET next_offset = ? WHERE topic = ? AND grp = ?');
    this.position = db.prepare('SELECT next_offset AS n FROM group_offsets WHERE topic = ? AND grp = ?');
  }

  start(): void {
    this.running = true;
    this.wake.on(this.topic, this.onPublish);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake.off(this.topic, this.onPublish);
    this.wakeUp?.();
    await this.loop;
  }

  private waitingForData = false;
  // A publish ends an idle wait, never a retry back-off: a failing handler must not spin.
  private readonly onPublish = () => {
    if (this.waitingForData) this.wakeUp?.();
  };

  private async run(): Promise<void> {
    let next = (this.position.get(this.topic, this.group) as { n: number }).n;
    let retryDelay = this.options.retryDelayMs;
    while (this.running) {
      const rows = this.select.all(this.topic, next, this.options.maxBatch) as Row[];
      if (rows.length === 0) {
        this.waitingForData = true;
        await this.idle(1_000);
        this.waitingForData = false;
        continue;
      }
      const batch: BusMessage<unknown>[] = rows.map((r) => ({
        topic: this.topic,
        key: r.key,
        value: JSON.parse(r.value) as unknown,
        offset: String(r.offset),
      }));
      try {
        await this.handler(batch);
      } catch (error) {
        this.options.onError(error);
        await this.idle(retryDelay);
        retryDelay = Math.min(retryDelay * 2, 30_000);
        continue;
      }
      retryDelay = this.options.retryDelayMs;
      next = rows[rows.length - 1]!.offset + 1;
      this.commit.run(next, this.topic, this.group);
    }
  }

  /** Sleeps until a publish on the topic, stop(), or the timeout: whichever comes first. */
  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wakeUp = undefined;
        resolve();
      }
      this.wakeUp = done;
    });
  }
}
