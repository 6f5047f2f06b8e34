import { keccak256 } from 'ethers';
import { Reading, toFixedPoint } from '@pulseproof/contracts';
import { AnchorError } from './errors';

/**
 * Leaf encoding, version 1 (the normative text is docs/leaf-encoding.md):
 *
 *   leaf = keccak256(bytes.concat(keccak256(abi.encode(
 *            uint8 version = 1, bytes32 salt, string deviceId, uint64 seq, string patientId,
 *            uint64 deviceTime, string[] codes, int256[] values))))
 *
 * - codes are the measurement codes sorted ascending by their UTF-8 bytes; values[i] is the value of
 *   codes[i] as a fixed-point integer (value × 10^3, VALUE_DECIMALS): floats never enter the hash.
 * - The outer hash of the 32-byte inner hash is OpenZeppelin StandardMerkleTree's leaf double
 *   hashing: a leaf preimage is 32 bytes of hash, never 64 bytes that could pass for an inner node,
 *   which rules out second-preimage proofs of a node as a leaf.
 * - The salt (32 random bytes drawn by ingest) keeps a leaf from being brute-forced back to the
 *   patient and values it commits to; roots on chain reveal nothing.
 */
export const LEAF_VERSION = 1;

/** The ABI types of the inner encoding, in order. */
export const LEAF_ABI_TYPES = ['uint8', 'bytes32', 'string', 'uint64', 'string', 'uint64', 'string[]', 'int256[]'] as const;

/** The fields of a reading a leaf commits to (the reading minus receivedAt, which is ingest's clock). */
export type LeafInput = Pick<Reading, 'salt' | 'deviceId' | 'seq' | 'patientId' | 'deviceTime' | 'measurements'>;

export type LeafValues = [number, string, string, bigint, string, bigint, string[], bigint[]];

const SALT = /^0x[0-9a-fA-F]{64}$/;
const MAX_UINT64 = 2n ** 64n - 1n;
const MAX_INT256 = 2n ** 255n - 1n;
const MIN_INT256 = -(2n ** 255n);

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function uint64(name: string, value: unknown): bigint {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || BigInt(value) > MAX_UINT64) {
    throw new AnchorError('ANCHOR_E_BAD_READING', `${name} must be a non-negative integer`);
  }
  return BigInt(value);
}

function text(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new AnchorError('ANCHOR_E_BAD_READING', `${name} must be a non-empty string`);
  return value;
}

/** The values `abi.encode` receives, in LEAF_ABI_TYPES order. */
export function leafValues(reading: LeafInput): LeafValues {
  if (typeof reading.salt !== 'string' || !SALT.test(reading.salt)) {
    throw new AnchorError('ANCHOR_E_BAD_READING', 'salt must be 0x followed by 64 hex digits');
  }
  const measurements = (reading.measurements ?? {}) as Record<string, number | undefined>;
  const codes = Object.keys(measurements)
    .filter((code) => measurements[code] !== undefined)
    .sort(byteOrder);
  const values = codes.map((code) => {
    const value = measurements[code];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new AnchorError('ANCHOR_E_BAD_READING', `measurement ${code} must be a finite number`);
    }
    const fixed = toFixedPoint(value);
    // int256 holds it, or the hand-written encoding below would wrap where abi.encode refuses
    if (fixed < MIN_INT256 || fixed > MAX_INT256) throw new AnchorError('ANCHOR_E_BAD_READING', `measurement ${code} is out of the int256 range`);
    return fixed;
  });
  return [
    LEAF_VERSION,
    reading.salt.toLowerCase(),
    text('deviceId', reading.deviceId),
    uint64('seq', reading.seq),
    text('patientId', reading.patientId),
    uint64('deviceTime', reading.deviceTime),
    codes,
    values,
  ];
}

const WORD = 32;

/** `value` as one big-endian 32-byte word (uint8, uint64 and int256 in two's complement alike). */
function wordHex(value: bigint | number): string {
  return BigInt.asUintN(256, BigInt(value)).toString(16).padStart(64, '0');
}

/** A dynamic `string`: its byte length, then its UTF-8 bytes right-padded with zeros to whole words. */
function stringHex(value: string): string {
  const bytes = Buffer.from(value, 'utf8');
  const padded = Buffer.alloc(Math.ceil(bytes.length / WORD) * WORD);
  bytes.copy(padded);
  return wordHex(bytes.length) + padded.toString('hex');
}

/**
 * abi.encode(...) of the leaf fields: the bytes whose hash is hashed again. Written out for this one
 * signature (Solidity ABI spec, "Formal Specification of the Encoding": a head of 8 words, static
 * values in place and dynamic ones as byte offsets from the start of the encoding, then the tails in
 * order; a `string[]` is its length, then offsets relative to the word after the length, then each
 * string). It produces the same bytes as ethers' AbiCoder (leaf.spec.ts compares them over random
 * readings) about ten times faster, which matters because every reading is encoded once.
 */
export function encodeLeafPreimage(reading: LeafInput): string {
  const [version, salt, deviceId, seq, patientId, deviceTime, codes, values] = leafValues(reading);
  const deviceIdTail = stringHex(deviceId);
  const patientIdTail = stringHex(patientId);
  const codeTails = codes.map(stringHex);
  let codesTail = wordHex(codes.length);
  let inner = codes.length * WORD;
  for (const tail of codeTails) {
    codesTail += wordHex(inner);
    inner += tail.length / 2;
  }
  codesTail += codeTails.join('');
  const valuesTail = wordHex(values.length) + values.map(wordHex).join('');
  const head = 8 * WORD;
  const deviceIdAt = head;
  const patientIdAt = deviceIdAt + deviceIdTail.length / 2;
  const codesAt = patientIdAt + patientIdTail.length / 2;
  const valuesAt = codesAt + codesTail.length / 2;
  return (
    '0x' +
    wordHex(version) +
    salt.slice(2) +
    wordHex(deviceIdAt) +
    wordHex(seq) +
    wordHex(patientIdAt) +
    wordHex(deviceTime) +
    wordHex(codesAt) +
    wordHex(valuesAt) +
    deviceIdTail +
    patientIdTail +
    codesTail +
    valuesTail
  );
}

/** The leaf of a reading, 0x-prefixed lowercase hex of 32 bytes. */
export function encodeLeaf(reading: LeafInput): string {
  return keccak256(keccak256(Buffer.from(encodeLeafPreimage(reading).slice(2), 'hex')));
}
