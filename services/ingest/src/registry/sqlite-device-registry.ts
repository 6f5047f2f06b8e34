import Database from 'better-sqlite3';
import { Logger, LoggerService } from '@nestjs/common';
import { openSqlite } from '@pulseproof/bus';
import {
  Assignment,
  DEFAULT_INTERVAL_MS,
  DeviceRecord,
  DeviceRegistry,
  IssuedCredentials,
  Principal,
  PrincipalKind,
  PrincipalRecord,
  RegisterDeviceInput,
} from './device-registry';
import { RegistryError } from './errors';
import { alreadyRegistered, checkId, checkInterval, checkTime } from './registry-input';
import { AssignmentWriter } from './assignment-writer';
import { RegistrySnapshot } from './registry-snapshot';
import { migrate } from './schema';
import { DEFAULT_SCRYPT, ScryptParams, StoredSecret, VerifiedSecrets, hashSecret, newSecret } from './secrets';

export interface SqliteDeviceRegistryOptions {
  /** cost of new hashes (tests lower it); existing rows keep theirs */
  readonly scrypt?: ScryptParams;
  /** how often writes by another process are looked for, ms */
  readonly refreshIntervalMs?: number;
  /** default: Nest's Logger with context DeviceRegistry; the CLI passes a silent one */
  readonly logger?: Pick<LoggerService, 'log' | 'error'>;
}

/** Longest password worth hashing; ours are 43 characters. */
const MAX_PASSWORD_LENGTH = 256;

/** A Mosquitto password-file line's parts, for export-mosquitto. */
export interface MosquittoAccount {
  readonly principal: Principal;
  readonly hash: string;
}

/**
 * The registry in devices.sqlite (WAL, shared with the CLI while the pipeline runs). Reads are
 * served from memory; `PRAGMA data_version` tells when another connection committed, checked
 * at most every refreshIntervalMs on the hot path and by a timer, which also fires onRevoked for
 * what the other process revoked.
 */
export class SqliteDeviceRegistry extends DeviceRegistry {
  private readonly logger: Pick<LoggerService, 'log' | 'error'>;
  private readonly db: Database.Database;
  private readonly writer: AssignmentWriter;
  private readonly scryptParams: ScryptParams;
  private readonly refreshIntervalMs: number;
  private snapshot: RegistrySnapshot;
  private dataVersion: number;
  private checkedAt = Date.now();
  private readonly timer: NodeJS.Timeout;
  private readonly verified = new VerifiedSecrets();
  private readonly revokedListeners = new Set<(principal: Principal) => void>();
  private closed = false;

  constructor(file: string, options: SqliteDeviceRegistryOptions = {}) {
    super();
    this.scryptParams = options.scrypt ?? DEFAULT_SCRYPT;
    this.refreshIntervalMs = options.refreshIntervalMs ?? 250;
    this.logger = options.logger ?? new Logger('DeviceRegistry');
    this.db = openSqlite(file);
    migrate(this.db);
    this.writer = new AssignmentWriter(this.db);
    this.dataVersion = this.readDataVersion();
    this.snapshot = RegistrySnapshot.load(this.db);
    this.timer = setInterval(() => this.refresh(), this.refreshIntervalMs);
    this.timer.unref();
  }

  // --- hot path -------------------------------------------------------------------------------

  patientFor(deviceId: string, at: number): string | undefined {
    this.refreshIfDue();
    return this.snapshot.patientFor(deviceId, at);
  }

  device(deviceId: string): DeviceRecord | undefined {
    this.refreshIfDue();
    return this.snapshot.device(deviceId);
  }

  principal(id: string): PrincipalRecord | undefined {
    this.refreshIfDue();
    return this.snapshot.principal(id);
  }

  mayPublishFor(principal: Principal, deviceId: string): boolean {
    this.refreshIfDue();
    return this.snapshot.mayPublishFor(principal, deviceId);
  }

  async authenticate(username: string, password: string): Promise<Principal | undefined> {
    this.refreshIfDue();
    const row = this.snapshot.active(username);
    if (!row?.secret_scrypt || password.length > MAX_PASSWORD_LENGTH) return undefined;
    const against = row.secret_scrypt;
    const ok = await this.verified.check(username, password, against, () => this.snapshot.active(username)?.secret_scrypt === against);
    return ok ? { kind: row.kind, id: row.id } : undefined;
  }

  // --- administration -------------------------------------------------------------------------

