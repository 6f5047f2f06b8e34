import Database from 'better-sqlite3';

interface Pending<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for a SQLite file written once per device message: writes queued while the event
 * loop is busy share one transaction, committed on the next turn (or when `maxBatch` are waiting).
 * Each caller's promise settles after that commit, so whoever acknowledges the device still does
 * so after durability, at one WAL commit per batch instead of one per message.
 */
export class SqliteGroupCommit<T> {
  private pending: Pending<T>[] = [];
  private scheduled = false;
  private readonly commitBatch: (items: readonly T[]) => void;

  constructor(
    db: Database.Database,
    write: (item: T) => void,
    /** called when a batch rolled back, so in-memory caches can forget what it wrote */
    private readonly onRollback: () => void = () => undefined,
    private readonly maxBatch = 1_000,
  ) {
    this.commitBatch = db.transaction((items: readonly T[]) => {
      for (const item of items) write(item);
    });
  }

  run(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is waiting now (also before the file is closed). */
  flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      this.commitBatch(batch.map((p) => p.item));
    } catch (error) {
      this.onRollback();
      for (const p of batch) p.reject(error);
      return;
    }
    for (const p of batch) p.resolve();
  }
}
