import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameReading } from '../frame';
import type { BridgeErrorCode } from '../errors';

/** The shared vectors (test-vectors/frames.json): the TypeScript specs and the C++ host test read the same file. */
export interface FrameVectors {
  readonly valid: readonly { name: string; reading: FrameReading; frame: string; canonical?: false }[];
  readonly invalid: readonly { name: string; bytes: string; error: BridgeErrorCode }[];
  readonly streams: readonly {
    name: string;
    bytes: string;
    expect: readonly ({ frame: FrameReading } | { error: BridgeErrorCode })[];
  }[];
}

export const VECTORS_PATH = join(__dirname, '..', '..', 'test-vectors', 'frames.json');

export function loadVectors(): FrameVectors {
  return JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as FrameVectors;
}

/** Vector byte strings hold one byte per character (latin1), so noise bytes survive JSON. */
export function bytesOf(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/** mulberry32: a tiny seeded PRNG, so a failing fuzz case reproduces from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
