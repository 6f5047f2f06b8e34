import { SeededRandom } from './random';

/**
 * One simulated patient's physiology: the six vital signs a bedside monitor reports.
 *
 * Each vital is `baseline + drift(t) + noise(t)`:
 * - the baseline is the patient's own (drawn from the seed within normal adult ranges);
 * - the drift is the deterioration profile, zero for a stable patient;
 * - the noise is correlated and bounded: one shared "stress" Ornstein-Uhlenbeck process moves heart
 *   rate, respiratory rate and blood pressure together (and SpO2 slightly against them), plus one
 *   OU process per vital with its own time constant, so values wander and revert to the mean
 *   instead of jumping like white noise. The deviation never exceeds NOISE_BOUND_SD standard
 *   deviations, so a stable patient never produces a value that NEWS2 scores 3 on its own.
 *
 * The model is pure: no clock, no timers, no I/O. `next(dtMs)` advances simulated time, so tests
 * run hours of physiology in milliseconds.
 */
export type VitalCode = 'heart_rate' | 'spo2' | 'respiratory_rate' | 'systolic_bp' | 'diastolic_bp' | 'temperature';

/** Vital signs in the catalogue's units (/min, %, mm[Hg], Cel), not yet rounded to sensor precision. */
export type Vitals = Record<VitalCode, number>;

export const VITAL_CODES: readonly VitalCode[] = Object.freeze([
  'heart_rate',
  'spo2',
  'respiratory_rate',
  'systolic_bp',
  'diastolic_bp',
  'temperature',
]);

/** The deterioration profiles the model knows. A later issue adds more scenarios. */
export type DeteriorationProfile = 'sepsis-like';

export interface DeteriorationOptions {
  readonly profile: DeteriorationProfile;
  /** simulated time from the model's start to the onset, ms */
  readonly onsetMs: number;
  /** simulated minutes from onset until the plateau is reached (NEWS2 >= 7 by then); default 3 */
  readonly deteriorationMinutes?: number;
}

export interface PatientModelOptions {
  readonly seed: number | string;
  /** omitted: a stable patient */
  readonly deterioration?: DeteriorationOptions;
}

export const DEFAULT_DETERIORATION_MINUTES = 3;

/** How far noise may take a vital from its mean, in that vital's standard deviations. */
export const NOISE_BOUND_SD = 3;

interface VitalDynamics {
  /** standard deviation of the noise around the mean, in the vital's unit */
  readonly sd: number;
  /** time constant of the vital's own OU process (how fast it reverts to its mean), seconds */
  readonly tauS: number;
  /** loading on the shared stress factor, -1..1 (its correlation with the other vitals) */
  readonly stressLoading: number;
  /** physiological floor and ceiling, well inside the catalogue's sensor range */
  readonly floor: number;
  readonly ceiling: number;
}

const DYNAMICS: Record<VitalCode, VitalDynamics> = {
  heart_rate: { sd: 3, tauS: 20, stressLoading: 0.7, floor: 30, ceiling: 220 },
  spo2: { sd: 0.6, tauS: 15, stressLoading: -0.3, floor: 60, ceiling: 100 },
  respiratory_rate: { sd: 1, tauS: 40, stressLoading: 0.5, floor: 4, ceiling: 60 },
  systolic_bp: { sd: 4, tauS: 60, stressLoading: 0.5, floor: 50, ceiling: 250 },
  diastolic_bp: { sd: 2.5, tauS: 60, stressLoading: 0.5, floor: 25, ceiling: 150 },
  temperature: { sd: 0.08, tauS: 600, stressLoading: 0, floor: 33, ceiling: 42.5 },
};

/** Time constant of the shared stress factor, seconds. */
const STRESS_TAU_S = 45;

/** Diastolic pressure stays at least this far below systolic (a plausible pulse pressure), mm[Hg]. */
const MIN_PULSE_PRESSURE = 15;

/**
 * Baselines of a stable adult, chosen so that baseline ± NOISE_BOUND_SD·sd stays where NEWS2
 * (RCP 2017, Chart 1) scores each parameter 0 or 1: a stable patient's aggregate stays <= 4.
 */
function drawBaseline(random: SeededRandom): Vitals {
  const systolic = random.between(114, 135);
  return {
    heart_rate: random.between(62, 80),
    spo2: random.between(96.5, 98.5),
    respiratory_rate: random.between(13, 16.5),
    systolic_bp: systolic,
    diastolic_bp: systolic * random.between(0.6, 0.68),
    temperature: random.between(36.5, 37.2),
  };
}

/**
 * The plateau of the sepsis-like profile: tachycardia, tachypnoea, hypoxaemia, hypotension and
 * fever. Every value is beyond a NEWS2 band edge even after NOISE_BOUND_SD of noise against it
 * (HR >= 119 scores 2, RR >= 24 scores 2, SpO2 <= 91.8 rounds to <= 92 and scores 2, SBP <= 106
 * scores >= 1, T >= 38.66 scores 1), so the plateau's aggregate is >= 8.
 */
