import Database from 'better-sqlite3';
import { openSqlite } from '@pulseproof/bus';

export type ReportedState = 'online' | 'offline' | 'silent';
export type ConnectionState = 'online' | 'offline';

/** What ingest knows of one device's liveness; survives restarts (liveness.sqlite under dataDir). */
export interface LivenessRecord {
  readonly deviceId: string;
  /** the last accepted reading, ms since epoch (ingest's clock) */
  lastSeenAt?: number;
  /** from the broker: MQTT connect/disconnect, or the device's status topic (last will) */
  connection?: ConnectionState;
  connectionAt?: number;
  /** the last state published on the bus, so a restart does not publish it again */
  reported?: ReportedState;
  reportedAt?: number;
}

interface Row {
  device_id: string;
  last_seen_at: number | null;
  connection: ConnectionState | null;
  connection_at: number | null;
  reported: ReportedState | null;
  reported_at: number | null;
}

export class LivenessStore {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;

  constructor(file: string) {
    this.db = openSqlite(file);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS device_liveness (
        device_id TEXT PRIMARY KEY,
        last_seen_at INTEGER,
        connection TEXT,
        connection_at INTEGER,
        reported TEXT,
        reported_at INTEGER
      )`);
    this.upsert = this.db.prepare(`
      INSERT INTO device_liveness (device_id, last_seen_at, connection, connection_at, reported, reported_at)
      VALUES (@device_id, @last_seen_at, @connection, @connection_at, @reported, @reported_at)
      ON CONFLICT (device_id) DO UPDATE SET
        last_seen_at = max(coalesce(excluded.last_seen_at, 0), coalesce(last_seen_at, 0)),
        connection = excluded.connection, connection_at = excluded.connection_at,
        reported = excluded.reported, reported_at = excluded.reported_at`);
  }

  load(): LivenessRecord[] {
    return (this.db.prepare('SELECT * FROM device_liveness').all() as Row[]).map((r) => ({
      deviceId: r.device_id,
      ...(r.last_seen_at !== null && { lastSeenAt: r.last_seen_at }),
      ...(r.connection !== null && { connection: r.connection }),
      ...(r.connection_at !== null && { connectionAt: r.connection_at }),
      ...(r.reported !== null && { reported: r.reported }),
      ...(r.reported_at !== null && { reportedAt: r.reported_at }),
    }));
  }

  /** One transaction for many records (last-seen times are flushed in batches, not per reading). */
  save(records: Iterable<LivenessRecord>): void {
    const write = this.db.transaction((all: Iterable<LivenessRecord>) => {
      for (const r of all) {
        this.upsert.run({
          device_id: r.deviceId,
          last_seen_at: r.lastSeenAt ?? null,
          connection: r.connection ?? null,
          connection_at: r.connectionAt ?? null,
          reported: r.reported ?? null,
          reported_at: r.reportedAt ?? null,
        });
      }
    });
    write(records);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
