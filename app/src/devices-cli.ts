import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import {
  DeviceRecord,
  IssuedCredentials,
  PrincipalKind,
  RegistryError,
  SqliteDeviceRegistry,
  writeMosquittoFiles,
} from '@pulseproof/ingest';
import { parseTime } from './audit-range';
import type { CliIo } from './cli';

/** A one-line failure: exit 1 (the operation failed) or 2 (usage). */
class CliFailure extends Error {
  constructor(
    readonly exitCode: 1 | 2,
    message: string,
  ) {
    super(message);
  }
}

const usage = (message: string) => new CliFailure(2, message);
const silent = { log: () => undefined, error: () => undefined };

interface Common {
  readonly dataDir: string;
  readonly json?: boolean;
}

/** `60s`, `5m`, `1h`, `500ms`, or plain milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,9})(ms|s|m|h)?$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(match[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}

function at(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseTime(text);
  if (ms === undefined) throw usage(`--at ${text} is not a time: use ISO 8601 (2026-11-22T10:00:00Z) or ms since the epoch`);
  return ms;
}

const when = (ms: number | undefined) => (ms === undefined ? '' : ms === 0 ? 'first reading' : new Date(ms).toISOString());
const seconds = (ms: number) => (ms % 1_000 === 0 ? `${ms / 1_000}s` : `${ms}ms`);

function credentialLines(credentials: IssuedCredentials): string[] {
  return [
    `  username  ${credentials.username}`,
    `  password  ${credentials.password}`,
    `Store the password in the device now: it is shown only this once (lost: npx pulseproof devices rotate-secret ${credentials.username}).`,
  ];
}

function deviceTable(devices: readonly DeviceRecord[]): string[] {
  const rows = devices.map((d) => [d.deviceId, d.status, d.patientId ?? '-', d.gatewayId ?? '-', seconds(d.intervalMs), d.hasCredentials ? 'yes' : 'no']);
  const all = [['DEVICE', 'STATUS', 'PATIENT', 'GATEWAY', 'INTERVAL', 'CREDENTIALS'], ...rows];
  const widths = all[0]!.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

/**
 * `pulseproof devices ...`: the device registry from the command line. It opens the same
 * devices.sqlite as the running pipeline (WAL), which sees each change within about a second.
 */
