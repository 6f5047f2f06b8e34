import { MAX_READING_BYTES, mqttTopics } from '@pulseproof/contracts';
import { DeviceMessage } from '@pulseproof/contracts';
import { decodeDeviceMessage } from './decode';
import { Rejection } from './errors';

const NOW = Date.parse('2026-11-22T10:00:00Z');
const topic = mqttTopics.readings('bed-7');
const valid = {
  v: 1,
  deviceId: 'bed-7',
  seq: 41,
  ts: NOW - 1_000,
  measurements: { heart_rate: { value: 88, unit: '/min' }, temperature: { value: 37.25, unit: 'Cel' } },
};
const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
const codeOf = (result: DeviceMessage | Rejection) => (result instanceof Rejection ? result.code : 'accepted');

describe('decodeDeviceMessage', () => {
  it('accepts a valid reading and keeps its values', () => {
    const result = decodeDeviceMessage(topic, bytes(valid), NOW);
    expect(result).not.toBeInstanceOf(Rejection);
    expect((result as DeviceMessage).measurements.temperature).toEqual({ value: 37.25, unit: 'Cel' });
  });

  it.each([
    ['not JSON', '{"v":1,', 'INGEST_E_NOT_JSON'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'INGEST_E_NOT_JSON'],
    ['a JSON array', [], 'INGEST_E_SCHEMA'],
    ['null', 'null', 'INGEST_E_SCHEMA'],
    ['a string seq', { ...valid, seq: '41' }, 'INGEST_E_SCHEMA'],
    ['a negative seq', { ...valid, seq: -1 }, 'INGEST_E_SCHEMA'],
    ['a fractional seq', { ...valid, seq: 1.5 }, 'INGEST_E_SCHEMA'],
    ['a huge number', '{"v":1,"deviceId":"bed-7","seq":1e400,"ts":1,"measurements":{}}', 'INGEST_E_SCHEMA'],
    ['an unknown wire version', { ...valid, v: 2 }, 'INGEST_E_SCHEMA'],
    ['an extra field', { ...valid, patientName: 'x' }, 'INGEST_E_SCHEMA'],
    ['a __proto__ key', `{"v":1,"deviceId":"bed-7","seq":1,"ts":${NOW},"__proto__":{"admin":true},"measurements":{"spo2":{"value":97,"unit":"%"}}}`, 'INGEST_E_HOSTILE_KEY'],
    ['a __proto__ measurement', `{"v":1,"deviceId":"bed-7","seq":1,"ts":${NOW},"measurements":{"__proto__":{"value":1,"unit":"%"}}}`, 'INGEST_E_HOSTILE_KEY'],
    ['a constructor key in a measurement', { ...valid, measurements: { spo2: { value: 97, unit: '%', constructor: { prototype: 1 } } } }, 'INGEST_E_HOSTILE_KEY'],
    ['NaN spelled in JSON', '{"v":1,"deviceId":"bed-7","seq":1,"ts":1,"measurements":{"spo2":{"value":NaN,"unit":"%"}}}', 'INGEST_E_NOT_JSON'],
    ['Infinity spelled in JSON', '{"v":1,"deviceId":"bed-7","seq":1,"ts":1,"measurements":{"spo2":{"value":Infinity,"unit":"%"}}}', 'INGEST_E_NOT_JSON'],
    ['a long string', { ...valid, deviceId: 'b'.repeat(65) }, 'INGEST_E_TOO_LONG'],
    ['a long key', { ...valid, ['k'.repeat(65)]: 1 }, 'INGEST_E_TOO_LONG'],
    ['nesting deeper than a reading needs', { ...valid, measurements: { spo2: { value: 97, unit: '%', extra: { a: [1] } } } }, 'INGEST_E_TOO_DEEP'],
    ['more measurements than the catalogue has', { ...valid, measurements: Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`m${i}`, { value: 1, unit: '1' }])) }, 'INGEST_E_TOO_MANY_MEASUREMENTS'],
    ['no measurements', { ...valid, measurements: {} }, 'INGEST_E_SCHEMA'],
    ['an unknown measurement', { ...valid, measurements: { mood: { value: 1, unit: '1' } } }, 'INGEST_E_SCHEMA'],
    ['a wrong unit', { ...valid, measurements: { temperature: { value: 99, unit: '[degF]' } } }, 'INGEST_E_UNIT'],
    ['a unit in the wrong case', { ...valid, measurements: { temperature: { value: 37, unit: 'cel' } } }, 'INGEST_E_UNIT'],
    ['a unit that is not a string', { ...valid, measurements: { temperature: { value: 37, unit: 7 } } }, 'INGEST_E_SCHEMA'],
    ['a wrong unit and a wrong seq', { ...valid, seq: -1, measurements: { temperature: { value: 37, unit: 'C' } } }, 'INGEST_E_SCHEMA'],
    ['an implausible heart rate', { ...valid, measurements: { heart_rate: { value: 320, unit: '/min' } } }, 'INGEST_E_IMPLAUSIBLE'],
    ['diastolic above systolic', { ...valid, measurements: { systolic_bp: { value: 80, unit: 'mm[Hg]' }, diastolic_bp: { value: 95, unit: 'mm[Hg]' } } }, 'INGEST_E_IMPLAUSIBLE'],
    ['a value out of range', { ...valid, measurements: { spo2: { value: 101, unit: '%' } } }, 'INGEST_E_SCHEMA'],
    ['a fractional ordinal', { ...valid, measurements: { consciousness: { value: 1.5, unit: '{ACVPU}' } } }, 'INGEST_E_SCHEMA'],
    ['a device id with a topic wildcard', { ...valid, deviceId: 'bed/#' }, 'INGEST_E_SCHEMA'],
    ['a device id other than the topic', { ...valid, deviceId: 'bed-8' }, 'INGEST_E_DEVICE_MISMATCH'],
    ['a timestamp far in the future', { ...valid, ts: NOW + 3_600_000 }, 'INGEST_E_TIMESTAMP_FUTURE'],
    ['a timestamp before 2000', { ...valid, ts: 1_000 }, 'INGEST_E_TIMESTAMP_PAST'],
    ['a timestamp older than the maximum age', { ...valid, ts: NOW - 8 * 86_400_000 }, 'INGEST_E_TIMESTAMP_TOO_OLD'],
  ])('refuses %s with its code', (_what, payload, code) => {
    const payloadBytes = Buffer.isBuffer(payload) ? payload : bytes(payload);
    const result = decodeDeviceMessage(topic, payloadBytes, NOW);
    expect(codeOf(result)).toBe(code);
    expect((result as Rejection).detail.length).toBeGreaterThan(0);
  });

  it('refuses an oversized payload before parsing it', () => {
    const huge = Buffer.alloc(MAX_READING_BYTES + 1, 0x20);
    expect(codeOf(decodeDeviceMessage(topic, huge, NOW))).toBe('INGEST_E_TOO_LARGE');
  });

  it('refuses deep nesting before parsing it, brackets inside strings aside', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(codeOf(decodeDeviceMessage(topic, Buffer.from(deep), NOW, { maxPayloadBytes: 1e6, maxClockAheadMs: 0 }))).toBe('INGEST_E_TOO_DEEP');
    const bracketsInString = `{"v":1,"deviceId":"bed-7","seq":1,"ts":${NOW},"x":"[[[[[[\\"{{{{"}`;
    expect(codeOf(decodeDeviceMessage(topic, Buffer.from(bracketsInString), NOW))).toBe('INGEST_E_SCHEMA');
  });

  it('names the UCUM code a wrong unit must be', () => {
    const result = decodeDeviceMessage(topic, bytes({ ...valid, measurements: { systolic_bp: { value: 120, unit: 'mmHg' } } }), NOW) as Rejection;
    expect(result.detail).toContain('"mm[Hg]"');
    expect(result.detail).toContain('"mmHg"');
  });

  it('never says the value it refused as implausible (it may be patient data)', () => {
    const result = decodeDeviceMessage(topic, bytes({ ...valid, measurements: { spo2: { value: 41.5, unit: '%' } } }), NOW) as Rejection;
    expect(result.code).toBe('INGEST_E_IMPLAUSIBLE');
    expect(result.detail).toContain('spo2');
    expect(result.detail).not.toContain('41.5');
  });

  it('leaves no trace of a __proto__ payload on Object.prototype', () => {
    decodeDeviceMessage(topic, Buffer.from(`{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}`), NOW);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('accepts abnormal but possible values: NEWS2 red scores pass', () => {
    const sick = { heart_rate: { value: 150, unit: '/min' }, spo2: { value: 82, unit: '%' }, respiratory_rate: { value: 36, unit: '/min' }, systolic_bp: { value: 78, unit: 'mm[Hg]' }, diastolic_bp: { value: 40, unit: 'mm[Hg]' }, temperature: { value: 40.6, unit: 'Cel' } };
    expect(codeOf(decodeDeviceMessage(topic, bytes({ ...valid, measurements: sick }), NOW))).toBe('accepted');
  });

  it('accepts late data: a reading measured hours (up to the maximum age) ago', () => {
    expect(codeOf(decodeDeviceMessage(topic, bytes({ ...valid, ts: NOW - 6 * 86_400_000 }), NOW))).toBe('accepted');
    expect(codeOf(decodeDeviceMessage(topic, bytes({ ...valid, ts: NOW - 2 * 3_600_000 }), NOW, { maxPayloadBytes: 16_384, maxClockAheadMs: 0, maxReadingAgeMs: 3_600_000 }))).toBe('INGEST_E_TIMESTAMP_TOO_OLD');
    expect(codeOf(decodeDeviceMessage(topic, bytes({ ...valid, ts: NOW - 6 * 3_600_000 }), NOW))).toBe('accepted');
  });
});
