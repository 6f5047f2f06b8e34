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
    ['a __proto__ key', `{"v":1,"deviceId":"bed-7","seq":1,"ts":${NOW},"__proto__":{"admin":true},"measurements":{"spo2":{"value":97,"unit":"%"}}}`, 'INGEST_E_SCHEMA'],
    ['a __proto__ measurement', `{"v":1,"deviceId":"bed-7","seq":1,"ts":${NOW},"measurements":{"__proto__":{"value":1,"unit":"%"}}}`, 'INGEST_E_SCHEMA'],
    ['no measurements', { ...valid, measurements: {} }, 'INGEST_E_SCHEMA'],
    ['an unknown measurement', { ...valid, measurements: { mood: { value: 1, unit: '1' } } }, 'INGEST_E_SCHEMA'],
    ['a wrong unit', { ...valid, measurements: { temperature: { value: 99, unit: '[degF]' } } }, 'INGEST_E_SCHEMA'],
    ['a value out of range', { ...valid, measurements: { spo2: { value: 101, unit: '%' } } }, 'INGEST_E_SCHEMA'],
    ['a fractional ordinal', { ...valid, measurements: { consciousness: { value: 1.5, unit: '{ACVPU}' } } }, 'INGEST_E_SCHEMA'],
    ['a device id with a topic wildcard', { ...valid, deviceId: 'bed/#' }, 'INGEST_E_SCHEMA'],
    ['a device id other than the topic', { ...valid, deviceId: 'bed-8' }, 'INGEST_E_DEVICE_MISMATCH'],
    ['a timestamp far in the future', { ...valid, ts: NOW + 3_600_000 }, 'INGEST_E_TIMESTAMP_FUTURE'],
    ['a timestamp before 2000', { ...valid, ts: 1_000 }, 'INGEST_E_TIMESTAMP_PAST'],
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

  it('survives deep nesting without throwing', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(codeOf(decodeDeviceMessage(topic, Buffer.from(deep), NOW, { maxPayloadBytes: 1e6, maxClockAheadMs: 0 }))).toMatch(/INGEST_E_(NOT_JSON|SCHEMA)/);
  });

  it('accepts late data: a reading measured hours ago', () => {
    expect(codeOf(decodeDeviceMessage(topic, bytes({ ...valid, ts: NOW - 6 * 3_600_000 }), NOW))).toBe('accepted');
  });
});
