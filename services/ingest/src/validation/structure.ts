import { MEASUREMENT_CODES } from '@pulseproof/contracts';
import { Rejection } from '../errors';

/** Shape limits checked before the schema: they bound the work a hostile payload can cause. */
export interface StructureLimits {
  /** deepest nesting of objects and arrays; a reading needs 3 (message, measurements, one measurement) */
  readonly maxDepth: number;
  /** longest string value or object key, in UTF-16 code units; a device id is at most 64 */
  readonly maxStringLength: number;
  /** most entries in `measurements`: one per catalogue code */
  readonly maxMeasurements: number;
}

export const DEFAULT_STRUCTURE_LIMITS: StructureLimits = Object.freeze({
  maxDepth: 4,
  maxStringLength: 64,
  maxMeasurements: MEASUREMENT_CODES.length,
});

/**
 * Keys that reach an object's prototype when a payload is merged or assigned naively. JSON.parse
 * itself makes them plain own properties (ECMA-262 JSON.parse uses CreateDataProperty), so they
 * are harmless here; they are refused so no code after ingest ever meets one.
 */
const HOSTILE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The nesting depth of JSON text, scanned before parsing so that a document of 100,000 `[`
 * never reaches the parser's recursion. Brackets inside strings do not count.
 */
export function exceedsDepth(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}

/**
 * Hostile keys, over-long strings and too many measurements in a parsed document (whose depth
 * `exceedsDepth` already bounded). The first problem found is the rejection.
 */
export function checkStructure(json: unknown, limits: StructureLimits): Rejection | undefined {
  const found = walk(json, '', limits);
  if (found) return found;
  const measurements = (json as { measurements?: unknown } | null)?.measurements;
  if (isPlainObject(json) && isPlainObject(measurements)) {
    const count = Object.keys(measurements).length;
    if (count > limits.maxMeasurements) {
      return new Rejection('INGEST_E_TOO_MANY_MEASUREMENTS', `${count} measurements; the limit is ${limits.maxMeasurements}, one per catalogue code`);
    }
  }
  return undefined;
}

function walk(value: unknown, path: string, limits: StructureLimits): Rejection | undefined {
  if (typeof value === 'string') {
    return value.length > limits.maxStringLength
      ? new Rejection('INGEST_E_TOO_LONG', `${path || '(root)'} is ${value.length} characters; the limit is ${limits.maxStringLength}`)
      : undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = walk(value[i], `${path}[${i}]`, limits);
      if (found) return found;
    }
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  for (const key of Object.keys(value)) {
    const where = path ? `${path}.` : '';
    if (HOSTILE_KEYS.has(key)) {
      return new Rejection('INGEST_E_HOSTILE_KEY', `key "${key}" at ${where || '(root)'}: reserved names are never accepted`);
    }
    if (key.length > limits.maxStringLength) {
      return new Rejection('INGEST_E_TOO_LONG', `a key at ${where || '(root)'} is ${key.length} characters; the limit is ${limits.maxStringLength}`);
    }
    const found = walk(value[key], `${where}${key}`, limits);
    if (found) return found;
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
