import { ID_PATTERN, MeasurementCode, isMeasurementCode, toFixedPoint } from '@pulseproof/contracts';
import { crc16CcittFalse, formatCrc } from './crc16';
import { BridgeError, BridgeErrorCode } from './errors';

/**
 * Serial frame format v1 (docs/serial-protocol.md), one reading per ASCII line, NMEA-0183 style:
 *
 *   $PP1,<deviceId>,<seq>,<ts>,<code>=<value>;<code>=<value>...*<CRC>\r\n
 */
export const FRAME_VERSION = 'PP1';
/** A frame, `$` through the line end included, never exceeds this many bytes (§5). */
export const MAX_FRAME_BYTES = 512;

/** What one frame says: values in the catalogue's unit, at most 3 decimals. */
export interface FrameReading {
  readonly deviceId: string;
  readonly seq: number;
  readonly ts: number;
  readonly measurements: Readonly<Partial<Record<MeasurementCode, number>>>;
}

const DOLLAR = 0x24;
const LF = 0x0a;
const CR = 0x0d;

const COUNTER = /^\d{1,16}$/;
// At most 12 integer digits and 3 decimals keeps every value exact in a double (§2).
const VALUE = /^-?\d{1,12}(\.\d{1,3})?$/;
const TRAILER = /^\*([0-9A-Fa-f]{4})$/;

/** The decimal text of a value: fixed-point to 3 decimals, trailing zeros dropped, no `-0`. */
export function formatValue(value: number): string {
  const milli = toFixedPoint(value);
  const negative = milli < 0n;
  const abs = negative ? -milli : milli;
  let text = (abs / 1000n).toString();
  const fraction = abs % 1000n;
  if (fraction !== 0n) text += '.' + fraction.toString().padStart(3, '0').replace(/0+$/, '');
  return negative ? `-${text}` : text;
}

/** Encodes one reading as a complete frame with `\r\n`; throws BRIDGE_E_FIELD/FRAME on what no receiver would accept. */
export function encodeFrame(reading: FrameReading): string {
  if (!ID_PATTERN.test(reading.deviceId)) throw new BridgeError('BRIDGE_E_FIELD', 'deviceId');
  for (const [name, n] of [['seq', reading.seq], ['ts', reading.ts]] as const) {
    if (!Number.isSafeInteger(n) || n < 0) throw new BridgeError('BRIDGE_E_FIELD', name);
  }
  const entries = Object.entries(reading.measurements);
  if (entries.length === 0) throw new BridgeError('BRIDGE_E_FIELD', 'no measurements');
  const pairs = entries.map(([code, value]) => {
    if (!isMeasurementCode(code)) throw new BridgeError('BRIDGE_E_FIELD', `unknown code ${code.slice(0, 32)}`);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new BridgeError('BRIDGE_E_FIELD', `value of ${code}`);
    const text = formatValue(value);
    if (!VALUE.test(text)) throw new BridgeError('BRIDGE_E_FIELD', `value of ${code} out of range`);
    return `${code}=${text}`;
  });
  const body = `${FRAME_VERSION},${reading.deviceId},${reading.seq},${reading.ts},${pairs.join(';')}`;
  const frame = `$${body}*${formatCrc(crc16CcittFalse(Buffer.from(body, 'ascii')))}\r\n`;
  if (frame.length > MAX_FRAME_BYTES) throw new BridgeError('BRIDGE_E_FRAME', `frame would be ${frame.length} bytes`);
  return frame;
}

/**
 * Decodes one complete frame (`$` through the line end, the line end optional). Checks in the
 * order of §4: syntax, CRC, version, fields, so a corrupted frame reports BRIDGE_E_CRC rather than
 * whatever field the corruption happened to hit.
 */
export function decodeFrame(frame: Uint8Array | string): FrameReading {
  // utf8: a non-ASCII character becomes bytes >= 0x80, which the syntax check refuses.
  const bytes = typeof frame === 'string' ? Buffer.from(frame, 'utf8') : frame;
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === LF) end--;
  if (end > 0 && bytes[end - 1] === CR) end--;
  if (bytes.length > MAX_FRAME_BYTES) throw new BridgeError('BRIDGE_E_FRAME', 'too long');
  if (bytes[0] !== DOLLAR) throw new BridgeError('BRIDGE_E_FRAME', 'no $');
  for (let i = 1; i < end; i++) {
    const b = bytes[i]!;
    if (b < 0x20 || b > 0x7e || b === DOLLAR) throw new BridgeError('BRIDGE_E_FRAME', `byte 0x${b.toString(16)} at ${i}`);
  }
  const text = Buffer.from(bytes.subarray(0, end)).toString('latin1');
  const star = text.length - 5;
  const trailer = star > 0 ? TRAILER.exec(text.slice(star)) : null;
  if (!trailer) throw new BridgeError('BRIDGE_E_FRAME', 'no *CRC trailer');
  if (parseInt(trailer[1]!, 16) !== crc16CcittFalse(bytes, 1, star)) throw new BridgeError('BRIDGE_E_CRC');
  return parseBody(text.slice(1, star));
}

