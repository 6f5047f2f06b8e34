import { MEASUREMENTS, MeasurementCode, normaliseValue } from '@pulseproof/contracts';
import { SeededRandom } from '@pulseproof/simulators';

/**
 * Generators of hostile device payloads for the ingest fuzz test, one per category, each with the
 * one dead-letter reason its category must get. Every payload carries exactly one defect on an
 * otherwise valid reading, so the expected reason is unambiguous (decode.ts checks in a fixed order).
 */

const MINUTE = 60_000;
const DAY = 86_400_000;
const EARLIEST = 946_684_800_000; // 2000-01-01

export interface ValidReading {
  readonly v: 1;
  readonly deviceId: string;
  readonly seq: number;
  readonly ts: number;
  readonly measurements: Record<string, { value: number; unit: string }>;
}

/** What a body builder needs to know: who sends, when, and a seq that is never a control's. */
export interface Context {
  readonly rng: SeededRandom;
  readonly deviceId: string;
  readonly otherDeviceIds: readonly string[];
  readonly now: number;
  readonly seq: number;
}

const pick = <T>(rng: SeededRandom, items: readonly T[]): T => items[rng.below(items.length)]!;
const round3 = (value: number) => normaliseValue(value);
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** Plausible values (inside validation/plausibility.ts) with at most 3 decimals. */
const PLAUSIBLE_DRAW: Record<MeasurementCode, (rng: SeededRandom) => number> = {
  heart_rate: (r) => round3(r.between(40, 180)),
  spo2: (r) => round3(r.between(85, 100)),
  respiratory_rate: (r) => round3(r.between(8, 35)),
  systolic_bp: (r) => round3(r.between(100, 200)),
  diastolic_bp: (r) => round3(r.between(40, 95)),
  temperature: (r) => round3(r.between(35, 40.5)),
  skin_temperature: (r) => round3(r.between(28, 37)),
  consciousness: (r) => r.below(5),
  supplemental_oxygen: (r) => r.below(2),
  battery: (r) => round3(r.between(0, 100)),
  motion: (r) => round3(r.between(0, 4)),
  gps_latitude: (r) => Math.round(r.between(-90_000_000, 90_000_000)),
  gps_longitude: (r) => Math.round(r.between(-180_000_000, 180_000_000)),
};
const CODES = Object.keys(MEASUREMENTS) as MeasurementCode[];

/** A valid, plausible reading; `late` puts its device time 6-9 minutes back (READING_LATE_AFTER_MS is 5). */
export function validReading(rng: SeededRandom, deviceId: string, seq: number, now: number, late = false): ValidReading {
  const count = 1 + rng.below(6);
  const codes = new Set<MeasurementCode>();
  while (codes.size < count) codes.add(pick(rng, CODES));
  const measurements: ValidReading['measurements'] = {};
  for (const code of codes) measurements[code] = { value: PLAUSIBLE_DRAW[code](rng), unit: MEASUREMENTS[code].unit };
  const ts = Math.round(late ? now - rng.between(6 * MINUTE, 9 * MINUTE) : now - rng.between(0, 4 * MINUTE));
  return { v: 1, deviceId, seq, ts, measurements };
}

const body = (c: Context) => validReading(c.rng, c.deviceId, c.seq, c.now);
/** The JSON of a valid body with one top-level field's text replaced by `raw`. */
const withRaw = (c: Context, field: string, raw: string) => {
  const text = JSON.stringify({ ...body(c), [field]: '@@RAW@@' });
  return Buffer.from(text.replace('"@@RAW@@"', raw));
};
/** A body whose first measurement is replaced. */
const withMeasurement = (c: Context, code: MeasurementCode, m: unknown) => ({ ...body(c), measurements: { [code]: m } });

export interface Category {
  readonly name: string;
  readonly reason: string;
  readonly count: number;
  readonly make: (c: Context) => Buffer;
}

const GARBAGE = ['', ' ', 'hello', '-', '+1', '.5', '0x10', '01', 'undefined', "{'v':1}", '{"v":1,}', '{"a" 1}', '"open', '{"v":1}{"v":2}', '{"\\x":1}', 'tru', 'nul', '[1,,2]', '{"a":"\u0001"}'];

