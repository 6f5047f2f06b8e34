import type Database from 'better-sqlite3';
import { Role } from '@pulseproof/contracts';
import { DEFAULT_SCRYPT, ScryptParams, hashScrypt, verifySecret } from '@pulseproof/ingest';
import { AccessError } from './access-errors';
import { parsePassword, parseRole, parseUsername, parseWardList } from './access-input';

export interface UserView {
  readonly username: string;
  readonly role: Role;
  readonly wards: string[];
  readonly createdAt: string;
}

interface UserRow {
  readonly username: string;
  readonly role: Role;
  readonly password_scrypt: string;
  readonly created_at: number;
}

/** Staff accounts: a role, the wards a clinician works in, a scrypt password hash. */
export class UserStore {
  /** a hash of nothing anyone knows, so an unknown user costs the same scrypt as a known one */
  private decoy: Promise<string> | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly scrypt: ScryptParams = DEFAULT_SCRYPT,
  ) {}

  async add(input: { username: unknown; role: unknown; password: unknown; wards?: unknown }): Promise<UserView> {
    const username = parseUsername(input.username);
    const role = parseRole(input.role);
    const password = parsePassword(input.password);
    const wards = input.wards === undefined ? [] : parseWardList(input.wards);
    const hash = await hashScrypt(password, this.scrypt);
    this.db.transaction(() => {
      if (this.row(username)) throw new AccessError('ACCESS_E_EXISTS', `user ${username} already exists: pick another name or remove it first`);
      const now = Date.now();
      this.db.prepare('INSERT INTO users (username, role, password_scrypt, created_at, password_changed_at) VALUES (?, ?, ?, ?, ?)').run(username, role, hash, now, now);
      this.writeWards(username, wards);
    })();
    return this.get(username);
  }

  get(username: string): UserView {
    const row = this.row(username);
    if (!row) throw new AccessError('ACCESS_E_NOT_FOUND', `no user ${username}: list them with \`pulseproof users list\``);
    return this.view(row);
  }

  find(username: string): UserView | undefined {
    const row = this.row(username);
    return row && this.view(row);
  }

  list(): UserView[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY username').all() as UserRow[]).map((row) => this.view(row));
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
  }

  remove(username: string): void {
    this.db.transaction(() => {
      const row = this.row(username);
      if (!row) throw new AccessError('ACCESS_E_NOT_FOUND', `no user ${username}: list them with \`pulseproof users list\``);
      this.refuseLastAdmin(row);
      this.db.prepare('DELETE FROM users WHERE username = ?').run(username);
    })();
  }

  setWards(username: string, wards: unknown): UserView {
    const list = parseWardList(wards);
    this.db.transaction(() => {
      this.get(username);
      this.writeWards(username, list);
    })();
    return this.get(username);
  }

  /** Replaces the password and ends the user's sessions: whoever knew the old one is signed out. */
  async resetPassword(username: string, password: unknown): Promise<void> {
    const hash = await hashScrypt(parsePassword(password), this.scrypt);
    const changed = this.db.transaction(() => {
      const n = this.db.prepare('UPDATE users SET password_scrypt = ?, password_changed_at = ? WHERE username = ?').run(hash, Date.now(), username).changes;
      if (n) this.db.prepare('DELETE FROM sessions WHERE username = ?').run(username);
      return n;
    })();
    if (!changed) throw new AccessError('ACCESS_E_NOT_FOUND', `no user ${username}: list them with \`pulseproof users list\``);
  }

  /** The user when the password matches; undefined otherwise, after the same scrypt work either way. */
  async verify(username: string, password: string): Promise<UserView | undefined> {
    const row = typeof username === 'string' ? this.row(username) : undefined;
    const against = row?.password_scrypt ?? (await (this.decoy ??= hashScrypt('decoy-never-a-password', this.scrypt)));
    const ok = typeof password === 'string' && password.length <= 256 && (await verifySecret(password, against));
    return ok && row ? this.view(row) : undefined;
  }

  private refuseLastAdmin(row: UserRow): void {
    if (row.role !== 'admin') return;
    const admins = (this.db.prepare(`SELECT COUNT(*) AS n FROM users WHERE role = 'admin'`).get() as { n: number }).n;
    if (admins <= 1) throw new AccessError('ACCESS_E_LAST_ADMIN', `${row.username} is the last admin: add another admin first`);
  }

  private writeWards(username: string, wards: readonly string[]): void {
    const known = this.db.prepare('SELECT 1 FROM wards WHERE id = ?');
    for (const ward of wards) {
      if (!known.get(ward)) throw new AccessError('ACCESS_E_NOT_FOUND', `no ward ${ward}: add it first with \`pulseproof wards add ${ward} --name <name>\``);
    }
    this.db.prepare('DELETE FROM user_wards WHERE username = ?').run(username);
    const insert = this.db.prepare('INSERT INTO user_wards (username, ward_id) VALUES (?, ?)');
    for (const ward of wards) insert.run(username, ward);
  }

  private row(username: string): UserRow | undefined {
    return this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined;
  }

  private view(row: UserRow): UserView {
    const wards = (this.db.prepare('SELECT ward_id FROM user_wards WHERE username = ? ORDER BY ward_id').all(row.username) as { ward_id: string }[]).map((w) => w.ward_id);
    return { username: row.username, role: row.role, wards, createdAt: new Date(row.created_at).toISOString() };
  }
}