  async registerDevice(input: RegisterDeviceInput): Promise<{ device: DeviceRecord; credentials?: IssuedCredentials }> {
    const { deviceId, patientId, gatewayId, intervalMs = DEFAULT_INTERVAL_MS, credentials = true, at } = input;
    checkId(deviceId, 'device id');
    if (patientId !== undefined) checkId(patientId, 'patient id');
    checkInterval(intervalMs);
    if (at !== undefined) checkTime(at);
    this.refresh();
    this.ensureFree(deviceId);
    if (gatewayId !== undefined) this.requireActive(gatewayId, 'gateway');
    const secret = credentials ? newSecret() : undefined;
    const stored = secret ? await hashSecret(secret, this.scryptParams) : undefined;
    this.db.transaction(() => {
      this.insertPrincipal(deviceId, 'device', stored, { gatewayId, intervalMs });
      if (patientId !== undefined) this.writer.open(deviceId, patientId, at);
    }).immediate();
    this.snapshot.reloadEntry(this.db, deviceId);
    this.logger.log(`registered device ${deviceId}${gatewayId ? ` behind gateway ${gatewayId}` : ''}${secret ? ' with credentials' : ''}`);
    return { device: this.snapshot.device(deviceId)!, ...(secret && { credentials: { username: deviceId, password: secret } }) };
  }

  async registerPrincipal(kind: Exclude<PrincipalKind, 'device'>, id: string): Promise<IssuedCredentials> {
    checkId(id, `${kind} id`);
    if (!['gateway', 'console', 'unit', 'service'].includes(kind)) {
      throw new RegistryError('INGEST_E_REGISTRY_BAD_INPUT', `a principal is a gateway, console, unit or service (got "${String(kind)}")`);
    }
    this.refresh();
    this.ensureFree(id);
    const secret = newSecret();
    const stored = await hashSecret(secret, this.scryptParams);
    this.db.transaction(() => this.insertPrincipal(id, kind, stored)).immediate();
    this.snapshot.reloadEntry(this.db, id);
    this.logger.log(`registered ${kind} ${id}`);
    return { username: id, password: secret };
  }

  async rotateSecret(id: string): Promise<IssuedCredentials> {
    checkId(id, 'id');
    this.refresh();
    this.requireActive(id);
    const secret = newSecret();
    const stored = await hashSecret(secret, this.scryptParams);
    const changed = this.db
      .prepare(`UPDATE principals SET secret_scrypt = ?, secret_mosquitto = ?, secret_issued_at = ? WHERE id = ? AND status = 'active'`)
      .run(stored.scrypt, stored.mosquitto, Date.now(), id).changes;
    if (changed === 0) throw new RegistryError('INGEST_E_REGISTRY_REVOKED', `${id} was revoked while its secret was being rotated`);
    this.verified.delete(id);
    this.snapshot.reloadEntry(this.db, id);
    this.logger.log(`rotated the secret of ${id}`);
    return { username: id, password: secret };
  }

  attach(deviceId: string, gatewayId: string): void {
    this.refresh();
    this.requireActive(deviceId, 'device');
    this.requireActive(gatewayId, 'gateway');
    this.db.prepare('UPDATE principals SET gateway_id = ? WHERE id = ?').run(gatewayId, deviceId);
    this.snapshot.reloadEntry(this.db, deviceId);
  }

  detach(deviceId: string): void {
    this.refresh();
    this.require(deviceId, 'device');
    this.db.prepare('UPDATE principals SET gateway_id = NULL WHERE id = ?').run(deviceId);
    this.snapshot.reloadEntry(this.db, deviceId);
  }

  move(deviceId: string, patientId: string, at?: number): void {
    checkId(patientId, 'patient id');
    if (at !== undefined) checkTime(at);
    this.refresh();
    this.requireActive(deviceId, 'device');
    this.db.transaction(() => this.writer.open(deviceId, patientId, at)).immediate();
    this.snapshot.reloadEntry(this.db, deviceId);
  }

  unassign(deviceId: string, at?: number): void {
    if (at !== undefined) checkTime(at);
    this.refresh();
    this.require(deviceId, 'device');
    this.db.transaction(() => this.writer.close(deviceId, at ?? Date.now())).immediate();
    this.snapshot.reloadEntry(this.db, deviceId);
  }

