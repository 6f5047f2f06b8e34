import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SequenceGapStore } from './sequence-gap-store';

describe('SequenceGapStore (real SQLite)', () => {
  let dir: string;
  let store: SequenceGapStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pp-gaps-'));
    store = new SequenceGapStore(join(dir, 'sequence-gaps.sqlite'));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = (deviceId?: string) => store.query({ ...(deviceId && { deviceId }), open: true, limit: 100 }).map(({ from, to, count }) => ({ from, to, count }));

  it('starts a device where its first reading is, and opens a gap on a jump past last+1', async () => {
    await store.observe('bed-1', 100, 1);
    await store.observe('bed-1', 101, 2);
    expect(open()).toEqual([]);
    await store.observe('bed-1', 105, 3);
    expect(store.query({ open: true, limit: 10 })).toEqual([{ id: 1, deviceId: 'bed-1', from: 102, to: 104, count: 3, detectedAt: 3 }]);
    expect(store.totals()).toEqual({ open: 1, missing: 3, detected: 1 });
  });

  it('opens no gap for readings another ingest instance sharing the file stored meanwhile', async () => {
    const other = new SequenceGapStore(join(dir, 'sequence-gaps.sqlite'));
    try {
      await store.observe('bed-1', 10, 1); // this instance remembers 10 as bed-1's highest
      for (let seq = 11; seq <= 20; seq++) await other.observe('bed-1', seq, 2); // the share group gave 11..20 to the other
      await store.observe('bed-1', 21, 3);
      expect(open()).toEqual([]);
      await other.observe('bed-1', 23, 4); // 22 missing, seen by the other instance
      expect(open()).toEqual([{ from: 22, to: 22, count: 1 }]);
      await store.observe('bed-1', 22, 5); // arrives here: closes the gap the other opened
      expect(open()).toEqual([]);
      expect(store.totals()).toEqual({ open: 0, missing: 0, detected: 1 });
    } finally {
      other.close();
    }
  });

  it('shrinks, splits and closes a gap as the missing readings arrive, and ignores redeliveries', async () => {
    await store.observe('bed-1', 1, 1);
    await store.observe('bed-1', 10, 2); // missing 2..9
    await store.observe('bed-1', 2, 3);
    expect(open()).toEqual([{ from: 3, to: 9, count: 7 }]);
    await store.observe('bed-1', 9, 4);
    await store.observe('bed-1', 5, 5);
    expect(open().sort((a, b) => a.from - b.from)).toEqual([{ from: 3, to: 4, count: 2 }, { from: 6, to: 8, count: 3 }]);
    await store.observe('bed-1', 5, 6);
    await store.observe('bed-1', 10, 6);
    expect(store.totals()).toEqual({ open: 2, missing: 5, detected: 1 });
    for (const seq of [3, 4, 6, 7, 8]) await store.observe('bed-1', seq, 7);
    expect(open()).toEqual([]);
    const closed = store.query({ open: false, limit: 10 });
    expect(closed).toHaveLength(2);
    expect(closed.every((gap) => gap.count === 0 && gap.closedAt === 7 && gap.detectedAt === 2)).toBe(true);
  });

  it('applies observations committed together in their order', async () => {
    await store.observe('bed-1', 1, 1);
    await Promise.all([store.observe('bed-1', 5, 2), store.observe('bed-1', 3, 2), store.observe('bed-1', 9, 2)]);
    expect(open().sort((a, b) => a.from - b.from)).toEqual([{ from: 2, to: 2, count: 1 }, { from: 4, to: 4, count: 1 }, { from: 6, to: 8, count: 3 }]);
  });

  it('keeps devices apart and survives a restart', async () => {
    await store.observe('bed-1', 1, 1);
    await store.observe('bed-2', 50, 1);
    await store.observe('bed-1', 3, 2);
    store.close();
    store = new SequenceGapStore(join(dir, 'sequence-gaps.sqlite'));
    await store.observe('bed-2', 53, 3);
    expect(open('bed-1')).toEqual([{ from: 2, to: 2, count: 1 }]);
    expect(open('bed-2')).toEqual([{ from: 51, to: 52, count: 2 }]);
    await store.observe('bed-1', 2, 4);
    expect(store.totals()).toEqual({ open: 1, missing: 2, detected: 2 });
  });
});
