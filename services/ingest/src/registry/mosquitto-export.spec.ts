import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pbkdf2Sync } from 'node:crypto';
import { Principal, PrincipalKind } from './device-registry';
import { renderMosquittoFiles } from './mosquitto-export';
import { SqliteDeviceRegistry } from './sqlite-device-registry';
import { mayPublish, maySubscribe } from './topic-acl';

/** A topic a filter matches, to ask mayPublish about a service's write filters. */
const instance = (filter: string) => filter.replace(/\+/g, 'x-1').replace(/#$/, 'x-1');

describe('Mosquitto files rendered from the registry', () => {
  let dir: string;
  let registry: SqliteDeviceRegistry;
  const secrets = new Map<string, string>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-mosq-render-'));
    registry = new SqliteDeviceRegistry(join(dir, 'devices.sqlite'), { scrypt: { N: 1 << 10, r: 8, p: 1, keyLength: 32 } });
    secrets.set('bed-1', (await registry.registerDevice({ deviceId: 'bed-1' })).credentials!.password);
    secrets.set('gw-1', (await registry.registerPrincipal('gateway', 'gw-1')).password);
    await registry.registerDevice({ deviceId: 'serial-1', gatewayId: 'gw-1', credentials: false });
    await registry.registerDevice({ deviceId: 'serial-2', gatewayId: 'gw-1', credentials: false });
    registry.revoke('serial-2');
    for (const [kind, id] of [['console', 'ward-3'], ['unit', 'amb-7'], ['service', 'ingest']] as const) {
      secrets.set(id, (await registry.registerPrincipal(kind, id)).password);
    }
    secrets.set('gone', (await registry.registerPrincipal('console', 'gone')).password);
    registry.revoke('gone');
  });
  afterAll(() => {
    registry.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes each active principal's PBKDF2-SHA512 hash of its own secret in Mosquitto's $7$ form", () => {
    const { passwd, accounts } = renderMosquittoFiles(registry);
    expect(accounts).toBe(5);
    const lines = passwd.trimEnd().split('\n');
    expect(lines.map((l) => l.split(':')[0])).toEqual(['amb-7', 'bed-1', 'gw-1', 'ingest', 'ward-3']);
    for (const line of lines) {
      const [user, hash] = line.split(':') as [string, string];
      const [, seven, iterations, salt, digest] = hash.split('$');
      expect(seven).toBe('7');
      expect(Buffer.from(salt!, 'base64')).toHaveLength(12);
      expect(pbkdf2Sync(secrets.get(user)!, Buffer.from(salt!, 'base64'), Number(iterations), 64, 'sha512').toString('base64')).toBe(digest);
    }
  });

  it('grants in the ACL only what topic-acl.ts allows each principal, and what each needs', () => {
    const { acl } = renderMosquittoFiles(registry);
    const blocks = acl.split(/\n\n/).filter((b) => b.includes('user '));
    expect(blocks).toHaveLength(5);
    for (const block of blocks) {
      const kind = /^# (\w+)$/m.exec(block)![1] as PrincipalKind;
      const id = /^user (\S+)$/m.exec(block)![1]!;
      const principal: Principal = { kind, id };
      const grants = [...block.matchAll(/^topic (read|write) (\S+)$/gm)].map((m) => [m[1], m[2]] as const);
      if (kind !== 'console') expect(grants.some(([access]) => access === 'write')).toBe(true);
      for (const [access, topic] of grants) {
        const allowed = access === 'write' ? mayPublish(principal, instance(topic), registry) : maySubscribe(principal, topic, registry);
        expect([id, access, topic, allowed]).toEqual([id, access, topic, true]);
      }
    }
    expect(acl).toContain('user gw-1\ntopic write pulseproof/v1/devices/serial-1/readings');
    expect(acl).not.toContain('serial-2');
    expect(acl).not.toContain('gone');
  });
});