  revoke(id: string, at = Date.now()): void {
    checkTime(at);
    this.refresh();
    const row = this.require(id);
    if (row.status === 'revoked') return;
    this.db.transaction(() => {
      this.db.prepare(`UPDATE principals SET status = 'revoked', revoked_at = ? WHERE id = ?`).run(at, id);
      if (row.kind === 'device') this.writer.closeForRevocation(id, at);
    }).immediate();
    this.verified.delete(id);
    this.snapshot.reloadEntry(this.db, id);
    this.logger.log(`revoked ${row.kind} ${id}`);
    this.emitRevoked({ kind: row.kind, id });
  }

  onRevoked(listener: (principal: Principal) => void): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }

  list(): DeviceRecord[] {
    this.refreshIfDue();
    return this.snapshot.devices();
  }

  principals(): PrincipalRecord[] {
    this.refreshIfDue();
    return this.snapshot.principals();
  }

  assignments(deviceId: string): Assignment[] {
    this.refreshIfDue();
    return [...(this.snapshot.entry(deviceId)?.assignments ?? [])];
  }

  assign(deviceId: string, patientId: string): void {
    checkId(deviceId, 'device id');
    checkId(patientId, 'patient id');
    this.refresh();
    if (this.snapshot.entry(deviceId) === undefined) {
      this.db.transaction(() => {
        this.insertPrincipal(deviceId, 'device', undefined, { intervalMs: DEFAULT_INTERVAL_MS });
        this.writer.open(deviceId, patientId);
      }).immediate();
      this.snapshot.reloadEntry(this.db, deviceId);
      return;
    }
    this.move(deviceId, patientId);
  }

  /** Active principals with a secret, as Mosquitto password-file hashes. */
  mosquittoAccounts(): MosquittoAccount[] {
    this.refresh();
    return this.snapshot
      .rows()
      .filter((r) => r.status === 'active' && r.secret_mosquitto !== null)
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((r) => ({ principal: { kind: r.kind, id: r.id }, hash: r.secret_mosquitto! }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.db.close();
  }

  // --- internals ------------------------------------------------------------------------------

  private refreshIfDue(): void {
    if (Date.now() - this.checkedAt >= this.refreshIntervalMs) this.refresh();
  }

  /** Reloads everything when another connection committed since we last looked. */
  private refresh(): void {
    if (this.closed) return;
    this.checkedAt = Date.now();
    const version = this.readDataVersion();
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    const next = RegistrySnapshot.load(this.db);
    const revoked = this.snapshot.revokedIn(next);
    this.snapshot = next;
    for (const principal of revoked) {
      this.verified.delete(principal.id);
      this.emitRevoked(principal);
    }
  }

  private readDataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  private emitRevoked(principal: Principal): void {
    for (const listener of this.revokedListeners) {
      try {
        listener(principal);
      } catch (error) {
        this.logger.error(`a revocation listener failed for ${principal.kind} ${principal.id}: ${String(error)}`);
      }
    }
  }

  private insertPrincipal(id: string, kind: PrincipalKind, stored: StoredSecret | undefined, device?: { gatewayId?: string; intervalMs: number }): void {
    try {
      this.db
        .prepare(
          `INSERT INTO principals (id, kind, status, registered_at, gateway_id, interval_ms, secret_scrypt, secret_mosquitto, secret_issued_at)
           VALUES (?, ?, 'active', ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, kind, Date.now(), device?.gatewayId ?? null, device?.intervalMs ?? null, stored?.scrypt ?? null, stored?.mosquitto ?? null, stored ? Date.now() : null);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw alreadyRegistered(id);
      throw error;
    }
  }

  private ensureFree(id: string): void {
    if (this.snapshot.entry(id) !== undefined) throw alreadyRegistered(id);
  }

  private require(id: string, kind?: PrincipalKind) {
    const row = this.snapshot.entry(id)?.row;
    if (!row) throw new RegistryError('INGEST_E_REGISTRY_UNKNOWN', `no ${kind ?? 'device or principal'} "${id}" is registered: see \`npx pulseproof devices list\``);
    if (kind && row.kind !== kind) throw new RegistryError('INGEST_E_REGISTRY_WRONG_KIND', `"${id}" is a ${row.kind}, not a ${kind}`);
    return row;
  }

  private requireActive(id: string, kind?: PrincipalKind) {
    const row = this.require(id, kind);
    if (row.status !== 'active') throw new RegistryError('INGEST_E_REGISTRY_REVOKED', `${row.kind} "${id}" was revoked: register a new id instead`);
    return row;
  }
}