export const CATEGORIES: readonly Category[] = [
  {
    name: 'bad JSON',
    reason: 'INGEST_E_NOT_JSON',
    count: 800,
    make: (c) => {
      const choice = c.rng.below(3);
      if (choice === 0) return Buffer.from(pick(c.rng, GARBAGE));
      const full = JSON.stringify(body(c));
      if (choice === 1) return Buffer.from(full.slice(0, c.rng.below(full.length))); // truncated
      // '}' first is never valid JSON; no brackets keep the depth check out of it
      let text = '}';
      const length = c.rng.below(200);
      for (let i = 0; i < length; i++) text += String.fromCharCode(32 + c.rng.below(95)).replace(/[[\]{}]/, 'x');
      return Buffer.from(text);
    },
  },
  {
    name: 'NaN/Infinity spelled in JSON',
    reason: 'INGEST_E_NOT_JSON',
    count: 500,
    make: (c) => {
      const word = pick(c.rng, ['NaN', 'Infinity', '-Infinity', '+Infinity', 'nan', 'inf']);
      if (c.rng.below(2) === 0) return withRaw(c, pick(c.rng, ['seq', 'ts']), word);
      const text = JSON.stringify(withMeasurement(c, 'heart_rate', { value: '@@RAW@@', unit: '/min' }));
      return Buffer.from(text.replace('"@@RAW@@"', word));
    },
  },
  {
    name: 'invalid UTF-8',
    reason: 'INGEST_E_NOT_JSON',
    count: 500,
    make: (c) => {
      const bad = pick(c.rng, [[0xff], [0xfe], [0xc0, 0x80], [0x80], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80]]);
      const text = Buffer.from(JSON.stringify(body(c)));
      const at = 1 + c.rng.below(text.length - 2);
      return Buffer.concat([text.subarray(0, at), Buffer.from(bad), text.subarray(at)]);
    },
  },
  {
    name: 'wrong types and shapes',
    reason: 'INGEST_E_SCHEMA',
    count: 1000,
    make: (c) => {
      const b = body(c);
      const variants: unknown[] = [
        { ...b, seq: String(b.seq) }, { ...b, seq: true }, { ...b, seq: null }, { ...b, seq: [1] }, { ...b, seq: -1 }, { ...b, seq: 1.5 },
        { ...b, ts: new Date(b.ts).toISOString() }, { ...b, ts: b.ts + 0.5 }, { ...b, v: '1' }, { ...b, v: 2 }, { ...b, deviceId: 42 },
        { ...b, deviceId: 'bed/#' }, { ...b, measurements: [] }, { ...b, measurements: 'hr=80' }, { ...b, measurements: {} },
        { ...b, patientName: 'x' }, withMeasurement(c, 'heart_rate', { value: '80', unit: '/min' }), withMeasurement(c, 'heart_rate', { value: null, unit: '/min' }),
        withMeasurement(c, 'spo2', { value: 97 }), withMeasurement(c, 'spo2', { value: 97, unit: 7 }), withMeasurement(c, 'spo2', { value: 97, unit: '%', extra: 1 }),
        withMeasurement(c, 'consciousness', { value: 1.5, unit: '{ACVPU}' }), { ...b, measurements: { mood: { value: 1, unit: '1' } } },
        [], [b], null, true, 42, 'reading', { v: 1 },
      ];
      const { seq: _, ...noSeq } = b;
      variants.push(noSeq);
      return json(pick(c.rng, variants));
    },
  },
  {
    name: 'huge numbers',
    reason: 'INGEST_E_SCHEMA',
    count: 500,
    make: (c) => {
      const huge = pick(c.rng, ['1e308', '-1e308', '1e400', '-1e400', '123456789012345678901234567890', '9007199254740993', '1e21']);
      if (c.rng.below(2) === 0) return withRaw(c, pick(c.rng, ['seq', 'ts']), huge.replace('-', ''));
      const code = pick(c.rng, ['heart_rate', 'spo2', 'temperature', 'systolic_bp'] as const);
      const text = JSON.stringify(withMeasurement(c, code, { value: '@@RAW@@', unit: MEASUREMENTS[code].unit }));
      return Buffer.from(text.replace('"@@RAW@@"', huge));
    },
  },
  {
    name: 'huge strings',
    reason: 'INGEST_E_TOO_LONG',
    count: 500,
    make: (c) => {
      const long = pick(c.rng, ['x', 'é', '😀', '\\"']).repeat(65 + c.rng.below(3_000));
      const b = body(c);
      const which = c.rng.below(4);
      if (which === 0) return json({ ...b, deviceId: long });
      if (which === 1) return json(withMeasurement(c, 'spo2', { value: 97, unit: long }));
      if (which === 2) return json({ ...b, [long]: 1 });
      return json({ ...b, measurements: { [long]: { value: 1, unit: '1' } } });
    },
  },
  {
    name: 'deep nesting',
    reason: 'INGEST_E_TOO_DEEP',
    count: 500,
    make: (c) => {
      const depth = 5 + c.rng.below(2_500); // under the size limit at 6 bytes a level
      const nest = (open: string, close: string, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);
      const which = c.rng.below(3);
      if (which === 0) return Buffer.from(nest('[', ']'));
      if (which === 1) return Buffer.from(nest('{"a":', '}'));
      return withRaw(c, 'extra', nest('[', ']'));
    },
  },
  {
    name: '__proto__ and constructor keys',
    reason: 'INGEST_E_HOSTILE_KEY',
    count: 700,
    make: (c) => {
      const key = pick(c.rng, ['__proto__', 'constructor', 'prototype']);
      const value = pick(c.rng, ['{"polluted":true}', '{"prototype":{"polluted":true}}', '1', 'null', '"x"']);
      const text = JSON.stringify(body(c));
      const where = c.rng.below(3);
      if (where === 0) return Buffer.from(`{"${key}":${value},${text.slice(1)}`);
      if (where === 1) return Buffer.from(text.replace('"measurements":{', `"measurements":{"${key}":{"value":1,"unit":"%"},`));
      return Buffer.from(text.replace(/"unit":"([^"]*)"}/, `"unit":"$1","${key}":1}`));
    },
  },
  {
    name: 'unknown units',
    reason: 'INGEST_E_UNIT',
    count: 600,
    make: (c) => {
      const [code, units] = pick(c.rng, [
        ['heart_rate', ['/MIN', 'bpm', 'beats/min', '1/min', '/s', '']],
        ['spo2', ['percent', ' %', '%25', '1']],
        ['systolic_bp', ['mmHg', 'MM[HG]', 'mm[hg]', 'kPa', 'mm[Hg] ']],
        ['temperature', ['cel', 'CEL', 'degC', '°C', '[degF]', 'K']],
        ['consciousness', ['{acvpu}', 'ACVPU', '1']],
      ] as const);
      return json(withMeasurement(c, code, { value: PLAUSIBLE_DRAW[code](c.rng), unit: pick(c.rng, units) }));
    },
  },
  {
    name: 'implausible values',
    reason: 'INGEST_E_IMPLAUSIBLE',
    count: 800,
    make: (c) => {
      const draws: [MeasurementCode, number, number][] = [
        ['heart_rate', 0, 19.9], ['heart_rate', 300.1, 350], ['spo2', 0, 49.9], ['respiratory_rate', 0, 1.9], ['respiratory_rate', 80.1, 150],
        ['systolic_bp', 0, 39.9], ['systolic_bp', 300.1, 350], ['diastolic_bp', 0, 14.9], ['diastolic_bp', 200.1, 300],
        ['temperature', 15, 23.9], ['temperature', 45.1, 46], ['skin_temperature', 0, 9.9], ['skin_temperature', 44.1, 50],
      ];
      if (c.rng.below(5) === 0) {
        const systolic = round3(c.rng.between(60, 140));
        return json({ ...body(c), measurements: { systolic_bp: { value: systolic, unit: 'mm[Hg]' }, diastolic_bp: { value: round3(systolic + c.rng.between(0, 50)), unit: 'mm[Hg]' } } });
      }
      const [code, min, max] = pick(c.rng, draws);
      return json(withMeasurement(c, code, { value: round3(c.rng.between(min, max)), unit: MEASUREMENTS[code].unit }));
    },
  },
  {
    name: 'spoofed device id in the payload',
    reason: 'INGEST_E_DEVICE_MISMATCH',
    count: 600,
    make: (c) => json({ ...body(c), deviceId: c.rng.below(2) === 0 ? pick(c.rng, c.otherDeviceIds) : `spoof-${c.rng.below(1e6)}` }),
  },
  {
    name: 'oversize',
    reason: 'INGEST_E_TOO_LARGE',
    count: 250,
    make: (c) => {
      const text = JSON.stringify(body(c));
      return Buffer.from(text.slice(0, -1) + ' '.repeat(16_385 + c.rng.below(20_000) - text.length) + '}');
    },
  },
  {
    name: 'far-future timestamps',
    reason: 'INGEST_E_TIMESTAMP_FUTURE',
    count: 400,
    make: (c) => json({ ...body(c), ts: Math.round(c.now + c.rng.between(10 * MINUTE, 365 * DAY)) }),
  },
  {
    name: 'timestamps before 2000',
    reason: 'INGEST_E_TIMESTAMP_PAST',
    count: 400,
    make: (c) => json({ ...body(c), ts: c.rng.below(EARLIEST) }),
  },
  {
    name: 'timestamps older than the maximum age',
    reason: 'INGEST_E_TIMESTAMP_TOO_OLD',
    count: 400,
    make: (c) => json({ ...body(c), ts: Math.round(c.now - c.rng.between(8 * DAY, 5 * 365 * DAY)) }),
  },
  {
    name: 'too many measurements',
    reason: 'INGEST_E_TOO_MANY_MEASUREMENTS',
    count: 400,
    make: (c) => {
      const n = 14 + c.rng.below(200);
      return json({ ...body(c), measurements: Object.fromEntries(Array.from({ length: n }, (_, i) => [`m${i}`, { value: 1, unit: '1' }])) });
    },
  },
];