export function addDevicesCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const devices = program
    .command('devices')
    .description('register devices, gateways, consoles and units; move devices between patients; revoke; export Mosquitto files')
    .addHelpText(
      'after',
      [
        '',
        'Every subcommand takes --data-dir (default $DATA_DIR or ./data) and works while `npm start` runs.',
        'Exit status: 0 done, 1 the operation failed (one line on stderr says what to do), 2 bad usage.',
        '',
        'Examples:',
        '  npx pulseproof devices register bed-12 --patient p-0042 --interval 30s',
        '  npx pulseproof devices add-principal gateway ward-3-bridge',
        '  npx pulseproof devices register bed-13 --patient p-0043 --gateway ward-3-bridge --no-credentials',
        '  npx pulseproof devices move bed-12 --patient p-0077 --at 2026-11-22T14:00:00Z',
        '  npx pulseproof devices revoke bed-12',
        '  npx pulseproof devices export-mosquitto --out-dir /etc/mosquitto/pulseproof',
      ].join('\n'),
    );

  const run = (needsFile: boolean, action: (registry: SqliteDeviceRegistry, options: any, ...args: string[]) => Promise<void> | void) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      const options = command.opts<Common>();
      const positional = args.slice(0, -2) as string[];
      const dataDir = resolve(options.dataDir);
      const file = join(dataDir, 'devices.sqlite');
      let registry: SqliteDeviceRegistry | undefined;
      try {
        if (needsFile && !existsSync(file)) {
          throw new CliFailure(1, `no device registry at ${file}: register a device first (npx pulseproof devices register <id>) or pass --data-dir`);
        }
        mkdirSync(dataDir, { recursive: true });
        registry = new SqliteDeviceRegistry(file, { logger: silent });
        await action(registry, options, ...positional);
        setExit(0);
      } catch (error) {
        if (error instanceof CliFailure) {
          io.err(`error: ${error.message}`);
          setExit(error.exitCode);
        } else if (error instanceof RegistryError) {
          io.err(`error: ${error.message}`);
          setExit(error.code === 'INGEST_E_REGISTRY_BAD_ID' || error.code === 'INGEST_E_REGISTRY_BAD_INPUT' ? 2 : 1);
        } else throw error;
      } finally {
        registry?.close();
      }
    };

  const sub = (name: string, description: string) =>
    devices
      .command(name)
      .description(description)
      .option('--data-dir <dir>', 'the DATA_DIR of the pipeline (devices.sqlite lives there)', process.env['DATA_DIR'] ?? './data');

  sub('register', 'register a device; prints its MQTT user name and password once (unless --no-credentials)')
    .argument('<deviceId>', 'the id the device publishes under: 1-64 of A-Z a-z 0-9 . _ -')
    .option('--patient <id>', 'assign it to this patient from its first reading (or from --at)')
    .option('--gateway <id>', 'a registered gateway that may publish for it (the serial bridge)')
    .option('--interval <duration>', 'how often it reports (60s, 5m, 500ms); silence longer than this is a technical alarm', '60s')
    .option('--no-credentials', 'no password: the device only speaks through its gateway')
    .option('--at <time>', 'start of the assignment, device time (ISO 8601 or ms since the epoch)')
    .option('--json', 'print {device, credentials} as JSON')
    .action(
      run(false, async (registry, o: Common & { patient?: string; gateway?: string; interval: string; credentials: boolean; at?: string }, deviceId) => {
        const intervalMs = parseDuration(o.interval);
        if (intervalMs === undefined) throw usage(`--interval ${o.interval} is not a duration: use 60s, 5m, 1h or 500ms`);
        const start = at(o.at);
        const result = await registry.registerDevice({
          deviceId: deviceId!,
          intervalMs,
          credentials: o.credentials,
          ...(o.patient !== undefined && { patientId: o.patient }),
          ...(o.gateway !== undefined && { gatewayId: o.gateway }),
          ...(start !== undefined && { at: start }),
        });
        if (o.json) return io.out(JSON.stringify(result));
        const d = result.device;
        io.out(`registered device ${d.deviceId} (${d.patientId ? 'patient assigned' : 'no patient yet'}${d.gatewayId ? `, behind gateway ${d.gatewayId}` : ''}, reports every ${seconds(d.intervalMs)})`);
        if (result.credentials) credentialLines(result.credentials).forEach((line) => io.out(line));
        else io.out(`no credentials: it can publish only through a gateway (attach one: npx pulseproof devices attach ${d.deviceId} --gateway <id>)`);
      }),
    );

  sub('list', 'list devices: status, current patient, gateway, interval, whether it has credentials')
    .option('--json', 'print an array of device records')
    .action(
      run(true, (registry, o: Common) => {
        const list = registry.list();
        if (o.json) return io.out(JSON.stringify(list));
        if (list.length === 0) return io.out('no devices registered');
        deviceTable(list).forEach((line) => io.out(line));
      }),
    );

  sub('show', 'one device with its assignment history')
    .argument('<deviceId>')
    .option('--json', 'print the record and its assignments as JSON')
    .action(
      run(true, (registry, o: Common, deviceId) => {
        const device = registry.device(deviceId!);
        if (!device) throw new CliFailure(1, `no device "${deviceId}" is registered: see npx pulseproof devices list`);
        const assignments = registry.assignments(deviceId!);
        if (o.json) return io.out(JSON.stringify({ ...device, assignments }));
        deviceTable([device]).forEach((line) => io.out(line));
        for (const a of assignments) io.out(`  ${a.patientId}  from ${when(a.from)}${a.to !== undefined ? ` to ${when(a.to)}` : ' (current)'}`);
      }),
    );

  sub('move', "assign a device to another patient from --at (default now); earlier readings keep their patient")
    .argument('<deviceId>')
    .requiredOption('--patient <id>', 'the new patient')
    .option('--at <time>', 'device time the new assignment starts (ISO 8601 or ms since the epoch)')
    .action(
      run(true, (registry, o: Common & { patient: string; at?: string }, deviceId) => {
        registry.move(deviceId!, o.patient, at(o.at));
        io.out(`moved ${deviceId}: readings from ${when(registry.assignments(deviceId!).at(-1)!.from)} on belong to the new patient`);
      }),
    );

  sub('unassign', 'end the current assignment at --at (default now): later readings are refused until the next move')
    .argument('<deviceId>')
    .option('--at <time>', 'device time the assignment ends')
    .action(
      run(true, (registry, o: Common & { at?: string }, deviceId) => {
        registry.unassign(deviceId!, at(o.at));
        io.out(`unassigned ${deviceId}`);
      }),
    );

  sub('revoke', 'revoke a device or principal for good: it can no longer connect or publish (the running broker disconnects it)')
    .argument('<id>')
    .action(
      run(true, (registry, _o: Common, id) => {
        registry.revoke(id!);
        io.out(`revoked ${registry.principal(id!)!.kind} ${id}; with an external Mosquitto, run export-mosquitto again and reload it`);
      }),
    );

  sub('attach', 'let a gateway publish for a device')
    .argument('<deviceId>')
    .requiredOption('--gateway <id>', 'a registered gateway')
    .action(
      run(true, (registry, o: Common & { gateway: string }, deviceId) => {
        registry.attach(deviceId!, o.gateway);
        io.out(`attached ${deviceId} to gateway ${o.gateway}`);
      }),
    );

  sub('detach', 'stop a device\'s gateway from publishing for it')
    .argument('<deviceId>')
    .action(
      run(true, (registry, _o: Common, deviceId) => {
        registry.detach(deviceId!);
        io.out(`detached ${deviceId} from its gateway`);
      }),
    );

  sub('rotate-secret', 'issue a new password for a device or principal; the old one stops working')
    .argument('<id>')
    .option('--json', 'print the credentials as JSON')
    .action(
      run(true, async (registry, o: Common, id) => {
        const credentials = await registry.rotateSecret(id!);
        if (o.json) return io.out(JSON.stringify({ credentials }));
        io.out(`new secret for ${id}:`);
        credentialLines(credentials).forEach((line) => io.out(line));
      }),
    );

  sub('add-principal', 'register a gateway (serial bridge), console (alert subscriber), unit (ambulance) or service (PulseProof on an external broker)')
    .argument('<kind>', 'gateway | console | unit | service')
    .argument('<id>')
    .option('--json', 'print {principal, credentials} as JSON')
    .action(
      run(false, async (registry, o: Common, kind, id) => {
        if (!['gateway', 'console', 'unit', 'service'].includes(kind!)) throw usage(`kind must be gateway, console, unit or service (got "${kind}"); devices: devices register`);
        const credentials = await registry.registerPrincipal(kind as Exclude<PrincipalKind, 'device'>, id!);
        if (o.json) return io.out(JSON.stringify({ principal: registry.principal(id!), credentials }));
        io.out(`registered ${kind} ${id}`);
        credentialLines(credentials).forEach((line) => io.out(line));
      }),
    );

  sub('principals', 'list every principal (devices, gateways, consoles, units, services)')
    .option('--json', 'print an array of principal records')
    .action(
      run(true, (registry, o: Common) => {
        const list = registry.principals();
        if (o.json) return io.out(JSON.stringify(list));
        for (const p of list) io.out(`${p.kind.padEnd(8)} ${p.id}  ${p.status}${p.hasCredentials ? '' : '  (no credentials)'}`);
      }),
    );

  sub('export-mosquitto', "write Mosquitto's password_file (passwd, mode 0600) and acl_file (acl) from the registry")
    .requiredOption('--out-dir <dir>', 'folder for passwd and acl')
    .option('--owner <user>', 'give both files to this user (run as root; e.g. mosquitto, the user the broker drops to)')
    .addHelpText(
      'after',
      '\nIn mosquitto.conf:\n  allow_anonymous false\n  password_file <dir>/passwd\n  acl_file <dir>/acl\nThen reload Mosquitto (SIGHUP) after each export. Only hashes are written; revoked principals are left out.',
    )
    .action(
      run(true, (registry, o: Common & { outDir: string; owner?: string }) => {
        let written;
        try {
          written = writeMosquittoFiles(registry, resolve(o.outDir), o.owner === undefined ? {} : { owner: o.owner });
        } catch (error) {
          throw new CliFailure(1, `cannot write the Mosquitto files into ${resolve(o.outDir)}: ${(error as Error).message}`);
        }
        io.out(`wrote ${written.accounts} account(s): ${written.passwdFile} (0600) and ${written.aclFile}`);
        io.out('reload Mosquitto to apply them: kill -HUP <mosquitto pid> (or systemctl reload mosquitto)');
      }),
    );
}
