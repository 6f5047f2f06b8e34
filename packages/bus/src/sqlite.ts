import Database from 'better-sqlite3';

/**
 * Opens a SQLite file the way every embedded store does. WAL with synchronous=NORMAL: a committed
 * transaction survives a killed process (our promise), though not a power cut, without an fsync per
 * commit. The busy timeout lets a second process on the same file (a CLI, a test) wait its turn.
 */
export function openSqlite(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  return db;
}
