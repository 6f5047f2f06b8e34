import { MEASUREMENTS, deviceMessageSchema } from '@pulseproof/contracts';
import { toDeviceMessage } from './device-message';
import { PatientModel } from './patient-model';

describe('toDeviceMessage', () => {
  it('writes wire format v1 with catalogue units, rounded to sensor precision', () => {
    const message = toDeviceMessage('sim-bed-001', 1_795_000_000_000, 1_795_000_000_123, {
      heart_rate: 88.6,
      spo2: 95.4,
      respiratory_rate: 17.5,
      systolic_bp: 121.2,
      diastolic_bp: 79.9,
      temperature: 37.26,
    });
    expect(message).toEqual({
      v: 1,
      deviceId: 'sim-bed-001',
      seq: 1_795_000_000_000,
      ts: 1_795_000_000_123,
      measurements: {
        heart_rate: { value: 89, unit: '/min' },
        spo2: { value: 95, unit: '%' },
        respiratory_rate: { value: 18, unit: '/min' },
        systolic_bp: { value: 121, unit: 'mm[Hg]' },
        diastolic_bp: { value: 80, unit: 'mm[Hg]' },
        temperature: { value: 37.3, unit: 'Cel' },
      },
    });
    expect(deviceMessageSchema.safeParse(JSON.parse(JSON.stringify(message))).success).toBe(true);
  });

  it('produces messages the contract accepts for stable and deteriorating patients alike', () => {
    const failures: unknown[] = [];
    for (const model of [new PatientModel({ seed: 1 }), new PatientModel({ seed: 2, deterioration: { profile: 'sepsis-like', onsetMs: 0 } })]) {
      for (let i = 0; i < 500; i++) {
        const result = deviceMessageSchema.safeParse(toDeviceMessage('sim-bed-002', i, 1_795_000_000_000 + i, model.next(5000)));
        if (!result.success) failures.push(result.error.issues);
      }
    }
    expect(failures).toEqual([]);
    expect(Object.keys(toDeviceMessage('d', 0, 0, new PatientModel({ seed: 1 }).next(0)).measurements).every((code) => code in MEASUREMENTS)).toBe(true);
  });
});
