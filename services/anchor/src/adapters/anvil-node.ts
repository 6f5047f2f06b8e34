import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import { AnchorError } from '../errors';
import { rpcChainId } from './json-rpc';

/**
 * Private key of anvil's account 0, derived from its well-known public test mnemonic ("test test
 * test ... junk"). It is published in anvil's own banner and documentation: anyone can sign with
 * it. It is only for the embedded chain this process starts; never use it on a real network.
 */
export const ANVIL_DEV_PRIVATE_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

export interface AnvilNodeOptions {
  /** when set, the chain persists in <dataDir>/anvil-state.json (dumped every second and on exit) */
  readonly dataDir?: string;
  /** how long to wait for JSON-RPC to answer, ms (default 30,000) */
  readonly startTimeoutMs?: number;
  /** the anvil executable; default: the platform package of @foundry-rs/anvil in node_modules */
  readonly binary?: string;
  /** listen on this port (default 0: one the OS picks); a restart on the same port keeps a client's URL valid */
  readonly port?: number;
}

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };
const LISTENING = /Listening on ([\d.]+):(\d+)/;

/** An anvil node on 127.0.0.1 and a port the OS picked, started from node_modules (npm @foundry-rs/anvil). */
export class AnvilNode {
  readonly privateKey = ANVIL_DEV_PRIVATE_KEY;
  private stopping: Promise<void> | undefined;
  private readonly killOnExit = () => this.child.kill('SIGKILL');

  private constructor(
    private readonly child: ChildProcess,
    readonly rpcUrl: string,
    readonly statePath: string | undefined,
    private readonly pidFile: string | undefined,
  ) {
    process.once('exit', this.killOnExit);
    // After start, a failing kill() is the only 'error' left; without a listener it would crash the process.
    child.on('error', (error) => new Logger('AnvilNode').warn(`anvil (pid ${child.pid}): ${error.message}`));
  }

  /** Path of the anvil executable from its platform package (x64 is published as amd64). */
  static binaryPath(): string {
    const arch = ARCH[process.arch] ?? process.arch;
    const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`;
    let dir: string;
    try {
      dir = path.dirname(require.resolve(`${pkg}/package.json`));
    } catch {
      throw new AnchorError('ANCHOR_E_ANVIL_MISSING', `${pkg} is not in node_modules: run \`npm ci\` at the repository root`);
    }
    const binary = path.join(dir, 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
    if (!fs.existsSync(binary)) {
      throw new AnchorError('ANCHOR_E_ANVIL_MISSING', `${binary} is missing: run \`npm ci\` at the repository root`);
    }
    return binary;
  }

  static async start(options: AnvilNodeOptions = {}): Promise<AnvilNode> {
    const binary = options.binary ?? AnvilNode.binaryPath();
    // --port 0: the OS picks a free port and anvil prints it ("Listening on 127.0.0.1:PORT"), so two
    // nodes never race for one. (--quiet would hide that line; the output is drained instead.)
    const args = ['--host', '127.0.0.1', '--port', String(options.port ?? 0)];
    let statePath: string | undefined;
    let pidFile: string | undefined;
    if (options.dataDir) {
      fs.mkdirSync(options.dataDir, { recursive: true });
      statePath = path.join(options.dataDir, 'anvil-state.json');
      pidFile = path.join(options.dataDir, 'anvil.pid');
      await killOrphan(pidFile, statePath);
      args.push('--state', statePath, '--state-interval', '1');
    }
    // Its own process group: Ctrl-C in a terminal signals the whole foreground group, and anvil
    // must outlive the services that are still anchoring until stop() ends it, in order.
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    if (pidFile && child.pid !== undefined) fs.writeFileSync(pidFile, String(child.pid));
    const rpcUrl = await waitForListening(child, options.startTimeoutMs ?? 30_000);
    const node = new AnvilNode(child, rpcUrl, statePath, pidFile);
    try {
      await node.waitForRpc(options.startTimeoutMs ?? 30_000);
    } catch (error) {
      await node.stop();
      throw error;
    }
    new Logger('AnvilNode').log(`embedded anvil (pid ${child.pid}) at ${rpcUrl}${statePath ? `, state ${statePath}` : ''}`);
    return node;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** SIGTERM (anvil dumps its state and exits), SIGKILL after `timeoutMs`. Safe to call twice. */
  stop(timeoutMs = 5_000): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      process.removeListener('exit', this.killOnExit);
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
      this.child.once('exit', () => {
        clearTimeout(timer);
        if (this.pidFile) fs.rmSync(this.pidFile, { force: true });
        resolve();
      });
      this.child.kill('SIGTERM');
    });
    return this.stopping;
  }

  private async waitForRpc(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await rpcChainId(this.rpcUrl, 1_000);
        return;
      } catch (error) {
        if (Date.now() > deadline || this.child.exitCode !== null) {
          throw new AnchorError('ANCHOR_E_ANVIL_START', `anvil at ${this.rpcUrl} does not answer eth_chainId: ${(error as Error).message}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
}

/**
 * A process killed with SIGKILL cannot stop its anvil, which then lives on and keeps dumping its
 * (now stale) chain into the state file every second, racing the new node. So the pid is kept
 * beside the state, and a start first kills the anvil of the previous run, if it is still there and
 * still the anvil of this state file (checked in /proc, so a recycled pid is left alone).
 */
async function killOrphan(pidFile: string, statePath: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1) return;
  let cmdline: string;
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return; // gone already, or no /proc: nothing to do
  }
  if (!cmdline.includes('anvil') || !cmdline.includes(statePath)) return;
  new Logger('AnvilNode').warn(`stopping the anvil of a previous run (pid ${pid}) that outlived its process`);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  for (let i = 0; i < 50 && fs.existsSync(`/proc/${pid}`); i++) {
    let status: string | undefined;
    try {
      status = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2];
    } catch {
      break;
    }
    if (status === 'Z') break; // a zombie holds no file and no port
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves with the RPC url once anvil prints its address; rejects if it exits or times out first. */
function waitForListening(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let found = false;
    const fail = (reason: string) => {
      cleanup();
      child.kill('SIGKILL');
      const tail = stderr.trim().split('\n').slice(-5).join(' | ');
      reject(new AnchorError('ANCHOR_E_ANVIL_START', `${reason}${tail ? `: ${tail}` : ''}`));
    };
    const timer = setTimeout(() => fail(`anvil printed no address within ${timeoutMs} ms`), timeoutMs);
    const onExit = (code: number | null, signal: string | null) => fail(`anvil exited (${signal ?? `code ${code}`}) before listening`);
    const onError = (error: Error) => fail(`cannot run anvil (${error.message})`);
    const cleanup = () => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    // Both streams stay drained for the node's life: a full pipe would block anvil.
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_096);
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      if (found) return;
      stdout = (stdout + chunk.toString()).slice(-4_096);
      const match = LISTENING.exec(stdout);
      if (match) {
        found = true;
        cleanup();
        resolve(`http://${match[1]}:${match[2]}`);
      }
    });
    child.once('exit', onExit);
    child.once('error', onError);
  });
}
