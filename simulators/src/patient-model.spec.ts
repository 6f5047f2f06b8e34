import { MEASUREMENTS } from '@pulseproof/contracts';
import { roundToSensor } from './device-message';
import { PatientModel, VITAL_CODES, Vitals } from './patient-model';

/**
 * NEWS2 (RCP 2017, Chart 1) for the parameters a bedside monitor measures, SpO2 scale 1, patient on
 * air and alert (both score 0). Written out here on purpose: the simulator must not lean on the
 * alerts service to prove its patients alarm.
 */
function news2(v: Vitals) {
  const rr = v.respiratory_rate;
  const spo2 = v.spo2;
  const sbp = v.systolic_bp;
  const hr = v.heart_rate;
  const t = v.temperature;
  const parts = {
    respiratory_rate: rr <= 8 ? 3 : rr <= 11 ? 1 : rr <= 20 ? 0 : rr <= 24 ? 2 : 3,
    spo2: spo2 <= 91 ? 3 : spo2 <= 93 ? 2 : spo2 <= 95 ? 1 : 0,
    systolic_bp: sbp <= 90 ? 3 : sbp <= 100 ? 2 : sbp <= 110 ? 1 : sbp <= 219 ? 0 : 3,
    heart_rate: hr <= 40 ? 3 : hr <= 50 ? 1 : hr <= 90 ? 0 : hr <= 110 ? 1 : hr <= 130 ? 2 : 3,
    temperature: t <= 35.0 ? 3 : t <= 36.0 ? 1 : t <= 38.0 ? 0 : t <= 39.0 ? 1 : 2,
  };
  const values = Object.values(parts);
  return { total: values.reduce((a, b) => a + b, 0), highestSingle: Math.max(...values) };
}

/** What the wire carries: every vital rounded to its sensor precision. */
function asReported(vitals: Vitals): Vitals {
  const out = { ...vitals };
  for (const code of VITAL_CODES) out[code] = roundToSensor(code, vitals[code]);
  return out;
}

function run(model: PatientModel, steps: number, dtMs: number): Vitals[] {
  return Array.from({ length: steps }, () => asReported(model.next(dtMs)));
}

const sepsis = (onsetMs: number, deteriorationMinutes?: number) => ({
  profile: 'sepsis-like' as const,
  onsetMs,
  ...(deteriorationMinutes === undefined ? {} : { deteriorationMinutes }),
});

