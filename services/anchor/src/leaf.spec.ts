import { AbiCoder, keccak256 } from 'ethers';
import { Reading } from '@pulseproof/contracts';
import { LEAF_ABI_TYPES, encodeLeaf, encodeLeafPreimage, leafValues } from './leaf';

/** The fixed vector of docs/leaf-encoding.md; any other implementation must reproduce it. */
const VECTOR: Reading = {
  deviceId: 'bed-12-monitor',
  seq: 1731,
  patientId: 'patient-0042',
  deviceTime: 1795000000000,
  receivedAt: 1795000000120,
  measurements: { spo2: 95, heart_rate: 88, temperature: 37.25 },
  salt: '0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
};
const VECTOR_LEAF = '0x4a9746f32b03d6420ab97f0fb901c2af7e958d0145059f83fdbf0aeb776fb698';

/** The spec's formula written out again, independently of leaf.ts. */
function recompute(r: Reading): string {
  const codes = Object.keys(r.measurements).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const values = codes.map((c) => BigInt(Math.round((r.measurements as Record<string, number>)[c]! * 1000)));
  const inner = keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ['uint8', 'bytes32', 'string', 'uint64', 'string', 'uint64', 'string[]', 'int256[]'],
      [1, r.salt, r.deviceId, r.seq, r.patientId, r.deviceTime, codes, values],
    ),
  );
  return keccak256(inner);
}

describe('leaf encoding v1', () => {
  it('matches an independent recomputation with the ABI coder', () => {
    expect(encodeLeaf(VECTOR)).toBe(recompute(VECTOR));
    expect(LEAF_ABI_TYPES).toEqual(['uint8', 'bytes32', 'string', 'uint64', 'string', 'uint64', 'string[]', 'int256[]']);
  });

  it('reproduces the fixed vector of docs/leaf-encoding.md', () => {
    expect(encodeLeaf(VECTOR)).toBe(VECTOR_LEAF);
  });

  it('hashes fixed-point integers in code order, whatever the key order of the reading', () => {
    const reordered = { ...VECTOR, measurements: { temperature: 37.25, heart_rate: 88, spo2: 95 } };
    expect(encodeLeaf(reordered)).toBe(encodeLeaf(VECTOR));
    const [, , , , , , codes, values] = AbiCoder.defaultAbiCoder().decode(LEAF_ABI_TYPES, encodeLeafPreimage(VECTOR));
    expect([...codes]).toEqual(['heart_rate', 'spo2', 'temperature']);
    expect([...values]).toEqual([88000n, 95000n, 37250n]);
  });

  it('commits to every field but receivedAt', () => {
    const leaf = encodeLeaf(VECTOR);
    expect(encodeLeaf({ ...VECTOR, receivedAt: 1 })).toBe(leaf);
    const changes: Partial<Reading>[] = [
      { salt: `0x${'00'.repeat(31)}01` },
      { deviceId: 'bed-13-monitor' },
      { seq: 1732 },
      { patientId: 'patient-0043' },
      { deviceTime: 1795000000001 },
      { measurements: { ...VECTOR.measurements, temperature: 37.251 } },
      { measurements: { heart_rate: 88, spo2: 95 } },
    ];
    for (const change of changes) expect(encodeLeaf({ ...VECTOR, ...change })).not.toBe(leaf);
  });

  it('refuses readings it cannot encode faithfully', () => {
    expect(() => encodeLeaf({ ...VECTOR, salt: '0x1234' })).toThrow('ANCHOR_E_BAD_READING');
    expect(() => encodeLeaf({ ...VECTOR, seq: -1 })).toThrow('ANCHOR_E_BAD_READING');
    expect(() => encodeLeaf({ ...VECTOR, deviceTime: 1.5 })).toThrow('ANCHOR_E_BAD_READING');
    expect(() => encodeLeaf({ ...VECTOR, measurements: { heart_rate: Number.NaN } })).toThrow('ANCHOR_E_BAD_READING');
    // beyond int256: abi.encode refuses it, so the hand-written encoder must not wrap it
    expect(() => encodeLeaf({ ...VECTOR, measurements: { heart_rate: 1e80 } })).toThrow('int256');
  });

  it('writes the same bytes as the ABI coder for any reading (random readings, seeded)', () => {
    let state = 0x9e3779b9;
    const next = () => ((state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
    // lengths around the 32-byte word boundary, multi-byte UTF-8, empty and long arrays, negative values
    const texts = ['a', 'x'.repeat(31), 'y'.repeat(32), 'z'.repeat(33), 'bed-12-monitor', 'pâtient-ß-0042', '病床-7', 'w'.repeat(95)];
    const codes = ['heart_rate', 'spo2', 'temperature', 'systolic_bp', 'respiratory_rate', 'consciousness', 'c', 'ü'.repeat(20)];
    for (let i = 0; i < 300; i++) {
      const measurements: Record<string, number> = {};
      for (const code of codes) if (next() < 0.5) measurements[code] = Math.round((next() - 0.5) * 2e9) / 1000;
      const reading = {
        salt: `0x${Array.from({ length: 32 }, () => Math.floor(next() * 256).toString(16).padStart(2, '0')).join('')}`,
        deviceId: pick(texts),
        seq: Math.floor(next() * Number.MAX_SAFE_INTEGER),
        patientId: pick(texts),
        deviceTime: Math.floor(next() * 2e12),
        measurements,
      };
      expect(encodeLeafPreimage(reading)).toBe(AbiCoder.defaultAbiCoder().encode(LEAF_ABI_TYPES, leafValues(reading)));
    }
  });
});
