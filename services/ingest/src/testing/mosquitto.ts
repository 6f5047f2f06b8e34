import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { killOnExit } from '@pulseproof/bus';

/**
 * Debian's Mosquitto (package `mosquitto`, 2.0.11 here) as a test harness: a generated config, a
 * free loopback port, persistence in a temp dir, started as a child process and stopped by pid.
 * Infrastructure specs (`*.infra-spec.ts`) and the ingest bench use it; nothing here is used in
 * production.
 */
export interface MosquittoOptions {
  /** reuse a port (e.g. to restart a stopped broker on the same address); default: a free one */
  readonly port?: number;
  /** persistence folder; reuse it to restart with the same sessions; default: a new temp dir */
  readonly dataDir?: string;
  /** Mosquitto `password_file` (format of `mosquitto_passwd`, see `writePasswordFile`) */
  readonly passwordFile?: string;
  /** Mosquitto `acl_file` */
  readonly aclFile?: string;
  /** default: true without a password file, false with one (Mosquitto 2.0's own default is false) */
  readonly allowAnonymous?: boolean;
  /**
   * Messages queued per offline persistent session. Mosquitto's default (1000) silently drops the
   * rest, which would hide exactly the loss the crash tests look for; 0 means no limit.
   */
  readonly maxQueuedMessages?: number;
  /** QoS 1/2 messages in flight per client (Mosquitto's default 20) */
  readonly maxInflightMessages?: number;
  /** more `mosquitto.conf` lines, appended as given */
  readonly extraConfig?: readonly string[];
  /** how long to wait for the listener, ms */
  readonly startTimeoutMs?: number;
  /** default /usr/sbin/mosquitto, or $MOSQUITTO_BIN */
  readonly binary?: string;
}

export interface MosquittoBroker {
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number;
  /** persistence folder (also holds the generated config) */
  readonly dataDir: string;
  readonly configFile: string;
  /** what the broker logged so far (stdout and stderr) */
  output(): string;
  /**
   * Stops the broker by pid: SIGTERM (Mosquitto writes its persistence file and exits), SIGKILL
   * after `graceMs`. Removes the temp dir unless it was given or `keepData` is set.
   */
  stop(options?: { signal?: NodeJS.Signals; graceMs?: number; keepData?: boolean }): Promise<void>;
}

export const MOSQUITTO_BIN = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';


export async function freeLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

export function mosquittoConfig(options: MosquittoOptions & { port: number; dataDir: string }): string {
  const allowAnonymous = options.allowAnonymous ?? options.passwordFile === undefined;
  const lines = [
    // Started as root, Mosquitto would switch to the `mosquitto` user, who cannot write our temp dir.
    `user ${userInfo().username}`,
    'per_listener_settings false',
    `listener ${options.port} 127.0.0.1`,
    `allow_anonymous ${allowAnonymous}`,
    'persistence true',
    `persistence_location ${options.dataDir}/`,
    'persistence_file mosquitto.db',
    'log_dest stdout',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    'connection_messages true',
    `max_queued_messages ${options.maxQueuedMessages ?? 0}`,
  ];
  if (options.maxInflightMessages !== undefined) lines.push(`max_inflight_messages ${options.maxInflightMessages}`);
  if (options.passwordFile !== undefined) lines.push(`password_file ${options.passwordFile}`);
  if (options.aclFile !== undefined) lines.push(`acl_file ${options.aclFile}`);
  lines.push(...(options.extraConfig ?? []));
  return `${lines.join('\n')}\n`;
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function startOnce(options: MosquittoOptions, port: number, dataDir: string, ownsDir: boolean): Promise<MosquittoBroker> {
  const configFile = join(dataDir, 'mosquitto.conf');
  writeFileSync(configFile, mosquittoConfig({ ...options, port, dataDir }));
  const child = spawn(options.binary ?? MOSQUITTO_BIN, ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const forget = killOnExit(child);

  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  for (;;) {
    if (spawnError) throw new Error(`could not start ${options.binary ?? MOSQUITTO_BIN} (install the Debian package mosquitto): ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      forget();
      throw new MosquittoExited(output);
    }
    if (await accepts(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      forget();
      throw new Error(`mosquitto did not accept connections on ${port} within the timeout:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }

  const pid = child.pid!;
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    pid,
    dataDir,
    configFile,
    output: () => output,
    async stop({ signal = 'SIGTERM', graceMs = 5_000, keepData = false } = {}) {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(pid, signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      forget();
      if (ownsDir && !keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

class MosquittoExited extends Error {
  constructor(readonly output: string) {
    super(`mosquitto exited before it accepted connections:\n${output}`);
  }
}

/** Starts Mosquitto and resolves once its listener accepts TCP connections. */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<MosquittoBroker> {
  const ownsDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'pulseproof-mosquitto-'));
  mkdirSync(dataDir, { recursive: true });
  // A free port may be taken between our probe and Mosquitto's bind: try a few.
  for (let attempt = 0; ; attempt += 1) {
    const port = options.port ?? (await freeLoopbackPort());
    try {
      return await startOnce(options, port, dataDir, ownsDir);
    } catch (error) {
      const inUse = error instanceof MosquittoExited && /Address already in use/i.test(error.output);
      if (!inUse || options.port !== undefined || attempt >= 4) {
        if (ownsDir) rmSync(dataDir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}

/**
 * Writes a Mosquitto password file with Debian's `mosquitto_passwd` (PBKDF2-SHA512 hashes), for
 * tests that do not go through the registry's export.
 */
export function writePasswordFile(file: string, users: Readonly<Record<string, string>>): void {
  writeFileSync(file, '');
  for (const [username, password] of Object.entries(users)) {
    execFileSync(process.env.MOSQUITTO_PASSWD_BIN ?? '/usr/bin/mosquitto_passwd', ['-b', file, username, password], { stdio: 'pipe' });
  }
}