describe('PatientModel', () => {
  it('replays the same vital signs from the same seed', () => {
    const a = new PatientModel({ seed: 11, deterioration: sepsis(60_000) });
    const b = new PatientModel({ seed: 11, deterioration: sepsis(60_000) });
    expect(run(a, 600, 1000)).toEqual(run(b, 600, 1000));
    expect(run(new PatientModel({ seed: 12 }), 10, 1000)).not.toEqual(run(new PatientModel({ seed: 11 }), 10, 1000));
  });

  it('draws different baselines per patient, the same one whether or not the patient deteriorates', () => {
    const baselines = [1, 2, 3, 4, 5].map((seed) => new PatientModel({ seed }).baseline.heart_rate);
    expect(new Set(baselines).size).toBe(5);
    expect(new PatientModel({ seed: 9, deterioration: sepsis(0) }).baseline).toEqual(new PatientModel({ seed: 9 }).baseline);
  });

  // Expectations collect violations and assert once (a million expect() calls take minutes), and
  // runs are sized for jest's sandbox, where Math builtins run an order of magnitude slower.
  it('stays within the catalogue ranges and keeps diastolic below systolic over a day', () => {
    const violations: string[] = [];
    for (let seed = 0; seed < 10; seed++) {
      const model = new PatientModel({ seed, ...(seed % 2 ? { deterioration: sepsis(3_600_000) } : {}) });
      for (const vitals of run(model, 24 * 120, 30_000)) {
        for (const code of VITAL_CODES) {
          const { min, max } = MEASUREMENTS[code];
          if (vitals[code] < min || vitals[code] > max) violations.push(`seed ${seed}: ${code} ${vitals[code]}`);
        }
        if (vitals.diastolic_bp >= vitals.systolic_bp) violations.push(`seed ${seed}: BP ${vitals.systolic_bp}/${vitals.diastolic_bp}`);
      }
    }
    expect(violations.slice(0, 5)).toEqual([]);
  });

  it('keeps a stable patient below the NEWS2 medium threshold, with no single parameter scoring 3', () => {
    const violations: string[] = [];
    for (let seed = 100; seed < 115; seed++) {
      for (const vitals of run(new PatientModel({ seed }), 2 * 1800, 2000)) {
        const score = news2(vitals);
        if (score.total >= 5 || score.highestSingle >= 3) violations.push(`seed ${seed}: ${JSON.stringify(vitals)}`);
      }
    }
    expect(violations.slice(0, 5)).toEqual([]);
  });

  it('takes a sepsis-like patient to NEWS2 >= 7 within the deterioration window and keeps it there', () => {
    const onsetMs = 120_000;
    const violations: string[] = [];
    for (let seed = 200; seed < 220; seed++) {
      const model = new PatientModel({ seed, deterioration: sepsis(onsetMs) });
      for (const vitals of run(model, 120, 1000)) {
        if (news2(vitals).total >= 5) violations.push(`seed ${seed} before onset: ${JSON.stringify(vitals)}`);
      }
      run(model, 3 * 60, 1000); // the 3-minute default window after onset
      expect(model.deteriorationProgress).toBe(1);
      for (const vitals of run(model, 10 * 60, 1000)) {
        const alarming =
          news2(vitals).total >= 7 &&
          // the red flags of a septic picture, straight from the thresholds of Chart 1
          (vitals.respiratory_rate >= 25 || vitals.spo2 <= 91) &&
          vitals.heart_rate >= 111 &&
          vitals.systolic_bp <= 110 &&
          vitals.temperature >= 38.1;
        if (!alarming) violations.push(`seed ${seed} after the window: ${JSON.stringify(vitals)}`);
      }
    }
    expect(violations.slice(0, 5)).toEqual([]);
  });

  it('honours a longer deterioration window: not yet alarming halfway through a 20-minute one', () => {
    const model = new PatientModel({ seed: 5, deterioration: sepsis(0, 20) });
    run(model, 60, 1000);
    expect(model.deteriorationProgress).toBeLessThan(0.05);
    const early = run(model, 60, 1000).map((v) => news2(v).total);
    expect(Math.max(...early)).toBeLessThan(7);
    run(model, 20 * 60, 1000);
    expect(news2(asReported(model.next(1000))).total).toBeGreaterThanOrEqual(7);
  });

  it('moves like physiology, not white noise: values persist from second to second and HR moves with RR', () => {
    const series = run(new PatientModel({ seed: 77 }), 3600, 1000);
    const hr = series.map((v) => v.heart_rate);
    const rr = series.map((v) => v.respiratory_rate);
    expect(correlation(hr.slice(1), hr.slice(0, -1))).toBeGreaterThan(0.8);
    expect(correlation(hr, rr)).toBeGreaterThan(0.2);
  });

  it('steps any interval, including zero, and rejects a negative one', () => {
    const model = new PatientModel({ seed: 1 });
    const first = model.next(0);
    expect(model.next(0)).toEqual(first);
    model.next(3_600_000);
    expect(model.elapsedMs).toBe(3_600_000);
    expect(() => model.next(-1)).toThrow(RangeError);
    expect(() => new PatientModel({ seed: 1, deterioration: sepsis(0, 0) })).toThrow(RangeError);
  });
});

function correlation(a: number[], b: number[]): number {
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const ma = mean(a);
  const mb = mean(b);
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    cov += (a[i]! - ma) * (b[i]! - mb);
    va += (a[i]! - ma) ** 2;
    vb += (b[i]! - mb) ** 2;
  }
  return cov / Math.sqrt(va * vb);
}
