import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real InfluxDB 1.x (Debian's `influxd`) for infrastructure tests: its own temp dirs, free
 * loopback ports for HTTP and the RPC (backup/restore) bind address, usage reporting off, ready
 * when GET /ping answers 204, stopped by pid. Only the v1 HTTP API exists on 1.6.
 */
export interface Influxd {
  /** base URL of the HTTP API, e.g. http://127.0.0.1:38123 */
  readonly url: string;
  readonly dir: string;
  readonly pid: number;
  /** runs InfluxQL (no database) and fails on any error InfluxDB reports */
  query(q: string, db?: string): Promise<unknown>;
  /** stops the server and starts it again on the same files and ports (durability checks) */
  restart(): Promise<void>;
  /** stops the server and removes its files */
  stop(): Promise<void>;
}

export interface InfluxdOptions {
  /** the server binary; default `influxd` on PATH */
  readonly binary?: string;
  readonly startTimeoutMs?: number;
  /** turn authentication on, with this admin user (created on first start) */
  readonly admin?: { readonly username: string; readonly password: string };
}

export async function startInfluxd(options: InfluxdOptions = {}): Promise<Influxd> {
  const binary = options.binary ?? 'influxd';
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const dir = mkdtempSync(join(tmpdir(), 'pp-influxd-'));
  const httpPort = await freePort();
  const rpcPort = await freePort();
  const configFile = join(dir, 'influxdb.conf');
  writeFileSync(configFile, config(dir, httpPort, rpcPort, options.admin !== undefined));
  const url = `http://127.0.0.1:${httpPort}`;
  const logFile = join(dir, 'influxd.log');

  let child: ChildProcess;
  const launch = async (): Promise<void> => {
    const log = openSync(logFile, 'a');
    // INFLUXDB_* variables override the config file: none of the caller's may leak in.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('INFLUXDB_')));
    child = spawn(binary, ['run', '-config', configFile], { stdio: ['ignore', log, log], env });
    closeSync(log);
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) => reject(new Error(`influxd exited (${code ?? signal}) before it was ready:\n${tail(logFile)}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([waitForPing(url, timeoutMs), exited]);
  };
  const halt = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  };

  try {
    await launch();
    // With auth on and no user yet, 1.x lets exactly one statement in unauthenticated: creating an admin.
    if (options.admin) await influxQuery(url, `CREATE USER "${options.admin.username}" WITH PASSWORD '${options.admin.password}' WITH ALL PRIVILEGES`);
  } catch (error) {
    await halt().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    dir,
    get pid() {
      return child.pid!;
    },
    query: (q, db) => influxQuery(url, q, db, options.admin),
    restart: async () => {
      await halt();
      await launch();
    },
    stop: async () => {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function influxQuery(url: string, q: string, db?: string, auth?: { username: string; password: string }): Promise<unknown> {
  const body = new URLSearchParams({ q, ...(db !== undefined && { db }) });
  const headers: Record<string, string> = auth ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` } : {};
  const response = await fetch(`${url}/query`, { method: 'POST', body, headers });
  const json = (await response.json()) as { error?: string; results?: { error?: string }[] };
  const error = json.error ?? json.results?.find((r) => r.error)?.error;
  if (!response.ok || error) throw new Error(`InfluxQL "${q}" failed: ${error ?? response.status}`);
  return json;
}

function config(dir: string, httpPort: number, rpcPort: number, auth: boolean): string {
  return `
reporting-enabled = false
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${join(dir, 'meta')}"
  logging-enabled = false
[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
[continuous_queries]
  enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
  pprof-enabled = false
  auth-enabled = ${auth}
[ifql]
  enabled = false
[logging]
  level = "warn"
`;
}

async function waitForPing(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`${url}/ping`);
      if (response.status === 204) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`influxd did not answer ${url}/ping within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}