function drawSepsisPlateau(random: SeededRandom, baseline: Vitals): Vitals {
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

export class PatientModel {
  readonly baseline: Readonly<Vitals>;
  /** the vitals the deterioration reaches at its plateau; undefined for a stable patient */
  readonly plateau: Readonly<Vitals> | undefined;
  private readonly onsetMs: number;
  private readonly rampMs: number;
  private readonly noise: SeededRandom;
  private stress: number;
  private readonly own: Record<VitalCode, number>;
  private elapsed = 0;

  constructor(options: PatientModelOptions) {
    const root = new SeededRandom(options.seed);
    // Separate streams: the same seed gives the same baseline whether or not the patient deteriorates.
    this.baseline = Object.freeze(drawBaseline(root.derive('baseline')));
    this.noise = root.derive('noise');

    const deterioration = options.deterioration;
    if (deterioration) {
      const minutes = deterioration.deteriorationMinutes ?? DEFAULT_DETERIORATION_MINUTES;
      if (!(Number.isFinite(deterioration.onsetMs) && deterioration.onsetMs >= 0)) {
        throw new RangeError('deterioration onsetMs must be a finite number >= 0');
      }
      if (!(Number.isFinite(minutes) && minutes > 0)) {
        throw new RangeError('deteriorationMinutes must be a finite number > 0');
      }
      this.plateau = Object.freeze(drawSepsisPlateau(root.derive(deterioration.profile), this.baseline));
      this.onsetMs = deterioration.onsetMs;
      this.rampMs = minutes * 60_000;
    } else {
      this.plateau = undefined;
      this.onsetMs = Infinity;
      this.rampMs = 1;
    }

    // Start every OU process from its stationary distribution, so the first reading is not the baseline.
    this.stress = this.boundedGaussian();
    this.own = Object.fromEntries(VITAL_CODES.map((code) => [code, this.boundedGaussian()])) as Record<VitalCode, number>;
  }

  /** simulated time since the model started, ms */
  get elapsedMs(): number {
    return this.elapsed;
  }

  /** 0 before onset (and always for a stable patient), rising to 1 at the plateau. */
  get deteriorationProgress(): number {
    if (!this.plateau || this.elapsed <= this.onsetMs) return 0;
    const u = Math.min(1, (this.elapsed - this.onsetMs) / this.rampMs);
    // smoothstep: the decline starts gently and levels off at the plateau, as a trend chart would show
    return u * u * (3 - 2 * u);
  }

  /** Advances simulated time by dtMs and returns the vitals at the new time. */
  next(dtMs: number): Vitals {
    if (!(Number.isFinite(dtMs) && dtMs >= 0)) throw new RangeError('dtMs must be a finite number >= 0');
    this.elapsed += dtMs;
    const dtS = dtMs / 1000;
    this.stress = this.stepOrnsteinUhlenbeck(this.stress, dtS, STRESS_TAU_S);
    for (const code of VITAL_CODES) {
      this.own[code] = this.stepOrnsteinUhlenbeck(this.own[code], dtS, DYNAMICS[code].tauS);
    }
    return this.current();
  }

  private current(): Vitals {
    const progress = this.deteriorationProgress;
    const vitals = {} as Vitals;
    for (const code of VITAL_CODES) {
      const { sd, stressLoading, floor, ceiling } = DYNAMICS[code];
      const plateau = this.plateau?.[code] ?? this.baseline[code];
      const mean = this.baseline[code] + progress * (plateau - this.baseline[code]);
      const unitDeviation = stressLoading * this.stress + Math.sqrt(1 - stressLoading ** 2) * this.own[code];
      const deviation = clamp(unitDeviation, -NOISE_BOUND_SD, NOISE_BOUND_SD) * sd;
      vitals[code] = clamp(mean + deviation, floor, ceiling);
    }
    vitals.diastolic_bp = Math.min(vitals.diastolic_bp, vitals.systolic_bp - MIN_PULSE_PRESSURE);
    return vitals;
  }

  /**
   * Exact discretisation of a unit-variance OU process over dtS seconds (valid for any step, so a
   * 1 s interval and a 1 h jump follow the same law): x' = x·a + sqrt(1 - a²)·N(0,1), a = e^(-dt/τ).
   */
  private stepOrnsteinUhlenbeck(x: number, dtS: number, tauS: number): number {
    const a = Math.exp(-dtS / tauS);
    return clamp(x * a + Math.sqrt(1 - a * a) * this.noise.gaussian(), -NOISE_BOUND_SD, NOISE_BOUND_SD);
  }

  private boundedGaussian(): number {
    return clamp(this.noise.gaussian(), -NOISE_BOUND_SD, NOISE_BOUND_SD);
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
