import { createHash, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';

export interface SessionLimits {
  /** a session unused this long ends, ms (OWASP session management: idle timeout) */
  readonly idleMs: number;
  /** a session ends this long after sign-in whatever its use, ms (absolute timeout) */
  readonly absoluteMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 };

/** last_seen_at is written at most this often per session, so reads do not each cost a write */
const TOUCH_EVERY_MS = 60_000;

export interface Session {
  readonly username: string;
  readonly expiresAt: number;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * Sign-in sessions: 256-bit random tokens, stored as SHA-256 only, so a copy of the file signs no
 * one in. A session ends at the first of its idle and absolute limits, at sign-out, when the user
 * is removed, or when their password is reset.
 */
export class SessionStore {
  constructor(
    private readonly db: Database.Database,
    private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new session; the token is returned once and never stored. */
  create(username: string): { token: string; expiresAt: number } {
    const token = randomBytes(32).toString('base64url');
    const now = this.now();
    const expiresAt = now + this.limits.absoluteMs;
    this.db.prepare('INSERT INTO sessions (token_sha256, username, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(digest(token), username, now, now, expiresAt);
    return { token, expiresAt };
  }

  /** The session's user when the token is live; refreshes its idle clock. */
  resolve(token: string): Session | undefined {
    const key = digest(token);
    const row = this.db.prepare('SELECT username, last_seen_at, expires_at FROM sessions WHERE token_sha256 = ?').get(key) as
      | { username: string; last_seen_at: number; expires_at: number }
      | undefined;
    if (!row) return undefined;
    const now = this.now();
    if (now >= row.expires_at || now - row.last_seen_at >= this.limits.idleMs) {
      this.db.prepare('DELETE FROM sessions WHERE token_sha256 = ?').run(key);
      return undefined;
    }
    if (now - row.last_seen_at >= TOUCH_EVERY_MS) this.db.prepare('UPDATE sessions SET last_seen_at = ? WHERE token_sha256 = ?').run(now, key);
    return { username: row.username, expiresAt: row.expires_at };
  }

  revoke(token: string): void {
    this.db.prepare('DELETE FROM sessions WHERE token_sha256 = ?').run(digest(token));
  }

  /** Deletes ended sessions; returns how many. */
  sweep(): number {
    const now = this.now();
    return this.db.prepare('DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?').run(now, now - this.limits.idleMs).changes;
  }
}
