import type Database from 'better-sqlite3';
import { Logger } from '@nestjs/common';
import { Role } from '@pulseproof/contracts';
import { AccessError } from './access-errors';
import { parsePatientIdInput, parseUsername } from './access-input';

export type AccessOutcome = 'allowed' | 'denied' | 'failed';

export interface AccessLogEntry {
  readonly at: number;
  readonly username: string;
  readonly role: Role;
  readonly method: string;
  /** the request path, e.g. /api/patients/p-1/vitals */
  readonly route: string;
  readonly patientId?: string;
  readonly outcome: AccessOutcome;
}

export interface AccessLogQuery {
  readonly user?: string;
  readonly patient?: string;
  readonly from?: number;
  readonly to?: number;
  readonly limit: number;
}

/** Where the access log says it cannot write (and that it can again): the Nest logger by default. */
export type AccessLogAlarm = (message: string) => void;

const nestAlarm: AccessLogAlarm = (message) => new Logger('AccessLog').error(message);

/**
 * Who read which patient's data, when, and whether it was allowed. Entries are queued and written
 * in one transaction per `flushMs` (or per `maxBatch` entries), so a read pays an array push, not
 * a commit; `flush()` runs at shutdown. A killed process can lose the last `flushMs` of entries.
 * When a write fails (disk full, file locked past busy_timeout) the entries stay queued and are
 * tried again; at most `maxPending` are kept (the oldest go first), and the failure is reported
 * once, then once more when writing works again. A failed write never throws out of the timer.
 */
export class AccessLog {
  private queue: AccessLogEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** set while writes fail: how many entries were dropped since */
  private failing: { dropped: number } | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly flushMs = 250,
    private readonly maxBatch = 1_000,
    private readonly maxPending = 100_000,
    private readonly alarm: AccessLogAlarm = nestAlarm,
  ) {}

  record(entry: AccessLogEntry): void {
    this.queue.push(entry);
    if (this.queue.length > this.maxPending) this.dropOldest();
    // while writes fail, only the timer retries: a failing commit per read would slow every read
    if (this.queue.length >= this.maxBatch && !this.failing) this.flush();
    else this.schedule();
  }

  /** Writes what is queued; false (entries kept, retried later) when the database refuses. */
  flush(): boolean {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    if (batch.length === 0) return true;
    try {
      const insert = this.db.prepare('INSERT INTO access_log (at, username, role, method, route, patient_id, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)');
      this.db.transaction(() => {
        for (const e of batch) insert.run(e.at, e.username, e.role, e.method, e.route, e.patientId ?? null, e.outcome);
      })();
    } catch (error) {
      if (!this.failing) {
        this.failing = { dropped: 0 };
        // the SQLite message only (no entry): the log holds patient ids, the process log must not
        this.alarm(`could not write ${batch.length} access-log entries (${(error as Error).message}): kept in memory (up to ${this.maxPending}) and retried; check the disk of the access database`);
      }
      this.schedule(Math.max(this.flushMs, 1_000));
      return false;
    }
    this.queue = [];
    if (this.failing) {
      const { dropped } = this.failing;
      this.failing = undefined;
      this.alarm(`access-log entries are written again; ${dropped} ${dropped === 1 ? 'entry was' : 'entries were'} dropped while writing failed`);
    }
    return true;
  }

  /** At shutdown, before the database closes: a last write; what it cannot write is reported as lost. */
  close(): void {
    const written = this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!written) this.alarm(`${this.queue.length} access-log entries could not be written before shutdown and are lost`);
    this.queue = [];
  }

  private schedule(delayMs = this.flushMs): void {
    this.timer ??= setTimeout(() => this.flush(), delayMs).unref();
  }

  private dropOldest(): void {
    const over = this.queue.length - this.maxPending;
    this.queue.splice(0, over);
    if (this.failing) this.failing.dropped += over;
  }

  /** Newest first; pending entries are written first so a query sees every read before it. */
  query(q: AccessLogQuery): (Omit<AccessLogEntry, 'at'> & { at: string })[] {
    this.flush();
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.user) (where.push('username = ?'), args.push(q.user));
    if (q.patient) (where.push('patient_id = ?'), args.push(q.patient));
    if (q.from !== undefined) (where.push('at >= ?'), args.push(q.from));
    if (q.to !== undefined) (where.push('at <= ?'), args.push(q.to));
    const rows = this.db
      .prepare(`SELECT * FROM access_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT ?`)
      .all(...args, q.limit) as { at: number; username: string; role: Role; method: string; route: string; patient_id: string | null; outcome: AccessOutcome }[];
    return rows.map((r) => ({
      at: new Date(r.at).toISOString(),
      username: r.username,
      role: r.role,
      method: r.method,
      route: r.route,
      ...(r.patient_id !== null && { patientId: r.patient_id }),
      outcome: r.outcome,
    }));
  }
}

export function parseAccessLogQuery(params: Record<string, unknown>): AccessLogQuery {
  // Express parses `?user=a&user=b` into an array (and `?user[x]=` into an object): each filter is one value
  const single = (name: string): string | undefined => {
    const value = params[name];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') throw new AccessError('ACCESS_E_INVALID', `"${name}" must be given at most once, as a single value`);
    return value;
  };
  const time = (name: string): number | undefined => {
    const text = single(name);
    if (text === undefined) return undefined;
    const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
    if (!Number.isFinite(ms)) throw new AccessError('ACCESS_E_INVALID', `"${name}" must be an ISO 8601 time or ms since epoch`);
    return ms;
  };
  const limitText = single('limit');
  const limit = limitText === undefined ? 100 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new AccessError('ACCESS_E_INVALID', '"limit" must be a whole number from 1 to 10000');
  const user = single('user');
  const patient = single('patient');
  const from = time('from');
  const to = time('to');
  return {
    ...(user !== undefined && { user: parseUsername(user) }),
    ...(patient !== undefined && { patient: parsePatientIdInput(patient) }),
    ...(from !== undefined && { from }),
    ...(to !== undefined && { to }),
    limit,
  };
}
