import type { VitalCode, Vitals } from '../patient-model';
import { SeededRandom } from '../random';
import { PhysiologicalScenario } from './names';

/**
 * Where each physiological scenario takes the vital signs, and how fast. Targets are drawn from the
 * seed, so two patients with the same scenario differ a little, and the same seed plays the same.
 * Each target sits beyond the NEWS2 (RCP 2017, Chart 1) band edges that make it recognisable, with
 * the noise (NOISE_BOUND_SD standard deviations) taken into account.
 */
export interface ScenarioTarget {
  readonly vitals: Vitals;
  /** multiplies a vital's noise once the target is reached (irregular rhythm: > 1, flatline: 0) */
  readonly noiseScale: Partial<Record<VitalCode, number>>;
  /** vitals a sensor cannot measure once the target is reached (no pulse: no SpO2, no NIBP) */
  readonly unmeasurable: readonly VitalCode[];
}

/** Minutes from a scenario's onset to its target, when the timeline does not say. */
export const DEFAULT_RAMP_MINUTES: Readonly<Record<PhysiologicalScenario, number>> = Object.freeze({
  stable: 3,
  'sepsis-like': 3,
  hypoxia: 2,
  tachyarrhythmia: 0.5,
  haemorrhage: 5,
  'cardiac-arrest': 0.25,
});

export function drawTarget(scenario: PhysiologicalScenario, random: SeededRandom, baseline: Vitals): ScenarioTarget {
  const plain = (vitals: Vitals): ScenarioTarget => ({ vitals, noiseScale: {}, unmeasurable: [] });
  switch (scenario) {
    case 'stable':
      return plain({ ...baseline });
    case 'sepsis-like':
      return plain(sepsisPlateau(random, baseline));
    case 'hypoxia':
      // SpO2 <= 86 + 1.8 scores 3; compensatory tachypnoea (RR >= 25 scores 3) and tachycardia
      return plain({
        ...baseline,
        spo2: random.between(82, 86),
        respiratory_rate: random.between(28, 31),
        heart_rate: random.between(102, 112),
      });
    case 'tachyarrhythmia': {
      // fast atrial fibrillation: HR 160-178 (>= 131 scores 3 even after the wider noise), irregular, a little hypotension
      const systolic = baseline.systolic_bp - random.between(12, 20);
      return {
        vitals: { ...baseline, heart_rate: random.between(160, 178), systolic_bp: systolic, diastolic_bp: systolic * 0.62 },
        noiseScale: { heart_rate: 2.5 },
        unmeasurable: [],
      };
    }
    case 'haemorrhage': {
      // class III hypovolaemic shock (ATLS): HR 120-140, SBP < 90 (<= 90 scores 3), narrow pulse pressure
      const systolic = random.between(72, 82);
      return plain({
        ...baseline,
        heart_rate: random.between(125, 138),
        respiratory_rate: random.between(23, 26),
        systolic_bp: systolic,
        diastolic_bp: systolic - random.between(16, 22),
        spo2: random.between(94.5, 96),
        temperature: baseline.temperature - random.between(0.5, 0.9),
      });
    }
    case 'cardiac-arrest':
      // asystole or pulseless rhythm: no heart rate, no breathing, no pulsatile signal for SpO2 or NIBP
      return {
        vitals: { ...baseline, heart_rate: 0, respiratory_rate: 0, systolic_bp: 0, diastolic_bp: 0, spo2: 0 },
        noiseScale: { heart_rate: 0, respiratory_rate: 0, systolic_bp: 0, diastolic_bp: 0, spo2: 0 },
        unmeasurable: ['spo2', 'systolic_bp', 'diastolic_bp'],
      };
  }
}

/**
 * The sepsis-like plateau: tachycardia, tachypnoea, hypoxaemia, hypotension and fever. Every value
 * is beyond a NEWS2 band edge even after NOISE_BOUND_SD of noise against it (HR >= 119 scores 2,
 * RR >= 24 scores 2, SpO2 <= 91.8 rounds to <= 92 and scores 2, SBP <= 106 scores >= 1,
 * T >= 38.66 scores 1), so the plateau's aggregate is >= 8.
 */
function sepsisPlateau(random: SeededRandom, baseline: Vitals): Vitals {
  const systolic = random.between(86, 94);
  return {
    heart_rate: random.between(128, 138),
    spo2: random.between(88, 90),
    respiratory_rate: random.between(27, 30),
    systolic_bp: systolic,
    // vasodilation: the diastolic pressure falls a little more than the systolic ratio
    diastolic_bp: systolic * (baseline.diastolic_bp / baseline.systolic_bp) * 0.95,
    temperature: random.between(38.9, 39.6),
  };
}
