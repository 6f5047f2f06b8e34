import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTree, encodeLeaf } from '@pulseproof/anchor';
import { Reading } from '@pulseproof/contracts';
import { runCli } from './cli';

/** Receipts of one 3-leaf batch, well-formed; the chain fields name a chain nobody serves. */
function receipts() {
  const readings: Reading[] = [0, 1, 2].map((i) => ({
    deviceId: 'bed-1', seq: i, patientId: 'patient-1', deviceTime: 1_795_000_000_000 + i, receivedAt: 1_795_000_000_100 + i,
    measurements: { heart_rate: 70 + i }, salt: `0x${randomBytes(32).toString('hex')}`,
  }));
  const leaves = readings.map(encodeLeaf);
  const tree = buildTree(leaves);
  const proofs = tree.allProofs();
  return readings.map((reading, i) => ({
    version: 1, reading, salt: reading.salt, leaf: leaves[i], proof: proofs[i], root: tree.root, batchId: 1, leafIndex: i, chainId: 31337,
    contract: '0x5FbDB2315678afecb367f032d93F642f64180aa3', txHash: `0x${'ab'.repeat(32)}`, blockNumber: 2, blockHash: `0x${'cd'.repeat(32)}`,
    anchoredAt: '2026-11-22T03:29:18.000Z',
  }));
}

describe('pulseproof audit verify, many receipts', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'pp-verify-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function ndjson(lines: unknown[]): string {
    const file = join(dir, `${randomBytes(4).toString('hex')}.ndjson`);
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n'));
    return file;
  }

  it('ends with N valid, M invalid and the failures counted by kind', async () => {
    const [a, b, c] = receipts();
    const file = ndjson([a, { ...b, leaf: c!.leaf }, { hello: 'auditor' }, { ...c, proof: [] }]);
    const out: string[] = [];
    const err: string[] = [];
    // Offline failures come first; the one receipt that passes them meets an rpc nobody answers.
    await expect(runCli(['audit', 'verify', file, '--rpc', 'http://127.0.0.1:1'], { out: (l) => out.push(l), err: (l) => err.push(l) })).resolves.toBe(1);
    expect(err).toEqual([
      expect.stringMatching(/:1: invalid: reading bed-1:0: rpc unreachable: http:\/\/127\.0\.0\.1:1 /),
      expect.stringMatching(/:2: invalid: reading bed-1:1: leaf does not match the reading/),
      expect.stringMatching(/:3: invalid: not a receipt: /),
      expect.stringMatching(/:4: invalid: reading bed-1:2: proof does not lead to the root/),
    ]);
    expect(out).toEqual(['0 valid, 4 invalid (rpc-unreachable: 1, leaf-mismatch: 1, not-a-receipt: 1, proof-mismatch: 1)']);
  });

  it('on a terminal, shows progress on one rewritten stderr line and clears it before other output', async () => {
    const file = ndjson([...receipts(), ...receipts()].map((r) => ({ ...r, proof: [] })));
    const raw: string[] = [];
    const lines: string[] = [];
    await runCli(['audit', 'verify', file, '--rpc', 'http://127.0.0.1:1'], {
      out: (l) => lines.push(l), err: (l) => lines.push(l), errIsTty: true, errRaw: (t) => raw.push(t),
    });
    expect(raw[0]).toBe('\rchecked 1/6 receipts');
    expect(raw[1]).toBe('\r\x1b[K');
    expect(raw.every((t) => !t.includes('\n'))).toBe(true);
    expect(lines.at(-1)).toBe('0 valid, 6 invalid (proof-mismatch: 6)');
  });

  it('off a terminal, a single receipt prints one line and no summary', async () => {
    const [a] = receipts();
    const file = join(dir, 'one.json');
    writeFileSync(file, JSON.stringify({ ...a, proof: [] }, null, 2));
    const err: string[] = [];
    const out: string[] = [];
    await expect(runCli(['audit', 'verify', file, '--rpc', 'http://127.0.0.1:1'], { out: (l) => out.push(l), err: (l) => err.push(l) })).resolves.toBe(1);
    expect(out).toEqual([]);
    expect(err).toEqual([expect.stringMatching(/^invalid: reading bed-1:0: proof does not lead to the root/)]);
  });
});
