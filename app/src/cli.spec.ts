import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('pulseproof CLI: usage and unreadable input', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'pp-cli-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('documents audit verify, its exit codes and an example in --help', async () => {
    const { out, io } = capture();
    await expect(runCli(['audit', 'verify', '--help'], io)).resolves.toBe(0);
    const help = out.join('\n');
    expect(help).toContain('--rpc <url>');
    expect(help).toContain('Exit status: 0');
    expect(help).toContain('npx pulseproof audit verify r.json');
  });

  it('exits 2 with one line when --rpc is missing', async () => {
    const { err, io } = capture();
    await expect(runCli(['audit', 'verify', 'r.json', '--rpc', ''], io)).resolves.toBe(2);
    expect(err).toEqual([expect.stringContaining('--rpc <url> is required')]);
  });

  it('exits 2 when the receipt argument is missing', async () => {
    const { err, io } = capture();
    await expect(runCli(['audit', 'verify'], io)).resolves.toBe(2);
    expect(err.join('\n')).toContain("missing required argument 'receipt'");
  });

  it('exits 2 naming the file it cannot read', async () => {
    const { err, io } = capture();
    await expect(runCli(['audit', 'verify', join(dir, 'nope.json'), '--rpc', 'http://127.0.0.1:1'], io)).resolves.toBe(2);
    expect(err).toEqual([`cannot read receipt file ${join(dir, 'nope.json')}: ENOENT`]);
  });

  it('exits 2 for a file that is not JSON', async () => {
    const file = join(dir, 'garbage.json');
    writeFileSync(file, 'this is not a receipt\n{');
    const { err, io } = capture();
    await expect(runCli(['audit', 'verify', file, '--rpc', 'http://127.0.0.1:1'], io)).resolves.toBe(2);
    expect(err).toEqual([`${file} is neither a JSON receipt nor NDJSON (one receipt per line)`]);
  });

  it('exits 1 with the reason for JSON that is not a receipt', async () => {
    const file = join(dir, 'not-receipt.json');
    writeFileSync(file, JSON.stringify({ hello: 'auditor' }));
    const { err, io } = capture();
    await expect(runCli(['audit', 'verify', file, '--rpc', 'http://127.0.0.1:1'], io)).resolves.toBe(1);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^invalid: not a receipt: /);
  });
});
