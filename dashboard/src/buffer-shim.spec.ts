import { encodeLeaf } from '../../services/anchor/src/leaf';
import { processProof } from '../../services/anchor/src/merkle';
import { Buffer as Shim } from './buffer-shim';
import { byUrgency, PatientLive } from './model';

/** Runs `fn` with the browser stand-in as the global Buffer, as the esbuild bundle does. */
function withShim<T>(fn: () => T): T {
  const node = globalThis.Buffer;
  (globalThis as { Buffer: unknown }).Buffer = Shim;
  try {
    return fn();
  } finally {
    globalThis.Buffer = node;
  }
}

describe('the browser stand-in for Buffer used by the leaf encoding', () => {
  // docs/leaf-encoding.md §3
  const vector = {
    deviceId: 'bed-12-monitor',
    seq: 1731,
    patientId: 'patient-0042',
    deviceTime: 1795000000000,
    measurements: { spo2: 95, heart_rate: 88, temperature: 37.25 },
    salt: '0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
  };

  it("gives the anchor service's leaf of the documented test vector", () => {
    expect(withShim(() => encodeLeaf(vector))).toBe('0x4a9746f32b03d6420ab97f0fb901c2af7e958d0145059f83fdbf0aeb776fb698');
  });

  it('gives the same leaves and roots as Node for non-ASCII ids and many measurements', () => {
    const reading = { ...vector, deviceId: 'capteur-é-01', patientId: 'patient-日本-7', measurements: { spo2: 91.5, heart_rate: 131, respiratory_rate: 27, systolic_bp: 88, temperature: 39.125, consciousness: 2 } };
    const proof = ['0x17fcfaac2902bbf6fef61d7c7f8f6ad854669ad8087f0dd43004953c747e0396', '0x68974d3e00543127ba489f51dc8f08d04d66816b5ae3fccf2c49d16cd7beabc8'];
    const node = { leaf: encodeLeaf(reading), root: processProof(encodeLeaf(reading), proof) };
    expect(withShim(() => ({ leaf: encodeLeaf(reading), root: processProof(encodeLeaf(reading), proof) }))).toEqual(node);
  });

  it('orders codes by UTF-8 bytes and decodes hex exactly as Node does', () => {
    const codes = ['spo2', 'heart_rate', 'Zeta', 'éclat', 'e', 'ä', 'a_b', 'ab', '', '日本'];
    const node = [...codes].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
    expect([...codes].sort((a, b) => Shim.compare(Shim.from(a, 'utf8'), Shim.from(b, 'utf8')))).toEqual(node);
    expect([...Shim.from('00ff10ab7f80', 'hex')]).toEqual([...Buffer.from('00ff10ab7f80', 'hex')]);
    expect(() => Shim.from('abc', 'hex')).toThrow(TypeError);
  });
});

describe('the ward order', () => {
  const patient = (patientId: string, total: number, band: PatientLive['news2']['band']): PatientLive => ({
    patientId,
    news2: { total, band, complete: true },
    vitals: {},
    lastMeasuredAt: 1,
    device: 'online',
  });

  it('puts the highest NEWS2 first, a red single score before an equal total, then by id', () => {
    const ward = [patient('a', 1, 'low'), patient('b', 7, 'high'), patient('c', 3, 'low-medium'), patient('d', 3, 'low'), patient('e', 0, 'none')];
    expect(ward.sort(byUrgency).map((p) => p.patientId)).toEqual(['b', 'c', 'd', 'a', 'e']);
  });
});