function parseBody(body: string): FrameReading {
  const fields = body.split(',');
  const version = fields[0]!;
  if (version !== FRAME_VERSION) {
    throw new BridgeError(/^PP\d+$/.test(version) ? 'BRIDGE_E_VERSION' : 'BRIDGE_E_FRAME', 'version');
  }
  if (fields.length !== 5) throw new BridgeError('BRIDGE_E_FRAME', `${fields.length} fields, expected 5`);
  const [, deviceId, seqText, tsText, list] = fields as [string, string, string, string, string];
  if (!ID_PATTERN.test(deviceId)) throw new BridgeError('BRIDGE_E_FIELD', 'deviceId');
  const seq = parseCounter(seqText, 'seq');
  const ts = parseCounter(tsText, 'ts');
  const measurements: Partial<Record<MeasurementCode, number>> = {};
  for (const pair of list.split(';')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new BridgeError('BRIDGE_E_FRAME', 'measurement without code=value');
    const code = pair.slice(0, eq);
    const valueText = pair.slice(eq + 1);
    if (!isMeasurementCode(code)) throw new BridgeError('BRIDGE_E_FIELD', 'unknown measurement code');
    if (code in measurements) throw new BridgeError('BRIDGE_E_FIELD', `duplicate ${code}`);
    if (!VALUE.test(valueText)) throw new BridgeError('BRIDGE_E_FIELD', `value of ${code}`);
    measurements[code] = Number(valueText) + 0; // + 0 turns "-0" into 0
  }
  return { deviceId, seq, ts, measurements };
}

function parseCounter(text: string, name: string): number {
  const n = COUNTER.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) throw new BridgeError('BRIDGE_E_FIELD', name);
  return n;
}

/** One thing the decoder found in the byte stream. */
export type DecodedItem =
  | { readonly kind: 'frame'; readonly frame: FrameReading }
  | { readonly kind: 'error'; readonly error: BridgeError; readonly code: BridgeErrorCode; readonly excerpt: string };

/**
 * Turns a byte stream into frames, resynchronising on `$` (§5): bytes before a `$` are noise and
 * discarded; a second `$` drops the partial frame before it; a frame with no line end within
 * MAX_FRAME_BYTES of its `$` is dropped. Chunk boundaries never change the result.
 */
export class FrameDecoder {
  private readonly buffer = Buffer.alloc(MAX_FRAME_BYTES);
  private length = 0; // 0: hunting for `$`
  private noise = 0;

  /** Bytes discarded while hunting for `$` (line noise, a partial frame from before the port opened). */
  get discardedBytes(): number {
    return this.noise;
  }

  push(chunk: Uint8Array): DecodedItem[] {
    const items: DecodedItem[] = [];
    for (const b of chunk) {
      if (b === DOLLAR) {
        if (this.length > 0) items.push(this.fail('BRIDGE_E_FRAME', 'interrupted by a new $'));
        this.buffer[0] = b;
        this.length = 1;
      } else if (this.length === 0) {
        this.noise++;
      } else {
        this.buffer[this.length++] = b;
        if (b === LF) items.push(this.complete());
        else if (this.length === MAX_FRAME_BYTES) items.push(this.fail('BRIDGE_E_FRAME', 'too long'));
      }
    }
    return items;
  }

  /** The stream ended (port closed): a pending partial frame is reported as cut short. */
  end(): DecodedItem[] {
    return this.length > 0 ? [this.fail('BRIDGE_E_FRAME', 'truncated')] : [];
  }

  private complete(): DecodedItem {
    const bytes = this.buffer.subarray(0, this.length);
    try {
      const frame = decodeFrame(bytes);
      this.length = 0;
      return { kind: 'frame', frame };
    } catch (error) {
      if (!(error instanceof BridgeError)) throw error;
      const item = this.item(error);
      this.length = 0;
      return item;
    }
  }

  private fail(code: BridgeErrorCode, detail: string): DecodedItem {
    const item = this.item(new BridgeError(code, detail));
    this.length = 0;
    return item;
  }

  private item(error: BridgeError): DecodedItem {
    return { kind: 'error', error, code: error.code, excerpt: excerpt(this.buffer.subarray(0, this.length)) };
  }
}

/**
 * Enough of a bad frame to find the device in a log: `$`, version, device id and seq at most,
 * cut before the third `,` or the first `=`, so never a measurement value (STYLE: no measurement
 * values in logs), even from a frame with missing fields; non-printables escaped.
 */
export function excerpt(bytes: Uint8Array): string {
  let out = '';
  let commas = 0;
  for (const b of bytes.subarray(0, 48)) {
    if ((b === 0x2c && ++commas === 3) || b === 0x3d) break;
    out += b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}
