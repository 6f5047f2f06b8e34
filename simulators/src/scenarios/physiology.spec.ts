import { PatientModel, Vitals } from '../patient-model';
import { circadianPhase } from '../circadian';
import { PhysiologicalScenario, TimelineEvent } from './names';

/** Vitals every 5 s of simulated time from `fromMin` to `toMin` minutes. */
function sample(model: PatientModel, fromMin: number, toMin: number): Vitals[] {
  const out: Vitals[] = [];
  while (model.elapsedMs < fromMin * 60_000) model.next(5000);
  while (model.elapsedMs < toMin * 60_000) out.push(model.next(5000));
  return out;
}

const at = (minutes: number, scenario: PhysiologicalScenario, rampMinutes?: number): TimelineEvent => ({
  atMs: minutes * 60_000,
  scenario,
  ...(rampMinutes ? { rampMinutes } : {}),
});

const SEEDS = [1, 2, 3, 7, 42, 99, 1234, 'ward-7'];
const max = (values: number[]) => Math.max(...values);
const min = (values: number[]) => Math.min(...values);
const sd = (values: number[]) => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
};

describe('physiological scenarios, from a seed', () => {
  it.each(SEEDS)('hypoxia (seed %s): SpO2 falls to <= 88 % with compensatory tachypnoea, and only after onset', (seed) => {
    const model = new PatientModel({ seed, timeline: [at(2, 'hypoxia')] });
    const before = sample(model, 0, 2);
    expect(min(before.map((v) => v.spo2))).toBeGreaterThanOrEqual(94);
    const plateau = sample(model, 5, 15);
    expect(max(plateau.map((v) => v.spo2))).toBeLessThanOrEqual(88);
    expect(min(plateau.map((v) => v.respiratory_rate))).toBeGreaterThanOrEqual(25);
    expect(model.scenario).toBe('hypoxia');
  });

  it.each(SEEDS)('tachyarrhythmia (seed %s): HR >= 131 (NEWS2 3) and irregular (variation twice a stable one)', (seed) => {
    const model = new PatientModel({ seed, timeline: [at(1, 'tachyarrhythmia')] });
    const plateau = sample(model, 3, 20).map((v) => v.heart_rate);
    expect(min(plateau)).toBeGreaterThanOrEqual(131);
    const stable = sample(new PatientModel({ seed }), 3, 20).map((v) => v.heart_rate);
    const steps = (series: number[]) => sd(series.slice(1).map((v, i) => v - series[i]!));
    expect(steps(plateau)).toBeGreaterThan(2 * steps(stable));
  });

  it.each(SEEDS)('haemorrhage (seed %s): SBP <= 90 with tachycardia and a narrow pulse pressure', (seed) => {
    const model = new PatientModel({ seed, timeline: [at(0, 'haemorrhage')] });
    const plateau = sample(model, 6, 20);
    expect(max(plateau.map((v) => v.systolic_bp))).toBeLessThanOrEqual(95);
    expect(plateau.filter((v) => v.systolic_bp <= 90).length / plateau.length).toBeGreaterThan(0.8);
    expect(min(plateau.map((v) => v.heart_rate))).toBeGreaterThanOrEqual(110);
    for (const v of plateau) expect(v.systolic_bp - v.diastolic_bp).toBeLessThanOrEqual(35);
  });

  it.each(SEEDS)('cardiac arrest (seed %s): HR and RR reach 0 within a minute, SpO2 and NIBP become unmeasurable', (seed) => {
    const model = new PatientModel({ seed, timeline: [at(1, 'cardiac-arrest')] });
    sample(model, 0, 1);
    expect(model.unmeasurable()).toEqual([]);
    const arrest = sample(model, 1.5, 5);
    for (const v of arrest) {
      expect(v.heart_rate).toBe(0);
      expect(v.respiratory_rate).toBe(0);
    }
    expect([...model.unmeasurable()].sort()).toEqual(['diastolic_bp', 'spo2', 'systolic_bp']);
  });

  it('recovers: a later "stable" event brings the vitals back to the patient baseline', () => {
    const model = new PatientModel({ seed: 5, timeline: [at(0, 'hypoxia'), at(10, 'stable', 2)] });
    expect(max(sample(model, 5, 10).map((v) => v.spo2))).toBeLessThanOrEqual(88);
    const recovered = sample(model, 14, 30);
    expect(min(recovered.map((v) => v.spo2))).toBeGreaterThanOrEqual(model.baseline.spo2 - 2);
    expect(model.scenario).toBe('stable');
  });

  it('chains scenarios from wherever the previous one had got to, without a jump', () => {
    const model = new PatientModel({ seed: 8, timeline: [at(0, 'sepsis-like', 10), at(2, 'haemorrhage')] });
    const series = sample(model, 0, 4);
    const jumps = series.slice(1).map((v, i) => Math.abs(v.systolic_bp - series[i]!.systolic_bp));
    expect(max(jumps)).toBeLessThan(15);
  });

  it('replays the same timeline from the same seed, and another seed plays another patient', () => {
    const timeline = [at(1, 'hypoxia'), at(4, 'tachyarrhythmia')];
    const run = (seed: number) => sample(new PatientModel({ seed, timeline }), 0, 8);
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });
});

describe('daily variation', () => {
  it('peaks in the late afternoon and is lowest in the early morning', () => {
    const day = Date.UTC(2026, 0, 1);
    expect(circadianPhase(day + 16 * 3_600_000)).toBeCloseTo(1);
    expect(circadianPhase(day + 4 * 3_600_000)).toBeCloseTo(-1);
  });

  it('makes a stable patient warmer with a faster heart at 16:00 than at 04:00, same seed', () => {
    const day = Date.UTC(2026, 0, 1);
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    let warmer = 0;
    let faster = 0;
    for (const seed of SEEDS) {
      const afternoon = sample(new PatientModel({ seed, circadian: { originMs: day + 15.5 * 3_600_000 } }), 0, 60);
      const night = sample(new PatientModel({ seed, circadian: { originMs: day + 3.5 * 3_600_000 } }), 0, 60);
      if (mean(afternoon.map((v) => v.temperature)) > mean(night.map((v) => v.temperature)) + 0.3) warmer += 1;
      if (mean(afternoon.map((v) => v.heart_rate)) > mean(night.map((v) => v.heart_rate)) + 3) faster += 1;
    }
    expect(warmer).toBe(SEEDS.length);
    expect(faster).toBeGreaterThanOrEqual(SEEDS.length - 1);
  });

  it('can be switched off', () => {
    const a = sample(new PatientModel({ seed: 1, circadian: false }), 0, 5);
    const b = sample(new PatientModel({ seed: 1, circadian: false }), 0, 5);
    expect(a).toEqual(b);
  });
});
