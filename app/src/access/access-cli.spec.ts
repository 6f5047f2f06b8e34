import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli';
import { openAccessDb, openAccessDbFile } from './access-db';
import { UserStore } from './user-store';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('pulseproof users and wards', () => {
  let dataDir: string;
  const cli = async (...args: string[]) => {
    const { out, err, io } = capture();
    const code = await runCli([...args, '--data-dir', dataDir], io);
    return { code, out, err };
  };

  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'pp-access-cli-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('documents every subcommand, the exit codes and examples in --help', async () => {
    for (const [group, subs] of [['users', ['add', 'list', 'remove', 'set-wards', 'reset-password']], ['wards', ['add', 'list', 'assign-patient']]] as const) {
      const { out, io } = capture();
      await expect(runCli([group, '--help'], io)).resolves.toBe(0);
      const help = out.join('\n');
      for (const sub of subs) expect(help).toContain(sub);
      expect(help).toContain('Exit status: 0');
    }
  });

  it('adds wards and a clinician whose printed password signs in, then moves a patient', async () => {
    expect(await cli('wards', 'add', 'ward-3', '--name', 'Ward 3')).toMatchObject({ code: 0, out: ['added ward ward-3 (Ward 3)'] });
    const added = await cli('users', 'add', 'nurse-jo', '--role', 'clinician', '--wards', 'ward-3');
    expect(added.code).toBe(0);
    const password = /password\s+(\S+)/.exec(added.out.join('\n'))![1]!;
    const db = openAccessDb(dataDir);
    try {
      await expect(new UserStore(db).verify('nurse-jo', password)).resolves.toMatchObject({ role: 'clinician', wards: ['ward-3'] });
    } finally {
      db.close();
    }
    expect((await cli('wards', 'assign-patient', 'p-7', 'ward-3')).out).toEqual(['patient p-7 is now in ward ward-3']);
    const wards = await cli('wards', 'list', '--json', '--patients');
    expect(JSON.parse(wards.out[0]!)).toEqual([{ id: 'ward-3', name: 'Ward 3', patients: 1, patientIds: ['p-7'] }]);
    expect(JSON.parse((await cli('users', 'list', '--json')).out[0]!)).toEqual([expect.objectContaining({ username: 'nurse-jo', role: 'clinician', wards: ['ward-3'] })]);
    expect((await cli('users', 'set-wards', 'nurse-jo', '')).out).toEqual(['updated nurse-jo (clinician, wards: none)']);
    const reset = await cli('users', 'reset-password', 'nurse-jo', '--password', 'battery staple');
    expect(reset).toMatchObject({ code: 0, err: [] });
    expect((await cli('users', 'remove', 'nurse-jo')).out).toEqual(['removed nurse-jo']);
  });

  it('works on a shared accounts database with --db-file (ACCESS_DB_FILE), ignoring the data dir', async () => {
    const shared = join(dataDir, 'shared', 'accounts.sqlite');
    expect((await cli('wards', 'add', 'ward-9', '--db-file', shared)).code).toBe(0);
    const db = openAccessDbFile(shared);
    try {
      expect(db.prepare('SELECT id FROM wards').all()).toEqual([{ id: 'ward-9' }]);
    } finally {
      db.close();
    }
    expect((await cli('wards', 'list', '--json')).out).toEqual(['[]']);
  });

  it('fails with one line on stderr: 2 for bad input, 1 for a failed operation', async () => {
    const badRole = await cli('users', 'add', 'x', '--role', 'surgeon');
    expect(badRole).toMatchObject({ code: 2, out: [] });
    expect(badRole.err).toEqual(['error: role must be one of clinician, auditor, admin']);
    const noWard = await cli('users', 'add', 'x', '--role', 'clinician', '--wards', 'ward-9');
    expect(noWard.code).toBe(1);
    expect(noWard.err).toEqual(['error: no ward ward-9: add it first with `pulseproof wards add ward-9 --name <name>`']);
    const unknown = await cli('users', 'remove', 'ghost');
    expect(unknown).toMatchObject({ code: 1, err: ['error: no user ghost: list them with `pulseproof users list`'] });
    await cli('users', 'add', 'root', '--role', 'admin', '--password', 'correct horse');
    expect((await cli('users', 'remove', 'root')).err).toEqual(['error: root is the last admin: add another admin first']);
  });
});
