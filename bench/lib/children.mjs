// Child processes and ports shared by the suites: the load generator, brokers and the app each run in
// their own process, so none of them shares an event loop with what it measures.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = join(BENCH_DIR, '..');
/** bench/ingest-child.mjs: the load generator, the null broker, bare aedes, a counting subscriber */
export const CHILD = join(BENCH_DIR, 'ingest-child.mjs');
export const MAIN = join(ROOT, 'app/dist/main.js');

export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs a child to completion and returns its JSON lines; `onSpawn(child)` sees it start (pid sampling). */
export function runChild(args, env = {}, onSpawn = undefined) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    onSpawn?.(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited with ${code}:\n${err}`));
      resolve(out.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)));
    });
  });
}

/** Starts a long-running child and resolves once `ready(output)` returns a value. */
export async function startChild(args, env, ready, timeoutMs = 60_000) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = ready(output);
    if (value !== undefined) return { child, value, exited, output: () => output };
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${args.join(' ')} did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stops a child by its pid: `signal`, then SIGKILL after `graceMs`. */
export async function stopChild(handle, signal = 'SIGINT', graceMs = 15_000) {
  if (handle.child.exitCode !== null || handle.child.signalCode !== null) return;
  handle.child.kill(signal);
  const timer = setTimeout(() => handle.child.kill('SIGKILL'), graceMs);
  await handle.exited;
  clearTimeout(timer);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
