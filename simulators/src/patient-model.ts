import { circadianOffsets } from './circadian';
import { SeededRandom } from './random';
import { PhysiologicalScenario, TimelineEvent, isPhysiologicalScenario } from './scenarios/names';
import { DEFAULT_RAMP_MINUTES, ScenarioTarget, drawTarget } from './scenarios/physiology';

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

/** The legacy single-deterioration option; a timeline can play any physiological scenario. */
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
  /** one sepsis-like deterioration (kept for existing callers); same as a one-event timeline */
  readonly deterioration?: DeteriorationOptions;
  /** scenarios in simulated time; device scenarios in it are ignored here (SimulatedDevice plays them) */
  readonly timeline?: readonly TimelineEvent[];
  /**
   * daily variation: `originMs` is the wall-clock time (ms since epoch, UTC time of day) of the
   * model's time 0; default { originMs: 0 } (midnight). false: no daily variation.
   */
  readonly circadian?: false | { readonly originMs: number };
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
  /** floor and ceiling, inside the catalogue's sensor range (0 allows asystole and apnoea) */
  readonly floor: number;
  readonly ceiling: number;
}

const DYNAMICS: Record<VitalCode, VitalDynamics> = {
  heart_rate: { sd: 3, tauS: 20, stressLoading: 0.7, floor: 0, ceiling: 220 },
  spo2: { sd: 0.6, tauS: 15, stressLoading: -0.3, floor: 60, ceiling: 100 },
  respiratory_rate: { sd: 1, tauS: 40, stressLoading: 0.5, floor: 0, ceiling: 60 },
  systolic_bp: { sd: 4, tauS: 60, stressLoading: 0.5, floor: 0, ceiling: 250 },
  diastolic_bp: { sd: 2.5, tauS: 60, stressLoading: 0.5, floor: 0, ceiling: 150 },
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

/** One physiological step of the timeline, resolved: where the mean starts and where it goes. */
interface Segment {
  readonly scenario: PhysiologicalScenario;
  readonly atMs: number;
  readonly rampMs: number;
  readonly from: ScenarioTarget;
  readonly to: ScenarioTarget;
}

export class PatientModel {
  readonly baseline: Readonly<Vitals>;
  /** the vitals the first deterioration reaches at its plateau; undefined for a stable patient */
  readonly plateau: Readonly<Vitals> | undefined;
  private readonly segments: readonly Segment[];
  private readonly circadianOriginMs: number | undefined;
  private readonly noise: SeededRandom;
  private stress: number;
  private readonly own: Record<VitalCode, number>;
  private elapsed = 0;

  constructor(options: PatientModelOptions) {
    const root = new SeededRandom(options.seed);
    // Separate streams: the same seed gives the same baseline whether or not the patient deteriorates.
    this.baseline = Object.freeze(drawBaseline(root.derive('baseline')));
    this.noise = root.derive('noise');
    this.circadianOriginMs = options.circadian === false ? undefined : (options.circadian?.originMs ?? 0);
    this.segments = resolveSegments(root, this.baseline, physiologicalEvents(options));
    this.plateau = this.segments.find((segment) => segment.scenario !== 'stable')?.to.vitals;

    // Start every OU process from its stationary distribution, so the first reading is not the baseline.
    this.stress = this.boundedGaussian();
    this.own = Object.fromEntries(VITAL_CODES.map((code) => [code, this.boundedGaussian()])) as Record<VitalCode, number>;
  }

  /** simulated time since the model started, ms */
  get elapsedMs(): number {
    return this.elapsed;
  }

  /** the physiological scenario playing now ('stable' before the first event) */
  get scenario(): PhysiologicalScenario {
    return this.currentSegment()?.scenario ?? 'stable';
  }

  /** 0 before the first onset (and always for a stable patient), rising to 1 at the current target. */
  get deteriorationProgress(): number {
    const segment = this.currentSegment();
    return segment ? progressOf(segment, this.elapsed) : 0;
  }

  /** Vitals no sensor can measure now (no pulse: no SpO2, no blood pressure). */
  unmeasurable(): readonly VitalCode[] {
    const segment = this.currentSegment();
    if (!segment) return [];
    return progressOf(segment, this.elapsed) >= 0.5 ? segment.to.unmeasurable : segment.from.unmeasurable;
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

  private currentSegment(): Segment | undefined {
    let found: Segment | undefined;
    for (const segment of this.segments) if (segment.atMs < this.elapsed) found = segment;
    return found;
  }

  private current(): Vitals {
    const segment = this.currentSegment();
    const progress = segment ? progressOf(segment, this.elapsed) : 0;
    const daily = this.circadianOriginMs === undefined ? undefined : circadianOffsets(this.circadianOriginMs + this.elapsed);
    const vitals = {} as Vitals;
    for (const code of VITAL_CODES) {
      const { sd, stressLoading, floor, ceiling } = DYNAMICS[code];
      const from = segment?.from.vitals[code] ?? this.baseline[code];
      const to = segment?.to.vitals[code] ?? this.baseline[code];
      const fromScale = segment?.from.noiseScale[code] ?? 1;
      const toScale = segment?.to.noiseScale[code] ?? 1;
      const scale = fromScale + progress * (toScale - fromScale);
      const mean = from + progress * (to - from) + (daily?.[code] ?? 0) * Math.min(1, scale);
      const unitDeviation = stressLoading * this.stress + Math.sqrt(1 - stressLoading ** 2) * this.own[code];
      const deviation = clamp(unitDeviation, -NOISE_BOUND_SD, NOISE_BOUND_SD) * sd * scale;
      vitals[code] = clamp(mean + deviation, floor, ceiling);
    }
    vitals.diastolic_bp = Math.max(0, Math.min(vitals.diastolic_bp, vitals.systolic_bp - MIN_PULSE_PRESSURE));
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

function physiologicalEvents(options: PatientModelOptions): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  const deterioration = options.deterioration;
  if (deterioration) {
    const minutes = deterioration.deteriorationMinutes ?? DEFAULT_DETERIORATION_MINUTES;
    if (!(Number.isFinite(deterioration.onsetMs) && deterioration.onsetMs >= 0)) {
      throw new RangeError('deterioration onsetMs must be a finite number >= 0');
    }
    if (!(Number.isFinite(minutes) && minutes > 0)) throw new RangeError('deteriorationMinutes must be a finite number > 0');
    events.push({ atMs: deterioration.onsetMs, scenario: deterioration.profile, rampMinutes: minutes });
  }
  for (const event of options.timeline ?? []) {
    if (!isPhysiologicalScenario(event.scenario)) continue;
    if (!(Number.isFinite(event.atMs) && event.atMs >= 0)) throw new RangeError('timeline atMs must be a finite number >= 0');
    if (event.rampMinutes !== undefined && !(Number.isFinite(event.rampMinutes) && event.rampMinutes > 0)) {
      throw new RangeError('timeline rampMinutes must be a finite number > 0');
    }
    events.push(event);
  }
  // stable sort: events at the same time keep their order
  return events.sort((a, b) => a.atMs - b.atMs);
}

/** Each segment starts from wherever the previous one had got to at its onset. */
function resolveSegments(root: SeededRandom, baseline: Vitals, events: readonly TimelineEvent[]): Segment[] {
  const segments: Segment[] = [];
  let previous: Segment | undefined;
  events.forEach((event, i) => {
    const scenario = event.scenario as PhysiologicalScenario;
    // the first event draws from the stream the single-deterioration model always used
    const random = root.derive(i === 0 ? scenario : `${scenario}:${i}`);
    const from: ScenarioTarget = previous ? interpolate(previous, progressOf(previous, event.atMs)) : { vitals: baseline, noiseScale: {}, unmeasurable: [] };
    const to = drawTarget(scenario, random, baseline);
    const rampMs = (event.rampMinutes ?? DEFAULT_RAMP_MINUTES[scenario]) * 60_000;
    previous = { scenario, atMs: event.atMs, rampMs, from, to };
    segments.push(previous);
  });
  return segments;
}

function interpolate(segment: Segment, progress: number): ScenarioTarget {
  const vitals = {} as Vitals;
  const noiseScale: Partial<Record<VitalCode, number>> = {};
  for (const code of VITAL_CODES) {
    vitals[code] = segment.from.vitals[code] + progress * (segment.to.vitals[code] - segment.from.vitals[code]);
    const a = segment.from.noiseScale[code] ?? 1;
    noiseScale[code] = a + progress * ((segment.to.noiseScale[code] ?? 1) - a);
  }
  return { vitals, noiseScale, unmeasurable: progress >= 0.5 ? segment.to.unmeasurable : segment.from.unmeasurable };
}

/** smoothstep from onset to target: the change starts gently and levels off, as a trend chart shows. */
function progressOf(segment: Segment, elapsedMs: number): number {
  if (elapsedMs <= segment.atMs) return 0;
  const u = Math.min(1, (elapsedMs - segment.atMs) / segment.rampMs);
  return u * u * (3 - 2 * u);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
