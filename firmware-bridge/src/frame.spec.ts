import { MEASUREMENT_CODES, MeasurementCode } from '@pulseproof/contracts';
import { crc16CcittFalse } from './crc16';
import { BridgeError } from './errors';
import { DecodedItem, FrameDecoder, FrameReading, MAX_FRAME_BYTES, decodeFrame, encodeFrame } from './frame';
import { bytesOf, loadVectors, seededRandom } from './testing/vectors';

const vectors = loadVectors();

/** What a receiver reports for a whole stream: frames as readings, errors as codes. */
type Outcome = { frame: FrameReading } | { error: string };
function outcomes(items: DecodedItem[]): Outcome[] {
  return items.map((item) => (item.kind === 'frame' ? { frame: item.frame } : { error: item.code }));
}

function decodeInChunks(bytes: Buffer, chunkSizes: () => number): Outcome[] {
  const decoder = new FrameDecoder();
  const items: DecodedItem[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = Math.max(1, chunkSizes());
    items.push(...decoder.push(bytes.subarray(at, at + size)));
    at += size;
  }
  return outcomes([...items, ...decoder.end()]);
}

const whole = (bytes: Buffer) => decodeInChunks(bytes, () => bytes.length);
const byteByByte = (bytes: Buffer) => decodeInChunks(bytes, () => 1);
const randomChunks = (bytes: Buffer, seed: number) => {
  const random = seededRandom(seed);
  return decodeInChunks(bytes, () => 1 + Math.floor(random() * 40));
};

describe('CRC-16/CCITT-FALSE', () => {
  it('has the catalogue check value 0x29B1 over "123456789"', () => {
    expect(crc16CcittFalse(Buffer.from('123456789', 'ascii'))).toBe(0x29b1);
  });
});

describe('valid vectors', () => {
  it.each(vectors.valid.map((v) => [v.name, v] as const))('%s', (_name, vector) => {
    const bytes = bytesOf(vector.frame);
    if (vector.canonical !== false) expect(encodeFrame(vector.reading)).toBe(vector.frame);
    expect(decodeFrame(bytes)).toEqual(vector.reading);
    const expected = [{ frame: vector.reading }];
    expect(whole(bytes)).toEqual(expected);
    expect(byteByByte(bytes)).toEqual(expected);
    expect(randomChunks(bytes, 7)).toEqual(expected);
  });
});

describe('invalid vectors', () => {
  it.each(vectors.invalid.map((v) => [v.name, v] as const))('%s', (_name, vector) => {
    const bytes = bytesOf(vector.bytes);
    const expected = [{ error: vector.error }];
    expect(whole(bytes)).toEqual(expected);
    expect(byteByByte(bytes)).toEqual(expected);
    expect(randomChunks(bytes, 11)).toEqual(expected);
  });
});

describe('stream vectors', () => {
  it.each(vectors.streams.map((v) => [v.name, v] as const))('%s', (_name, vector) => {
    const bytes = bytesOf(vector.bytes);
    expect(whole(bytes)).toEqual(vector.expect);
    expect(byteByByte(bytes)).toEqual(vector.expect);
    for (let seed = 1; seed <= 20; seed++) expect(randomChunks(bytes, seed)).toEqual(vector.expect);
  });
});

describe('encodeFrame', () => {
  it('refuses what no receiver would accept, with a coded error', () => {
    const base = { deviceId: 'bed-1', seq: 1, ts: 1, measurements: { heart_rate: 80 } };
    const codeOf = (reading: unknown) => {
      try {
        encodeFrame(reading as FrameReading);
      } catch (error) {
        return (error as BridgeError).code;
      }
      return 'encoded';
    };
    expect(codeOf(base)).toBe('encoded');
    expect(codeOf({ ...base, deviceId: 'bed 1' })).toBe('BRIDGE_E_FIELD');
    expect(codeOf({ ...base, seq: -1 })).toBe('BRIDGE_E_FIELD');
    expect(codeOf({ ...base, ts: 1.5 })).toBe('BRIDGE_E_FIELD');
    expect(codeOf({ ...base, measurements: {} })).toBe('BRIDGE_E_FIELD');
    expect(codeOf({ ...base, measurements: { glucose: 5 } })).toBe('BRIDGE_E_FIELD');
    expect(codeOf({ ...base, measurements: { heart_rate: Number.NaN } })).toBe('BRIDGE_E_FIELD');
  });

  it('keeps 3 decimals, as the store does (VALUE_DECIMALS)', () => {
    const frame = encodeFrame({ deviceId: 'bed-1', seq: 1, ts: 1, measurements: { temperature: 36.12345, spo2: -0.0001 } });
    expect(frame).toContain('temperature=36.123;spo2=0*');
  });
});

