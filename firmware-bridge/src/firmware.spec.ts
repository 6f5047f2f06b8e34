import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toFixedPoint } from '@pulseproof/contracts';
import { DecodedItem, FrameDecoder, FrameReading, encodeFrame } from './frame';
import { loadVectors, seededRandom } from './testing/vectors';

// The reference firmware's encoder (firmware/pulseproof_monitor/pp_frame.cpp) built with the host's
// g++ and checked against the shared vectors, and its output decoded by the TypeScript decoder.
const FIRMWARE = join(__dirname, '..', 'firmware');
const SKETCH = join(FIRMWARE, 'pulseproof_monitor');
const CXXFLAGS = ['-std=c++11', '-O1', '-Wall', '-Wextra', '-Wpedantic', '-Werror', `-I${SKETCH}`];

jest.setTimeout(120_000);

let dir: string;
let frameTest: string | undefined;

/** The host test program, built once for the tests that need it. */
function frameTestExe(): string {
  if (!frameTest) {
    const exe = join(dir, 'frame_test');
    gxx([join(FIRMWARE, 'test', 'frame_test.cpp'), join(SKETCH, 'pp_frame.cpp'), '-o', exe]);
    frameTest = exe;
  }
  return frameTest;
}

function gxx(args: string[]): void {
  const result = spawnSync('g++', [...CXXFLAGS, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`g++ ${args.join(' ')} failed:\n${result.stderr}`);
}

beforeAll(() => {
  const probe = spawnSync('g++', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    // Not a skip: the firmware encoder is part of the protocol's contract and must be tested.
    throw new Error('g++ is required for the firmware host tests: install it (Debian: apt-get install g++)');
  }
  dir = mkdtempSync(join(tmpdir(), 'pp-firmware-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Decodes a whole stream in seeded random chunks, as a serial port delivers it. */
function decodeStream(bytes: Buffer, seed: number): DecodedItem[] {
  const random = seededRandom(seed);
  const decoder = new FrameDecoder();
  const items: DecodedItem[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + Math.floor(random() * 64);
    items.push(...decoder.push(bytes.subarray(at, at + size)));
    at += size;
  }
  return [...items, ...decoder.end()];
}

const framesOf = (items: DecodedItem[]) => items.map((item) => (item.kind === 'frame' ? item.frame : item.code));

describe('firmware frame encoder (g++ host build)', () => {
  it('encodes every canonical shared vector byte for byte, with the right CRC', () => {
    const exe = frameTestExe();
    const canonical = loadVectors().valid.filter((v) => v.canonical !== false);
    const lines = canonical.map(({ name, reading, frame }) => {
      const milli = Object.entries(reading.measurements).map(([code, value]) => `${code}=${toFixedPoint(value)}`);
      return [name, reading.deviceId, reading.seq, reading.ts, milli.join(';'), frame.replace(/\r\n$/, '')].join('\t');
    });
    const tsv = join(dir, 'vectors.tsv');
    writeFileSync(tsv, lines.join('\n') + '\n');
    const run = spawnSync(exe, [tsv], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`frame_test: ${canonical.length} vectors ok\n`);
  });

  it('emits frames the TypeScript decoder reads back exactly, and TypeScript encodes them identically', () => {
    const output = execFileSync(frameTestExe(), ['--emit', '20261122', '500']);
    const lines = output.toString('latin1').split('\n');
    const expected: FrameReading[] = [];
    const frames: string[] = [];
    for (let i = 0; i + 1 < lines.length; i += 2) {
      const [tag, deviceId, seq, ts, list] = lines[i]!.split('\t') as [string, string, string, string, string];
      expect(tag).toBe('R');
      const measurements = Object.fromEntries(
        list.split(';').map((pair) => {
          const [code, milli] = pair.split('=') as [string, string];
          return [code, Number(milli) / 1000];
        }),
      );
      expected.push({ deviceId, seq: Number(seq), ts: Number(ts), measurements });
      frames.push(`${lines[i + 1]!}\n`);
    }
    expect(expected).toHaveLength(500);
    // C++ -> TypeScript: one continuous stream, chunked as a serial port would deliver it.
    expect(framesOf(decodeStream(Buffer.from(frames.join(''), 'latin1'), 1))).toEqual(expected);
    // TypeScript -> same bytes as C++.
    expect(expected.map((reading) => encodeFrame(reading))).toEqual(frames);
  });
});

describe('reference sketch pulseproof_monitor.ino (host build with an Arduino stub)', () => {
  it('sends one valid frame a second with a consecutive seq', () => {
    const exe = join(dir, 'monitor');
    gxx([
      `-I${join(FIRMWARE, 'test')}`,
      '-include',
      'arduino_host.h',
      '-x',
      'c++',
      join(SKETCH, 'pulseproof_monitor.ino'),
      '-x',
      'none',
      join(SKETCH, 'pp_frame.cpp'),
      join(FIRMWARE, 'test', 'arduino_host.cpp'),
      '-o',
      exe,
    ]);
    const items = decodeStream(execFileSync(exe, ['120']), 2);
    expect(items.filter((item) => item.kind === 'error')).toEqual([]);
    const frames = items.flatMap((item) => (item.kind === 'frame' ? [item.frame] : []));
    expect(frames).toHaveLength(120);
    frames.forEach((frame, i) => {
      expect(frame.deviceId).toBe('bed-12-monitor');
      expect(frame.seq).toBe(i);
      expect(frame.ts).toBe(frames[0]!.ts + i * 1000);
      expect(Object.keys(frame.measurements)).toEqual(['heart_rate', 'spo2', 'respiratory_rate', 'systolic_bp', 'diastolic_bp', 'temperature']);
    });
  });
});
