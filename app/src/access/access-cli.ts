import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { Command } from 'commander';
import type { CliIo } from '../cli';
import { ACCESS_DB_FILE, openAccessDbFile } from './access-db';
import { AccessError } from './access-errors';
import { UserStore, UserView } from './user-store';
import { WardStore } from './ward-store';

interface Stores {
  readonly users: UserStore;
  readonly wards: WardStore;
}

const DATA_DIR_HELP = 'the DATA_DIR of the pipeline (access.sqlite lives there)';
const DB_FILE_HELP = 'the accounts database when the pipeline sets ACCESS_DB_FILE (default $ACCESS_DB_FILE, else <data-dir>/access.sqlite)';
const EXIT_HELP = 'Exit status: 0 done, 1 the operation failed (one line on stderr says what to do), 2 bad usage.';

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

const wardList = (text: string | undefined) => (text === undefined || text === '' ? [] : text.split(',').map((w) => w.trim()));
const newPassword = () => randomBytes(16).toString('base64url');

/**
 * `pulseproof users ...` and `pulseproof wards ...`: staff accounts and wards on the data dir,
 * while `npm start` runs or not (the same access.sqlite, WAL; the app sees ward moves within 2 s).
 */
export function addAccessCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const run = (action: (stores: Stores, options: any, ...args: string[]) => Promise<void> | void) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      const options = command.opts<{ dataDir: string; dbFile?: string }>();
      const positional = args.slice(0, -2) as string[];
      let db: Database.Database | undefined;
      try {
        db = openAccessDbFile(options.dbFile ? resolve(options.dbFile) : join(resolve(options.dataDir), ACCESS_DB_FILE));
        await action({ users: new UserStore(db), wards: new WardStore(db, 0) }, options, ...positional);
        setExit(0);
      } catch (error) {
        if (!(error instanceof AccessError)) throw error;
        io.err(`error: ${error.message}`);
        setExit(error.code === 'ACCESS_E_INVALID' ? 2 : 1);
      } finally {
        db?.close();
      }
    };

  const users = program
    .command('users')
    .description('staff accounts: clinicians (see their wards), auditors (anchors and receipts), admins (everything)')
    .addHelpText(
      'after',
      [
        '',
        'Every subcommand takes --data-dir (default $DATA_DIR or ./data), or --db-file (default $ACCESS_DB_FILE) for a shared accounts database, and works while `npm start` runs.',
        'Without --password a random password is made and printed once; passwords are stored as scrypt hashes only.',
        EXIT_HELP,
        '',
        'Examples:',
        '  npx pulseproof wards add ward-3 --name "Ward 3"',
        '  npx pulseproof users add nurse-jo --role clinician --wards ward-3',
        '  npx pulseproof users set-wards nurse-jo ward-3,ward-4',
        '  npx pulseproof users reset-password nurse-jo',
        '  npx pulseproof users remove nurse-jo',
      ].join('\n'),
    );
  const userSub = (name: string, description: string) => users.command(name).description(description).option('--data-dir <dir>', DATA_DIR_HELP, process.env['DATA_DIR'] ?? './data').option('--db-file <file>', DB_FILE_HELP, process.env['ACCESS_DB_FILE'] || undefined);
  const printUser = (u: UserView) => `${u.username} (${u.role}${u.role === 'clinician' ? `, wards: ${u.wards.join(', ') || 'none'}` : ''})`;

  userSub('add', 'add a user with a role; prints the password once unless you gave one')
    .argument('<username>', '1-64 of A-Z a-z 0-9 . _ -')
    .requiredOption('--role <role>', 'clinician, auditor or admin')
    .option('--wards <ids>', 'comma-separated wards a clinician works in (they must exist: pulseproof wards add)')
    .option('--password <password>', 'at least 8 characters (default: a random one, printed once)')
    .action(
      run(async ({ users: store }, o: { role: string; wards?: string; password?: string }, username) => {
        const password = o.password ?? newPassword();
        const user = await store.add({ username, role: o.role, password, wards: wardList(o.wards) });
        io.out(`added ${printUser(user)}`);
        if (o.password === undefined) io.out(`  password  ${password}\nGive it to ${user.username} now: it is shown only this once (lost: npx pulseproof users reset-password ${user.username}).`);
      }),
    );

  userSub('list', 'list users with their role and wards')
    .option('--json', 'print an array of users')
    .action(
      run(({ users: store }, o: { json?: boolean }) => {
        const list = store.list();
        if (o.json) return io.out(JSON.stringify(list));
        if (list.length === 0) return io.out('no users yet: the first `npm start` creates admin, clinician and auditor, or add one with `pulseproof users add`');
        table([['USER', 'ROLE', 'WARDS', 'CREATED'], ...list.map((u) => [u.username, u.role, u.wards.join(',') || '-', u.createdAt])]).forEach((l) => io.out(l));
      }),
    );

  userSub('remove', 'remove a user and end their sessions (the last admin cannot be removed)')
    .argument('<username>')
    .action(
      run(({ users: store }, _o, username) => {
        store.remove(username!);
        io.out(`removed ${username}`);
      }),
    );

  userSub('set-wards', 'replace the wards a user works in')
    .argument('<username>')
    .argument('<wards>', 'comma-separated ward ids, or "" for none')
    .action(
      run(({ users: store }, _o, username, wards) => {
        io.out(`updated ${printUser(store.setWards(username!, wardList(wards)))}`);
      }),
    );

  userSub('reset-password', 'set a new password (random unless given, printed once) and end the user\'s sessions')
    .argument('<username>')
    .option('--password <password>', 'at least 8 characters (default: a random one, printed once)')
    .action(
      run(async ({ users: store }, o: { password?: string }, username) => {
        const password = o.password ?? newPassword();
        await store.resetPassword(username!, password);
        io.out(`new password set for ${username}; their sessions are ended`);
        if (o.password === undefined) io.out(`  password  ${password}`);
      }),
    );

  const wards = program
    .command('wards')
    .description('wards and which ward each patient is in (one at a time); clinicians see the patients of their wards')
    .addHelpText(
      'after',
      ['', 'Every subcommand takes --data-dir (default $DATA_DIR or ./data), or --db-file (default $ACCESS_DB_FILE) for a shared accounts database, and works while `npm start` runs.', EXIT_HELP, '', 'Examples:', '  npx pulseproof wards add ward-3 --name "Ward 3"', '  npx pulseproof wards assign-patient sim-patient-004 ward-3', '  npx pulseproof wards list'].join('\n'),
    );
  const wardSub = (name: string, description: string) => wards.command(name).description(description).option('--data-dir <dir>', DATA_DIR_HELP, process.env['DATA_DIR'] ?? './data').option('--db-file <file>', DB_FILE_HELP, process.env['ACCESS_DB_FILE'] || undefined);

  wardSub('add', 'add a ward')
    .argument('<id>', '1-64 of A-Z a-z 0-9 . _ -, e.g. ward-3')
    .option('--name <name>', 'the name people use (default: the id)')
    .action(
      run(({ wards: store }, o: { name?: string }, id) => {
        const ward = store.add({ id, ...(o.name !== undefined && { name: o.name }) });
        io.out(`added ward ${ward.id} (${ward.name})`);
      }),
    );

  wardSub('list', 'list wards with their patient counts')
    .option('--json', 'print an array of wards')
    .option('--patients', 'also list each ward\'s patients')
    .action(
      run(({ wards: store }, o: { json?: boolean; patients?: boolean }) => {
        const list = store.list().map((w) => ({ ...w, ...(o.patients && { patientIds: store.patientsOf(w.id).map((p) => p.patientId) }) }));
        if (o.json) return io.out(JSON.stringify(list));
        if (list.length === 0) return io.out('no wards yet: add one with `pulseproof wards add <id> --name <name>`');
        table([['WARD', 'NAME', 'PATIENTS'], ...list.map((w) => [w.id, w.name, o.patients ? w.patientIds!.join(',') || '-' : String(w.patients)])]).forEach((l) => io.out(l));
      }),
    );

  wardSub('assign-patient', 'move a patient to a ward (out of any other)')
    .argument('<patientId>')
    .argument('<wardId>')
    .action(
      run(({ wards: store }, _o, patientId, wardId) => {
        const placed = store.assignPatient(patientId, wardId, 'cli');
        io.out(`patient ${placed.patientId} is now in ward ${placed.wardId}`);
      }),
    );
}