describe('error excerpts', () => {
  it('name the device but never carry measurement values', () => {
    const frame = encodeFrame({ deviceId: 'bed-9', seq: 5, ts: 1, measurements: { heart_rate: 142 } });
    const [item] = new FrameDecoder().push(bytesOf(frame.replace('142', '143')));
    expect(item).toMatchObject({ kind: 'error', code: 'BRIDGE_E_CRC', excerpt: '$PP1,bed-9,5' });
    const [short] = new FrameDecoder().push(bytesOf('$PP1,bed-9,heart_rate=142*0000\r\n'));
    expect(short).toMatchObject({ kind: 'error', excerpt: '$PP1,bed-9,heart_rate' });
  });
});

describe('resynchronisation fuzz (seeded)', () => {
  function randomReading(random: () => number, seq: number): FrameReading {
    const measurements: Partial<Record<MeasurementCode, number>> = {};
    for (const code of MEASUREMENT_CODES) {
      if (random() < 0.4) measurements[code] = Math.round((random() * 400 - 50) * 1000) / 1000 + 0; // + 0: no -0
    }
    if (Object.keys(measurements).length === 0) measurements.heart_rate = 70;
    return { deviceId: `dev-${Math.floor(random() * 1000)}`, seq, ts: 1795000000000 + seq * 1000, measurements };
  }

  function noise(random: () => number): Buffer {
    const alphabet = '$*\r\n,;=0123456789ABCDEFPP1heart_rate';
    const length = Math.floor(random() * 24);
    return Buffer.from(
      Array.from({ length }, () => (random() < 0.5 ? Math.floor(random() * 256) : alphabet.charCodeAt(Math.floor(random() * alphabet.length)))),
    );
  }

  it('decodes every intact frame, and nothing it decodes differs from what was sent', () => {
    const random = seededRandom(20261122);
    let intactFrames = 0;
    for (let round = 0; round < 60; round++) {
      const sent: FrameReading[] = [];
      const intact = new Set<number>();
      const parts: Buffer[] = [];
      for (let seq = 0; seq < 50; seq++) {
        const reading = randomReading(random, seq);
        sent.push(reading);
        let frame = Buffer.from(encodeFrame(reading), 'ascii');
        const at = Math.floor(random() * frame.length);
        const damage = random();
        // A UART's usual failures: a byte changed, lost or doubled.
        if (damage < 0.1) frame[at] = Math.floor(random() * 256);
        else if (damage < 0.15) frame = Buffer.concat([frame.subarray(0, at), frame.subarray(at + 1)]);
        else if (damage < 0.2) frame = Buffer.concat([frame.subarray(0, at + 1), frame.subarray(at)]);
        else intact.add(seq);
        parts.push(noise(random), frame);
      }
      const stream = Buffer.concat(parts);
      const decoded = byteByByte(stream);
      expect(randomChunks(stream, round)).toEqual(decoded);
      const frames = decoded.flatMap((o) => ('frame' in o ? [o.frame] : []));
      for (const frame of frames) expect(frame).toEqual(sent[frame.seq]);
      const seqs = new Set(frames.map((f) => f.seq));
      for (const seq of intact) expect(seqs.has(seq)).toBe(true);
      intactFrames += intact.size;
    }
    expect(intactFrames).toBeGreaterThan(2000);
  });

  it('finds no frame in noise alone', () => {
    const random = seededRandom(7);
    const decoder = new FrameDecoder();
    for (let round = 0; round < 2000; round++) {
      const items = decoder.push(noise(random));
      expect(items.filter((item) => item.kind === 'frame')).toEqual([]);
    }
  });

  it('drops a frame at MAX_FRAME_BYTES without a line end, not before', () => {
    const fits = '$' + 'A'.repeat(MAX_FRAME_BYTES - 3) + '\r\n';
    const [atLimit] = new FrameDecoder().push(bytesOf(fits));
    expect(atLimit).toMatchObject({ kind: 'error', code: 'BRIDGE_E_FRAME', error: { message: expect.stringContaining('no *CRC') } });
    const [beyond] = new FrameDecoder().push(bytesOf('$A' + fits.slice(1)));
    expect(beyond).toMatchObject({ kind: 'error', code: 'BRIDGE_E_FRAME', error: { message: expect.stringContaining('too long') } });
  });

  it('never holds more than MAX_FRAME_BYTES of a frame without a line end', () => {
    const decoder = new FrameDecoder();
    const items = decoder.push(Buffer.from('$' + 'A'.repeat(MAX_FRAME_BYTES * 3)));
    expect(outcomes(items)).toEqual([{ error: 'BRIDGE_E_FRAME' }]);
    expect(decoder.end()).toEqual([]);
  });
});
