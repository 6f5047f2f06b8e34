import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { openSqlite } from '@pulseproof/bus';

/**
 * The bridge's outbox on disk: every reading is written here before it is published, and deleted
 * only once the broker acknowledged it (PUBACK, [MQTT-4.3.2]). A killed bridge or an unreachable
 * broker therefore loses nothing that was decoded; a reading in flight at a crash is sent again on
 * the next start (at least once; ingest de-duplicates by deviceId and seq).
 *
 * Bounded by a number of readings and a number of payload bytes. Policy when full: the oldest
 * reading not already handed to the broker is dropped and counted, so the newest vital signs (the
 * ones a clinician acts on) always get through, and the log says how many were lost.
 */
export interface DiskBufferOptions {
  /** the folder holding bridge-buffer.sqlite; created when missing */
  readonly dir: string;
  readonly maxReadings: number;
  readonly maxBytes: number;
}

export interface BufferedReading {
  readonly id: number;
  readonly deviceId: string;
  readonly payload: string;
}

export const BUFFER_FILE = 'bridge-buffer.sqlite';

export class DiskBuffer {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, string, number]>;
  private readonly nextRows: Database.Statement<[number, number], BufferedReading>;
  private readonly deleteRow: Database.Statement<[number]>;
  private readonly oldestUnleased: Database.Statement<[number], { id: number; bytes: number }>;
  private readonly rowBytes: Database.Statement<[number], { bytes: number }>;
  private count: number;
  private bytes: number;
  /** highest id handed out by lease(); rows above it have not been published in this process */
  private cursor = 0;
  private droppedTotal = 0;

  constructor(private readonly options: DiskBufferOptions) {
    fs.mkdirSync(options.dir, { recursive: true });
    this.db = openSqlite(path.join(options.dir, BUFFER_FILE));
    this.db.exec(`CREATE TABLE IF NOT EXISTS outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      device_id TEXT NOT NULL,
      payload TEXT NOT NULL,
      bytes INTEGER NOT NULL
    )`);
    this.insert = this.db.prepare('INSERT INTO outbox (device_id, payload, bytes) VALUES (?, ?, ?)');
    this.nextRows = this.db.prepare('SELECT id, device_id AS deviceId, payload FROM outbox WHERE id > ? ORDER BY id LIMIT ?');
    this.deleteRow = this.db.prepare('DELETE FROM outbox WHERE id = ?');
    this.oldestUnleased = this.db.prepare('SELECT id, bytes FROM outbox WHERE id > ? ORDER BY id LIMIT 1');
    this.rowBytes = this.db.prepare('SELECT bytes FROM outbox WHERE id = ?');
    const totals = this.db.prepare('SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM outbox').get() as { n: number; b: number };
    this.count = totals.n;
    this.bytes = totals.b;
  }

  /** Readings waiting for a PUBACK, in flight or not yet sent. */
  get size(): number {
    return this.count;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  /** Readings dropped by the full-buffer policy since this buffer was opened. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Stores a reading durably; returns how many older readings the bound made it drop. */
  append(deviceId: string, payload: string): number {
    const size = Buffer.byteLength(payload, 'utf8');
    let dropped = 0;
    this.db.transaction(() => {
      while (this.count > 0 && (this.count + 1 > this.options.maxReadings || this.bytes + size > this.options.maxBytes)) {
        const oldest = this.oldestUnleased.get(this.cursor);
        if (!oldest) break; // everything left is in flight: it leaves on PUBACK
        this.deleteRow.run(oldest.id);
        this.count -= 1;
        this.bytes -= oldest.bytes;
        dropped += 1;
      }
      this.insert.run(deviceId, payload, size);
      this.count += 1;
      this.bytes += size;
    })();
    this.droppedTotal += dropped;
    return dropped;
  }

  /** The next readings not yet handed out, oldest first; they stay stored until ack(). */
  lease(limit: number): BufferedReading[] {
    if (limit <= 0) return [];
    const rows = this.nextRows.all(this.cursor, limit);
    const last = rows[rows.length - 1];
    if (last) this.cursor = last.id;
    return rows;
  }

  /** The broker acknowledged this reading: it leaves the buffer. */
  ack(id: number): void {
    const row = this.rowBytes.get(id);
    if (!row) return; // already gone
    this.deleteRow.run(id);
    this.count -= 1;
    this.bytes -= row.bytes;
  }

  /** Everything still stored, oldest first (tests, diagnostics). */
  peekAll(): BufferedReading[] {
    return this.nextRows.all(0, Number.MAX_SAFE_INTEGER);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
