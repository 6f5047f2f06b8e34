import Database from 'better-sqlite3';
import path from 'node:path';
import { Reading } from '@pulseproof/contracts';
import { BatchStore } from '../batch-store';
import { encodeLeaf } from '../leaf';
import { buildTree } from '../merkle';
import { removeDir, sampleReading, tempDir } from '../testing.spec-helper';
import { AnchorRecords } from './anchor-records';
import { RootLookup, RootOnChain } from './chain-roots';
import { AuditFinding, auditRange, isInserted } from './range-audit';
import { SqliteStoredReadings } from './stored-readings';

const CONTRACT = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

/** The contract as a set of anchored roots: which roots are on chain is what this spec varies. */
class KnownRoots implements RootLookup {
  readonly asked: string[] = [];
  constructor(readonly roots: Set<string>) {}
  async anchoredAt(_chainId: number, _contract: string, root: string): Promise<RootOnChain> {
    this.asked.push(root);
    return this.roots.has(root) ? { anchored: true, blockNumber: 2, count: 1 } : { anchored: false, reason: `${root} is unknown` };
  }
}

/**
 * The audit's rules on real SQLite files: ingest's readings table (same schema as the ingest
 * adapter) and anchor.sqlite written by BatchStore. The end-to-end tampering test is
 * test/e2e/audit-range.e2e-spec.ts; here, the cases that are awkward to reach through the pipeline.
 */
describe('auditRange', () => {
  let dir: string;
  let readingsDb: Database.Database;
  let roots: KnownRoots;
  const readings = Array.from({ length: 6 }, (_, i) => sampleReading(i));
  const from = readings[0]!.deviceTime;
  const to = readings[5]!.deviceTime;

  beforeEach(() => {
    dir = tempDir('range-audit');
    readingsDb = new Database(path.join(dir, 'readings.sqlite'));
    readingsDb.exec(`CREATE TABLE readings (device_id TEXT NOT NULL, seq INTEGER NOT NULL, patient_id TEXT NOT NULL, device_time INTEGER NOT NULL,
      received_at INTEGER NOT NULL, measurements TEXT NOT NULL, salt TEXT NOT NULL, PRIMARY KEY (device_id, seq)) WITHOUT ROWID`);
    for (const r of readings) store(r);
    const batches = new BatchStore(dir);
    batches.insertLeaves(readings.map((r) => ({ deviceId: r.deviceId, seq: r.seq, reading: JSON.stringify(r), leaf: encodeLeaf(r), deviceTime: r.deviceTime })));
    const batch = batches.sealBatch(3, (leaves) => buildTree(leaves).root)!;
    const second = batches.sealBatch(3, (leaves) => buildTree(leaves).root)!;
    batches.close();
    // Both batches on chain; status written as BatchStore's anchoring does.
    const anchor = new Database(path.join(dir, 'anchor.sqlite'));
    anchor.prepare(`UPDATE batches SET status = 'confirmed', chain_id = 31337, contract = ?`).run(CONTRACT);
    anchor.close();
    roots = new KnownRoots(new Set([batch.root, second.root]));
  });

  afterEach(() => {
    readingsDb.close();
    removeDir(dir);
  });

  function store(r: Reading) {
    readingsDb
      .prepare('INSERT INTO readings VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(r.deviceId, r.seq, r.patientId, r.deviceTime, r.receivedAt, JSON.stringify(r.measurements), r.salt);
  }

  async function audit(range = { from, to }) {
    const stored = new SqliteStoredReadings(path.join(dir, 'readings.sqlite'));
    const records = new AnchorRecords(path.join(dir, 'anchor.sqlite'));
    try {
      return await auditRange({ ...range, readings: stored, records, roots });
    } finally {
      stored.close();
      records.close();
    }
  }
  const kinds = (findings: AuditFinding[]) => findings.map((f) => `${f.kind} ${f.reading ?? f.batchId}`);

  it('a clean store: every batch checked, one chain lookup per root', async () => {
    const report = await audit();
    expect(report.findings).toEqual([]);
    expect(report).toMatchObject({ batchesChecked: 2, readingsChecked: 6, readingsPending: 0 });
    expect(roots.asked).toHaveLength(2);
  });

  it('a root the contract does not know is not-on-chain', async () => {
    roots.roots.clear();
    expect(kinds((await audit()).findings)).toEqual(['not-on-chain 1', 'not-on-chain 2']);
  });

  it('edited anchor records (a leaf replaced to match an altered reading) are a root-mismatch', async () => {
    const anchor = new Database(path.join(dir, 'anchor.sqlite'));
    const forged = { ...readings[1]!, measurements: { ...readings[1]!.measurements, heart_rate: 150 } };
    anchor.prepare('UPDATE leaves SET leaf = ? WHERE device_id = ? AND seq = ?').run(encodeLeaf(forged), forged.deviceId, forged.seq);
    anchor.close();
    readingsDb.prepare('UPDATE readings SET measurements = ? WHERE device_id = ? AND seq = ?').run(JSON.stringify(forged.measurements), forged.deviceId, forged.seq);
    expect(kinds((await audit()).findings)).toEqual(['root-mismatch 1']);
  });

  it('a batch record deleted from the anchor records is a root-mismatch, once', async () => {
    const anchor = new Database(path.join(dir, 'anchor.sqlite'));
    anchor.pragma('foreign_keys = OFF');
    anchor.prepare('DELETE FROM batches WHERE id = 2').run();
    anchor.close();
    expect(kinds((await audit()).findings)).toEqual(['root-mismatch 2']);
  });

  it('a recorded leaf edited into something that is not a hash is a root-mismatch, not a crash', async () => {
    const anchor = new Database(path.join(dir, 'anchor.sqlite'));
    anchor.prepare(`UPDATE leaves SET leaf = 'gone' WHERE device_id = ? AND seq = ?`).run(readings[0]!.deviceId, readings[0]!.seq);
    anchor.close();
    expect(kinds((await audit()).findings)).toEqual(['root-mismatch 1', `altered ${readings[0]!.deviceId}:${readings[0]!.seq}`]);
  });

  it('a reading whose device time was moved into the range is named altered', async () => {
    const r = readings[4]!;
    readingsDb.prepare('UPDATE readings SET device_time = ? WHERE device_id = ? AND seq = ?').run(from - 5_000, r.deviceId, r.seq);
    const report = await audit({ from: from - 10_000, to: from - 1 });
    expect(kinds(report.findings)).toEqual([`altered ${r.deviceId}:${r.seq}`]);
  });

  it('a stored reading without a leaf is pending until the anchor service has moved past it', async () => {
    const stray = sampleReading(7, { deviceTime: from + 500, receivedAt: Date.now() + 3_600_000 });
    store(stray);
    const report = await audit();
    expect(report.findings).toEqual([]);
    expect(report.readingsPending).toBe(1);
    expect(isInserted({ receivedAt: 1_000 }, 62_000, 60_000)).toBe(true);
    expect(isInserted({ receivedAt: 1_000 }, 61_000, 60_000)).toBe(false);
    expect(isInserted({ receivedAt: 1_000 }, null, 60_000)).toBe(false);
  });

  it('an edit that leaves the reading unencodable (a broken salt) is altered, not a crash', async () => {
    const r = readings[0]!;
    readingsDb.prepare('UPDATE readings SET salt = ? WHERE device_id = ? AND seq = ?').run('not a salt', r.deviceId, r.seq);
    const [finding] = (await audit()).findings;
    expect(finding).toMatchObject({ kind: 'altered', reading: `${r.deviceId}:${r.seq}`, detail: expect.stringContaining('unencodable') });
  });
});
