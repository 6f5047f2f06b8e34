import { ID_PATTERN } from '@pulseproof/contracts';
import { SimulatorError } from './errors';
import { planFleet } from './fleet-plan';

describe('planFleet', () => {
  it('plans 20 beds with 3 deteriorating patients by default, ids in bed order', () => {
    const plan = planFleet();
    expect(plan).toHaveLength(20);
    expect(plan[0]).toMatchObject({ deviceId: 'sim-bed-001', patientId: 'sim-patient-001' });
    expect(plan[19]).toMatchObject({ deviceId: 'sim-bed-020', patientId: 'sim-patient-020' });
    expect(plan.filter((member) => member.deteriorates)).toHaveLength(3);
    expect(new Set(plan.map((member) => member.modelSeed)).size).toBe(20);
    for (const member of plan) {
      expect(member.deviceId).toMatch(ID_PATTERN);
      expect(member.patientId).toMatch(ID_PATTERN);
    }
  });

  it('is reproducible from the seed and varies with it', () => {
    expect(planFleet({ seed: 7 })).toEqual(planFleet({ seed: 7 }));
    const chosen = (seed: number) => planFleet({ seed, patients: 50, deteriorating: 5 }).filter((m) => m.deteriorates).map((m) => m.deviceId);
    expect(chosen(1)).not.toEqual(chosen(2));
  });

  it('accepts a count or a fraction of deteriorating patients, and a prefix', () => {
    expect(planFleet({ patients: 10, deteriorating: 0 }).some((m) => m.deteriorates)).toBe(false);
    expect(planFleet({ patients: 10, deteriorating: 10 }).every((m) => m.deteriorates)).toBe(true);
    expect(planFleet({ patients: 40, deteriorating: 0.25 }).filter((m) => m.deteriorates)).toHaveLength(10);
    expect(planFleet({ patients: 2 }).filter((m) => m.deteriorates)).toHaveLength(2);
    expect(planFleet({ patients: 1000, idPrefix: 'icu' })[999]).toMatchObject({ deviceId: 'icu-bed-1000', patientId: 'icu-patient-1000' });
    expect(planFleet({ patients: 1000, idPrefix: 'icu' })[0]!.deviceId).toBe('icu-bed-0001');
  });

  it.each([
    [{ patients: 0 }, /patients must be a whole number from 1/],
    [{ patients: 2.5 }, /patients must be a whole number/],
    [{ patients: 5, deteriorating: 6 }, /deteriorating must be a whole number from 0 to 5/],
    [{ deteriorating: -1 }, /deteriorating must be/],
    [{ deteriorating: 1.5 }, /deteriorating must be/],
    [{ intervalMs: 5 }, /interval must be at least 10 ms/],
    [{ deteriorationOnsetMs: -1 }, /onset/],
    [{ deteriorationMinutes: 0 }, /deterioration minutes/],
    [{ idPrefix: 'bad/prefix' }, /id prefix "bad\/prefix"/],
  ])('rejects %j with a message naming the fix', (options, message) => {
    expect(() => planFleet(options)).toThrow(message);
    try {
      planFleet(options);
    } catch (error) {
      expect(error).toBeInstanceOf(SimulatorError);
      expect((error as SimulatorError).code).toBe('SIM_E_BAD_OPTION');
    }
  });
});
