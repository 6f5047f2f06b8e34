import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { deviceMessageSchema, normaliseMeasurements, Reading } from '@pulseproof/contracts';
import { encodeLeaf } from './leaf';

/**
 * docs/leaf-encoding.md §4 "With cast": the leaf of a real reading recomputed by Foundry's `cast`
 * (a Rust ABI encoder and Keccak, nothing shared with ethers), run from node_modules, offline.
 */
const CAST = path.join(path.dirname(require.resolve('@foundry-rs/cast-linux-amd64/package.json')), 'bin', 'cast');
const SIGNATURE = 'f(uint8,bytes32,string,uint64,string,uint64,string[],int256[])';

const cast = (...args: string[]): string => execFileSync(CAST, args, { encoding: 'utf8' }).trim();

/** The steps of the document, one cast call each. */
function leafWithCast(r: Reading): string {
  const codes = Object.keys(r.measurements).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const values = codes.map((c) => BigInt(Math.round((r.measurements as Record<string, number>)[c]! * 1000)).toString());
  const encoded = cast(
    'abi-encode', SIGNATURE, '1', r.salt, r.deviceId, String(r.seq), r.patientId, String(r.deviceTime),
    `[${codes.map((c) => JSON.stringify(c)).join(',')}]`, `[${values.join(',')}]`,
  );
  const inner = cast('keccak', encoded);
  return cast('keccak', inner);
}

describe('leaf encoding v1, recomputed with cast', () => {
  it('cast gives the fixed vector of docs/leaf-encoding.md', () => {
    const vector: Reading = {
      deviceId: 'bed-12-monitor', seq: 1731, patientId: 'patient-0042', deviceTime: 1795000000000, receivedAt: 1795000000120,
      measurements: { spo2: 95, heart_rate: 88, temperature: 37.25 },
      salt: '0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
    };
    expect(leafWithCast(vector)).toBe('0x4a9746f32b03d6420ab97f0fb901c2af7e958d0145059f83fdbf0aeb776fb698');
  });

  it('cast and encodeLeaf agree on a reading built the way ingest builds one', () => {
    // A device message through the wire schema and ingest's normalisation, with a fresh salt.
    const message = deviceMessageSchema.parse({
      v: 1, deviceId: 'ward-3.bed_7-monitor', seq: 9_007_199_254, ts: 1_795_000_123_456,
      measurements: {
        temperature: { value: 38.4567, unit: 'Cel' }, heart_rate: { value: 131, unit: '/min' },
        spo2: { value: 91.5, unit: '%' }, consciousness: { value: 1, unit: '{ACVPU}' },
        systolic_bp: { value: 89.0004, unit: 'mm[Hg]' }, respiratory_rate: { value: 25, unit: '/min' },
      },
    });
    const reading: Reading = {
      deviceId: message.deviceId, seq: message.seq, patientId: 'patient-ünïcode-7', deviceTime: message.ts,
      receivedAt: message.ts + 150, measurements: normaliseMeasurements(message), salt: `0x${randomBytes(32).toString('hex')}`,
    };
    expect(leafWithCast(reading)).toBe(encodeLeaf(reading));
  });
});
