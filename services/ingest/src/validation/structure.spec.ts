import { DEFAULT_STRUCTURE_LIMITS, checkStructure, exceedsDepth } from './structure';

describe('structure limits', () => {
  it('measures nesting outside strings only, escapes included', () => {
    expect(exceedsDepth('{"a":{"b":{"c":{}}}}', 4)).toBe(false);
    expect(exceedsDepth('{"a":{"b":{"c":{"d":[]}}}}', 4)).toBe(true);
    expect(exceedsDepth('{"a":"[[[[[[[[\\"[[[[["}', 1)).toBe(false);
  });

  it('finds reserved keys at any depth, as own properties JSON.parse made', () => {
    const parsed = JSON.parse('{"measurements":{"spo2":{"__proto__":{"x":1}}}}') as unknown;
    expect(checkStructure(parsed, DEFAULT_STRUCTURE_LIMITS)?.code).toBe('INGEST_E_HOSTILE_KEY');
    expect(checkStructure(JSON.parse('[{"prototype":1}]'), DEFAULT_STRUCTURE_LIMITS)?.code).toBe('INGEST_E_HOSTILE_KEY');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('bounds strings in arrays and values, and the measurement count', () => {
    const long = 'x'.repeat(DEFAULT_STRUCTURE_LIMITS.maxStringLength + 1);
    expect(checkStructure([1, [long]], DEFAULT_STRUCTURE_LIMITS)?.code).toBe('INGEST_E_TOO_LONG');
    expect(checkStructure({ measurements: { a: 1, b: 2, c: 3 } }, { ...DEFAULT_STRUCTURE_LIMITS, maxMeasurements: 2 })?.code).toBe('INGEST_E_TOO_MANY_MEASUREMENTS');
    expect(checkStructure({ measurements: { a: 1, b: 2 } }, { ...DEFAULT_STRUCTURE_LIMITS, maxMeasurements: 2 })).toBeUndefined();
  });
});
