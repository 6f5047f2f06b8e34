import Database from 'better-sqlite3';

interface Pending<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for a SQLite file written once per device message: writes queued while the event
 * loop is busy share one transaction, committed on the next turn (or when `maxBatch` are waiting).
 * Each caller's promise settles after that commit, with what its write returned, so whoever
 * acknowledges the device still does so after durability, at one WAL commit per batch instead of
 * one per message. Used by ingest's readings, dead-letter and sequence-gap stores and by the
 * embedded bus's publish.
 */
export class SqliteGroupCommit<T, R = void> {
  private pending: Pending<T, R>[] = [];
  private scheduled = false;
  private committed = 0;
  private failure: string | undefined;
  private readonly commitBatch: Database.Transaction<(items: readonly T[]) => R[]>;

  constructor(
    db: Database.Database,
    /** runs inside the batch's transaction: a repeat within one batch sees the earlier write */
    write: (item: T) => R,
    /** called when a batch rolled back, so in-memory caches can forget what it wrote */
    private readonly onRollback: () => void = () => undefined,
    private readonly maxBatch = 1_000,
    /** runs first inside each batch's transaction, holding the write lock (e.g. to drop caches another process made stale) */
    beforeBatch: () => void = () => undefined,
  ) {
    this.commitBatch = db.transaction((items: readonly T[]) => {
      beforeBatch();
      return items.map((item) => write(item));
    });
  }

  run(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** writes waiting for their commit */
  get waiting(): number {
    return this.pending.length;
  }

  get batchesCommitted(): number {
    return this.committed;
  }

  /** why the last batch rolled back; cleared by the next commit */
  get lastError(): string | undefined {
    return this.failure;
  }

  /** Commits what is waiting now (also before the file is closed). */
  flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    let results: R[];
    try {
      // IMMEDIATE: the write lock first, waiting up to the busy timeout. Ingest instances share these
      // files, and a deferred transaction that reads, then writes after another process committed,
      // fails at once with SQLITE_BUSY instead of waiting its turn.
      results = this.commitBatch.immediate(batch.map((p) => p.item));
    } catch (error) {
      this.failure = error instanceof Error ? error.message : String(error);
      this.onRollback();
      for (const p of batch) p.reject(error);
      return;
    }
    this.committed += 1;
    this.failure = undefined;
    batch.forEach((p, i) => p.resolve(results[i]!));
  }
}
