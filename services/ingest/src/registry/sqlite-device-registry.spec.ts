import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Principal } from './device-registry';
import { RegistryError } from './errors';
import { ScryptParams } from './secrets';
import { SqliteDeviceRegistry } from './sqlite-device-registry';

/** Cheaper than the default so the suite stays quick; the parameters travel with each hash. */
const FAST: ScryptParams = { N: 1 << 12, r: 8, p: 1, keyLength: 32 };
const T0 = Date.parse('2026-11-22T08:00:00Z');
const HOUR = 3_600_000;

async function eventually(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('SqliteDeviceRegistry', () => {
  let dir: string;
  let file: string;
  let registry: SqliteDeviceRegistry;
  const open: SqliteDeviceRegistry[] = [];
  const openRegistry = (options = {}) => {
    const r = new SqliteDeviceRegistry(file, { scrypt: FAST, ...options });
    open.push(r);
    return r;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pp-registry-'));
    file = join(dir, 'devices.sqlite');
    registry = openRegistry();
  });
  afterEach(() => {
    for (const r of open.splice(0)) r.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('credentials', () => {
    it('issues a 32-byte base64url secret once that authenticates the device, and stores it only hashed', async () => {
      const { device, credentials } = await registry.registerDevice({ deviceId: 'bed-1', patientId: 'patient-1' });
      expect(device).toMatchObject({ deviceId: 'bed-1', status: 'active', hasCredentials: true, intervalMs: 60_000 });
      expect(credentials!.username).toBe('bed-1');
      expect(Buffer.from(credentials!.password, 'base64url')).toHaveLength(32);

      await expect(registry.authenticate('bed-1', credentials!.password)).resolves.toEqual({ kind: 'device', id: 'bed-1' });
      await expect(registry.authenticate('bed-1', `${credentials!.password}x`)).resolves.toBeUndefined();
      await expect(registry.authenticate('bed-2', credentials!.password)).resolves.toBeUndefined();

      registry.close();
      const bytes = Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f)));
      expect(bytes.includes(credentials!.password)).toBe(false);
      expect(bytes.includes('scrypt$4096$8$1$')).toBe(true);
      expect(bytes.includes('$7$1000$')).toBe(true);
    });

    it('keeps verifying a secret hashed with older parameters after the default is raised', async () => {
      const gateway = await registry.registerPrincipal('gateway', 'gw-1');
      registry.close();
      const raised = openRegistry({ scrypt: { N: 1 << 13, r: 8, p: 1, keyLength: 32 } });
      await expect(raised.authenticate('gw-1', gateway.password)).resolves.toEqual({ kind: 'gateway', id: 'gw-1' });
    });

    it('answers repeated connects from the verified-secret cache, and a rotation invalidates it', async () => {
      const first = await registry.registerPrincipal('gateway', 'gw-1');
      await expect(registry.authenticate('gw-1', first.password)).resolves.toBeDefined();
      await expect(registry.authenticate('gw-1', first.password)).resolves.toBeDefined();
      await expect(registry.authenticate('gw-1', 'guess')).resolves.toBeUndefined();

      const second = await registry.rotateSecret('gw-1');
      expect(second.password).not.toBe(first.password);
      await expect(registry.authenticate('gw-1', first.password)).resolves.toBeUndefined();
      await expect(registry.authenticate('gw-1', second.password)).resolves.toEqual({ kind: 'gateway', id: 'gw-1' });
    });

    it('answers a fleet connecting at once with one gateway secret, right and wrong alike', async () => {
      const gateway = await registry.registerPrincipal('gateway', 'gw-1');
      const attempts = Array.from({ length: 50 }, (_, i) => registry.authenticate('gw-1', i % 5 === 0 ? 'wrong' : gateway.password));
      const results = await Promise.all(attempts);
      expect(results.filter((r) => r?.id === 'gw-1')).toHaveLength(40);
      expect(results.filter((r) => r === undefined)).toHaveLength(10);
    });

    it('refuses a revoked principal and tells the listeners', async () => {
      const revoked: Principal[] = [];
      registry.onRevoked((p) => revoked.push(p));
      const { credentials } = await registry.registerDevice({ deviceId: 'bed-1' });
      await expect(registry.authenticate('bed-1', credentials!.password)).resolves.toBeDefined();

      registry.revoke('bed-1');
      await expect(registry.authenticate('bed-1', credentials!.password)).resolves.toBeUndefined();
      expect(revoked).toEqual([{ kind: 'device', id: 'bed-1' }]);
      expect(registry.device('bed-1')).toMatchObject({ status: 'revoked', revokedAt: expect.any(Number) });
      await expect(registry.rotateSecret('bed-1')).rejects.toMatchObject({ code: 'INGEST_E_REGISTRY_REVOKED' });
    });

    it('registers a device behind a gateway without credentials, which cannot authenticate', async () => {
      await registry.registerPrincipal('gateway', 'gw-1');
      const result = await registry.registerDevice({ deviceId: 'serial-1', gatewayId: 'gw-1', credentials: false });
      expect(result.credentials).toBeUndefined();
      expect(result.device).toMatchObject({ gatewayId: 'gw-1', hasCredentials: false });
      await expect(registry.authenticate('serial-1', '')).resolves.toBeUndefined();
    });

    it('refuses ids that are taken, malformed, or of the wrong kind', async () => {
      await registry.registerPrincipal('console', 'ward-3');
      await expect(registry.registerDevice({ deviceId: 'ward-3' })).rejects.toMatchObject({ code: 'INGEST_E_REGISTRY_EXISTS' });
      await expect(registry.registerDevice({ deviceId: 'bed/1' })).rejects.toMatchObject({ code: 'INGEST_E_REGISTRY_BAD_ID' });
      await expect(registry.registerDevice({ deviceId: 'bed-1', gatewayId: 'ward-3' })).rejects.toMatchObject({ code: 'INGEST_E_REGISTRY_WRONG_KIND' });
      await expect(registry.registerDevice({ deviceId: 'bed-1', intervalMs: 10 })).rejects.toBeInstanceOf(RegistryError);
    });
  });

  describe('assignments over device time', () => {
    it("a first assignment covers the device's earlier readings; a move never re-labels them", async () => {
      await registry.registerDevice({ deviceId: 'bed-1', patientId: 'p-1', credentials: false });
      expect(registry.patientFor('bed-1', T0 - HOUR)).toBe('p-1');

      registry.move('bed-1', 'p-2', T0);
      expect(registry.patientFor('bed-1', T0 - 1)).toBe('p-1');
      expect(registry.patientFor('bed-1', T0)).toBe('p-2');
      expect(registry.device('bed-1')!.patientId).toBe('p-2');

      expect(() => registry.move('bed-1', 'p-3', T0 - 1)).toThrow(expect.objectContaining({ code: 'INGEST_E_REGISTRY_TIME_ORDER' }));
      expect(registry.patientFor('bed-1', T0 - 1)).toBe('p-1');

      registry.unassign('bed-1', T0 + HOUR);
      expect(registry.patientFor('bed-1', T0 + HOUR - 1)).toBe('p-2');
      expect(registry.patientFor('bed-1', T0 + HOUR)).toBeUndefined();
      expect(registry.device('bed-1')!.patientId).toBeUndefined();
      expect(() => registry.move('bed-1', 'p-3', T0 + HOUR - 1)).toThrow(expect.objectContaining({ code: 'INGEST_E_REGISTRY_TIME_ORDER' }));

      registry.move('bed-1', 'p-3', T0 + 2 * HOUR);
      expect(registry.patientFor('bed-1', T0 + HOUR + 1)).toBeUndefined();
      expect(registry.patientFor('bed-1', T0 + 2 * HOUR)).toBe('p-3');
      expect(registry.assignments('bed-1')).toEqual([
        { deviceId: 'bed-1', patientId: 'p-1', from: 0, to: T0 },
        { deviceId: 'bed-1', patientId: 'p-2', from: T0, to: T0 + HOUR },
        { deviceId: 'bed-1', patientId: 'p-3', from: T0 + 2 * HOUR },
      ]);
    });

    it('starts an assignment at --at when given, and answers nothing for a revoked device', async () => {
      await registry.registerDevice({ deviceId: 'bed-1', patientId: 'p-1', at: T0, credentials: false });
      expect(registry.patientFor('bed-1', T0 - 1)).toBeUndefined();
      expect(registry.patientFor('bed-1', T0)).toBe('p-1');
      registry.revoke('bed-1', T0 + HOUR);
      expect(registry.patientFor('bed-1', T0 + 1)).toBeUndefined();
      expect(registry.assignments('bed-1')).toEqual([{ deviceId: 'bed-1', patientId: 'p-1', from: T0, to: T0 + HOUR }]);
    });

    it('keeps assign() for existing callers: registers without credentials, then moves', () => {
      registry.assign('bed-1', 'p-1');
      expect(registry.device('bed-1')).toMatchObject({ hasCredentials: false, patientId: 'p-1' });
      expect(registry.patientFor('bed-1', 1)).toBe('p-1');
      registry.assign('bed-1', 'p-1');
      expect(registry.assignments('bed-1')).toHaveLength(1);
      registry.assign('bed-1', 'p-2');
      expect(registry.device('bed-1')!.patientId).toBe('p-2');
      expect(registry.patientFor('bed-1', 1)).toBe('p-1');
    });
  });

  describe('gateways', () => {
    it('may publish only for active devices attached to it, while it is active itself', async () => {
      await registry.registerPrincipal('gateway', 'gw-1');
      await registry.registerPrincipal('gateway', 'gw-2');
      await registry.registerDevice({ deviceId: 'd-1', gatewayId: 'gw-1', credentials: false });
      await registry.registerDevice({ deviceId: 'd-2', credentials: false });
      await registry.registerDevice({ deviceId: 'd-3', gatewayId: 'gw-1', credentials: false });
      const gw1: Principal = { kind: 'gateway', id: 'gw-1' };

      expect(registry.mayPublishFor(gw1, 'd-1')).toBe(true);
      expect(registry.mayPublishFor(gw1, 'd-2')).toBe(false);
      expect(registry.mayPublishFor({ kind: 'gateway', id: 'gw-2' }, 'd-1')).toBe(false);
      expect(registry.mayPublishFor({ kind: 'device', id: 'd-1' }, 'd-1')).toBe(true);
      expect(registry.mayPublishFor({ kind: 'device', id: 'd-2' }, 'd-1')).toBe(false);
      expect(registry.mayPublishFor({ kind: 'console', id: 'gw-1' }, 'd-1')).toBe(false);

      registry.attach('d-2', 'gw-1');
      expect(registry.mayPublishFor(gw1, 'd-2')).toBe(true);
      registry.detach('d-2');
      expect(registry.mayPublishFor(gw1, 'd-2')).toBe(false);
      registry.revoke('d-3');
      expect(registry.mayPublishFor(gw1, 'd-3')).toBe(false);
      registry.revoke('gw-1');
      expect(registry.mayPublishFor(gw1, 'd-1')).toBe(false);
      expect(() => registry.attach('d-2', 'gw-1')).toThrow(expect.objectContaining({ code: 'INGEST_E_REGISTRY_REVOKED' }));
    });
  });

  describe('the file', () => {
    it('migrates a devices.sqlite of the first registry in place', () => {
      for (const r of open.splice(0)) r.close();
      rmSync(file, { force: true });
      const old = new Database(file);
      old.exec('CREATE TABLE devices (device_id TEXT PRIMARY KEY, patient_id TEXT NOT NULL, registered_at INTEGER NOT NULL)');
      old.prepare('INSERT INTO devices VALUES (?, ?, ?)').run('bed-old', 'p-old', T0);
      old.close();

      const migrated = openRegistry();
      expect(migrated.list()).toEqual([
        { deviceId: 'bed-old', status: 'active', intervalMs: 60_000, patientId: 'p-old', registeredAt: T0, hasCredentials: false },
      ]);
      expect(migrated.patientFor('bed-old', T0 - HOUR)).toBe('p-old');
      migrated.close();
      const again = openRegistry();
      expect(again.list()).toHaveLength(1);
    });

    it('sees what another process writes, and fires onRevoked for revocations made there', async () => {
      const cli = openRegistry();
      const revoked: Principal[] = [];
      registry.onRevoked((p) => revoked.push(p));
      expect(registry.patientFor('bed-x', T0)).toBeUndefined();

      const { credentials } = await cli.registerDevice({ deviceId: 'bed-x', patientId: 'p-x' });
      await eventually('the new device', () => registry.patientFor('bed-x', T0) === 'p-x');
      await expect(registry.authenticate('bed-x', credentials!.password)).resolves.toEqual({ kind: 'device', id: 'bed-x' });

      cli.move('bed-x', 'p-y', T0);
      await eventually('the move', () => registry.patientFor('bed-x', T0) === 'p-y');

      // The old secret is in this instance's verified cache: the rotation must drop it.
      const rotated = await cli.rotateSecret('bed-x');
      await eventually('the new secret', async () => (await registry.authenticate('bed-x', rotated.password)) !== undefined);
      await expect(registry.authenticate('bed-x', credentials!.password)).resolves.toBeUndefined();
      cli.revoke('bed-x');
      await eventually('the revocation event', () => revoked.length > 0);
      expect(revoked).toEqual([{ kind: 'device', id: 'bed-x' }]);
      await expect(registry.authenticate('bed-x', credentials!.password)).resolves.toBeUndefined();
      await expect(registry.authenticate('bed-x', rotated.password)).resolves.toBeUndefined();
      expect(registry.patientFor('bed-x', T0)).toBeUndefined();
    });
  });
});
