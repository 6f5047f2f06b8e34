import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A virtual serial cable for the bridge's specs: `socat` (Debian package) joins two pseudo-terminals
 * and links them at <dir>/<name>-device (the test writes frames there, as firmware would) and
 * <dir>/<name>-bridge (the bridge opens it as its serial port). kill() is the cable being pulled:
 * socat exits and removes both links; start another pair with the same dir and name to plug it back.
 */
export interface PtyPair {
  readonly devicePath: string;
  readonly bridgePath: string;
  /** Writes bytes at the device end, as firmware would. */
  write(data: string | Uint8Array): void;
  kill(): Promise<void>;
}

/** Fails with the install command when socat is missing: the serial tests never skip silently. */
export function requireSocat(env: NodeJS.ProcessEnv = process.env): void {
  const probe = spawnSync('socat', ['-V'], { stdio: 'ignore', env });
  if (probe.error || probe.status !== 0) {
    throw new Error('socat is not installed; the firmware-bridge serial tests need it for pty pairs: apt-get install socat');
  }
}

export async function startPtyPair(dir: string, name = 'pty', timeoutMs = 5000): Promise<PtyPair> {
  requireSocat();
  const devicePath = path.join(dir, `${name}-device`);
  const bridgePath = path.join(dir, `${name}-bridge`);
  const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${bridgePath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  socat.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => socat.once('exit', () => resolve()));
  try {
    await until(() => log.includes('starting data transfer loop'), () => socat.exitCode !== null, timeoutMs);
  } catch (error) {
    await stop(socat, exited);
    throw new Error(`socat did not start a pty pair: ${(error as Error).message}\n${log}`);
  }
  // The device end stays open for the pair's life: closing a pty's last descriptor would hang it up.
  const fd = fs.openSync(devicePath, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  return {
    devicePath,
    bridgePath,
    write: (data) => {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
      let offset = 0;
      while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset);
    },
    kill: async () => {
      fs.closeSync(fd);
      await stop(socat, exited);
    },
  };
}

async function stop(socat: ChildProcess, exited: Promise<void>): Promise<void> {
  if (socat.exitCode === null && socat.signalCode === null) socat.kill('SIGTERM');
  await exited;
}

async function until(ready: () => boolean, failed: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (failed()) throw new Error('socat exited');
    if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
