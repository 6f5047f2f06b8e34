import { DeviceMessage, MEASUREMENTS, MeasurementCode } from '@pulseproof/contracts';
import { Rejection } from '../errors';
import { PLAUSIBLE_RANGES, checkPlausibility } from './plausibility';

const message = (measurements: Partial<Record<MeasurementCode, number>>): DeviceMessage => ({
  v: 1,
  deviceId: 'bed-1',
  seq: 1,
  ts: 1_800_000_000_000,
  measurements: Object.fromEntries(Object.entries(measurements).map(([code, value]) => [code, { value, unit: MEASUREMENTS[code as MeasurementCode].unit }])),
});

describe('physiological plausibility', () => {
  it.each(Object.entries(PLAUSIBLE_RANGES))('%s is tighter than the sensor bounds and never empty', (code, range) => {
    const sensor = MEASUREMENTS[code as MeasurementCode];
    expect(range!.min).toBeLessThan(range!.max);
    expect(range!.min).toBeGreaterThanOrEqual(sensor.min);
    expect(range!.max).toBeLessThanOrEqual(sensor.max);
    expect(range!.max - range!.min).toBeLessThan(sensor.max - sensor.min);
  });

  it.each(Object.entries(PLAUSIBLE_RANGES))('%s: accepts its bounds, refuses just outside them', (code, range) => {
    expect(checkPlausibility(message({ [code]: range!.min }))).toBeUndefined();
    expect(checkPlausibility(message({ [code]: range!.max }))).toBeUndefined();
    for (const outside of [range!.min - 0.5, range!.max + 0.5]) {
      const refused = checkPlausibility(message({ [code]: outside }));
      expect(refused).toBeInstanceOf(Rejection);
      expect(refused!.code).toBe('INGEST_E_IMPLAUSIBLE');
      expect(refused!.detail).toContain(code);
    }
  });

  it('wants diastolic below systolic when a reading carries both', () => {
    expect(checkPlausibility(message({ systolic_bp: 120, diastolic_bp: 80 }))).toBeUndefined();
    expect(checkPlausibility(message({ systolic_bp: 120, diastolic_bp: 120 }))?.code).toBe('INGEST_E_IMPLAUSIBLE');
    expect(checkPlausibility(message({ diastolic_bp: 120 }))).toBeUndefined();
  });

  it('leaves ordinal, boolean and technical measurements to the catalogue bounds', () => {
    expect(checkPlausibility(message({ consciousness: 4, supplemental_oxygen: 1, battery: 0, motion: 0 }))).toBeUndefined();
  });
});
