import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDeviceRegistry } from '@pulseproof/ingest';
import { runCli } from './cli';
import { parseDuration } from './devices-cli';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('pulseproof devices', () => {
  let dataDir: string;
  const cli = async (...args: string[]) => {
    const { out, err, io } = capture();
    const code = await runCli(['devices', ...args, '--data-dir', dataDir], io);
    return { code, out, err };
  };

  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'pp-devices-cli-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('documents every subcommand, the exit codes and examples in --help', async () => {
    const { out, io } = capture();
    await expect(runCli(['devices', '--help'], io)).resolves.toBe(0);
    const help = out.join('\n');
    for (const sub of ['register', 'list', 'show', 'move', 'unassign', 'revoke', 'attach', 'detach', 'rotate-secret', 'add-principal', 'export-mosquitto']) {
      expect(help).toContain(sub);
    }
    expect(help).toContain('Exit status: 0');
    expect(help).toContain('npx pulseproof devices register bed-12 --patient p-0042');
  });

  it('registers a device, prints its password once, and stores it only hashed', async () => {
    const registered = await cli('register', 'bed-1', '--patient', 'p-1', '--interval', '30s', '--json');
    expect(registered).toMatchObject({ code: 0, err: [] });
    const { device, credentials } = JSON.parse(registered.out[0]!);
    expect(device).toMatchObject({ deviceId: 'bed-1', patientId: 'p-1', intervalMs: 30_000, hasCredentials: true, status: 'active' });
    expect(credentials.username).toBe('bed-1');
    expect(credentials.password).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const listed = await cli('list', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.out[0]!)).toEqual([device]);
    expect(listed.out.join('\n')).not.toContain(credentials.password);
    const table = await cli('list');
    expect(table.out[0]).toMatch(/^DEVICE\s+STATUS\s+PATIENT/);
    expect(table.out[1]).toMatch(/^bed-1\s+active\s+p-1\s+-\s+30s\s+yes$/);

    const file = join(dataDir, 'devices.sqlite');
    const bytes = Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f)));
    expect(bytes.includes(credentials.password)).toBe(false);

    const text = await cli('register', 'bed-2');
    expect(text.code).toBe(0);
    expect(text.out[0]).toBe('registered device bed-2 (no patient yet, reports every 60s)');
    expect(text.out[2]).toMatch(/^ {2}password {2}[A-Za-z0-9_-]{43}$/);
    expect(text.out[3]).toContain('shown only this once');
  });

  it('exits 2 for bad usage and 1 with one line saying what to do when the operation fails', async () => {
    expect(await cli('list')).toMatchObject({ code: 1, err: [expect.stringContaining('no device registry at')] });
    expect(await cli('register', 'bed/1')).toMatchObject({ code: 2, err: [expect.stringContaining('device id must be 1-64 characters')] });
    expect(await cli('register', 'bed-1', '--interval', 'soon')).toMatchObject({ code: 2, err: [expect.stringContaining('--interval soon is not a duration')] });
    expect(await cli('register', 'bed-1', '--gateway', 'gw-nope')).toMatchObject({ code: 1, err: [expect.stringContaining('no gateway "gw-nope" is registered')] });
    expect(await cli('add-principal', 'wizard', 'x')).toMatchObject({ code: 2, err: [expect.stringContaining('kind must be gateway, console, unit or service')] });
    expect((await cli('move', 'bed-1')).code).toBe(2); // --patient is required

    await cli('register', 'bed-1', '--no-credentials');
    expect(await cli('register', 'bed-1')).toMatchObject({ code: 1, err: [expect.stringContaining('"bed-1" is already registered')] });
    expect(await cli('move', 'bed-9', '--patient', 'p-1')).toMatchObject({ code: 1, err: [expect.stringContaining('no device "bed-9"')] });
  });

  it('moves a device at a time, keeps the earlier assignment, and refuses a move into the past', async () => {
    await cli('register', 'bed-1', '--patient', 'p-1', '--no-credentials');
    expect(await cli('move', 'bed-1', '--patient', 'p-2', '--at', '2026-11-22T10:00:00Z')).toMatchObject({ code: 0 });
    const shown = JSON.parse((await cli('show', 'bed-1', '--json')).out[0]!);
    const at = Date.parse('2026-11-22T10:00:00Z');
    expect(shown.assignments).toEqual([
      { deviceId: 'bed-1', patientId: 'p-1', from: 0, to: at },
      { deviceId: 'bed-1', patientId: 'p-2', from: at },
    ]);
    const refused = await cli('move', 'bed-1', '--patient', 'p-3', '--at', '2026-11-22T09:00:00Z');
    expect(refused).toMatchObject({ code: 1, err: [expect.stringContaining('--at 2026-11-22T10:00:00.000Z')] });
    expect(await cli('move', 'bed-1', '--patient', 'p-3', '--at', 'yesterday')).toMatchObject({ code: 2 });
    expect(await cli('unassign', 'bed-1', '--at', '2026-11-22T11:00:00Z')).toMatchObject({ code: 0, out: ['unassigned bed-1'] });
  });

  it('adds a gateway, attaches devices without credentials, revokes, rotates and exports Mosquitto files', async () => {
    const gateway = await cli('add-principal', 'gateway', 'ward-3-bridge', '--json');
    expect(JSON.parse(gateway.out[0]!)).toMatchObject({ principal: { kind: 'gateway', id: 'ward-3-bridge', status: 'active' }, credentials: { username: 'ward-3-bridge' } });
    await cli('register', 'serial-1', '--gateway', 'ward-3-bridge', '--no-credentials');
    await cli('register', 'serial-2', '--no-credentials');
    expect(await cli('attach', 'serial-2', '--gateway', 'ward-3-bridge')).toMatchObject({ code: 0 });
    expect(JSON.parse((await cli('list', '--json')).out[0]!).map((d: { gatewayId?: string }) => d.gatewayId)).toEqual(['ward-3-bridge', 'ward-3-bridge']);
    expect(await cli('detach', 'serial-2')).toMatchObject({ code: 0 });

    const rotated = await cli('rotate-secret', 'ward-3-bridge', '--json');
    expect(JSON.parse(rotated.out[0]!).credentials.password).not.toBe(JSON.parse(gateway.out[0]!).credentials.password);

    const outDir = join(dataDir, 'mosquitto');
    const exported = await cli('export-mosquitto', '--out-dir', outDir);
    expect(exported).toMatchObject({ code: 0, out: [expect.stringContaining('wrote 1 account(s)'), expect.stringContaining('kill -HUP')] });
    expect(statSync(join(outDir, 'passwd')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(outDir, 'acl'), 'utf8')).toContain('user ward-3-bridge\ntopic write pulseproof/v1/devices/serial-1/readings');

    expect(await cli('revoke', 'ward-3-bridge')).toMatchObject({ code: 0, out: [expect.stringContaining('revoked gateway ward-3-bridge')] });
    expect(await cli('rotate-secret', 'ward-3-bridge')).toMatchObject({ code: 1, err: [expect.stringContaining('was revoked')] });
    const principals = await cli('principals', '--json');
    expect(JSON.parse(principals.out[0]!)).toContainEqual(expect.objectContaining({ id: 'ward-3-bridge', status: 'revoked' }));
  });

  it('works on the file a running pipeline has open, which sees the change', async () => {
    await cli('register', 'bed-0', '--no-credentials');
    const running = new SqliteDeviceRegistry(join(dataDir, 'devices.sqlite'));
    try {
      expect(await cli('register', 'bed-1', '--patient', 'p-1', '--no-credentials')).toMatchObject({ code: 0 });
      const deadline = Date.now() + 5_000;
      while (running.patientFor('bed-1', Date.now()) !== 'p-1') {
        if (Date.now() > deadline) throw new Error('the running registry never saw the CLI registration');
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(await cli('revoke', 'bed-1')).toMatchObject({ code: 0 });
    } finally {
      running.close();
    }
  });

  it('reads durations with units', () => {
    expect(parseDuration('60s')).toBe(60_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1500')).toBe(1_500);
    expect(parseDuration('1.5s')).toBeUndefined();
  });
});
