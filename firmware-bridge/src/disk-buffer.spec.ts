import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DiskBuffer } from './disk-buffer';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-bridge-buffer-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const open = (maxReadings = 100, maxBytes = 1 << 20) => new DiskBuffer({ dir, maxReadings, maxBytes });
const payloads = (buffer: DiskBuffer) => buffer.peekAll().map((row) => row.payload);

describe('DiskBuffer', () => {
  it('hands readings out oldest first, once, and forgets them only on ack', () => {
    const buffer = open();
    for (const p of ['a', 'b', 'c']) buffer.append('bed-1', p);
    const leased = buffer.lease(2);
    expect(leased.map((row) => row.payload)).toEqual(['a', 'b']);
    expect(buffer.lease(5).map((row) => row.payload)).toEqual(['c']);
    buffer.ack(leased[1]!.id);
    expect(payloads(buffer)).toEqual(['a', 'c']);
    expect(buffer.size).toBe(2);
    buffer.close();
  });

  it('keeps what was not acknowledged across a reopen, in order', () => {
    const first = open();
    for (const p of ['a', 'b', 'c']) first.append('bed-1', p);
    first.ack(first.lease(1)[0]!.id);
    first.lease(1); // 'b' in flight when the process dies
    first.close();
    const second = open();
    expect(second.size).toBe(2);
    expect(second.lease(10).map((row) => row.payload)).toEqual(['b', 'c']);
    second.close();
  });

  it('when full drops the oldest reading not in flight, and counts it', () => {
    const buffer = open(3);
    for (const p of ['a', 'b', 'c']) buffer.append('bed-1', p);
    buffer.lease(1); // 'a' is with the broker: its PUBACK decides its fate
    expect(buffer.append('bed-1', 'd')).toBe(1);
    expect(payloads(buffer)).toEqual(['a', 'c', 'd']);
    expect(buffer.dropped).toBe(1);
    buffer.close();
  });

  it('bounds bytes as well as readings', () => {
    const buffer = open(100, 10);
    buffer.append('bed-1', 'aaaa');
    buffer.append('bed-1', 'bbbb');
    buffer.append('bed-1', 'cccc');
    expect(payloads(buffer)).toEqual(['bbbb', 'cccc']);
    expect(buffer.sizeBytes).toBe(8);
    buffer.close();
  });
});
