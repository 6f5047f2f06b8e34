import { Measurements } from '@pulseproof/contracts';

/**
 * National Early Warning Score 2 (Royal College of Physicians, 2017), Chart 1 "The NEWS2 scoring
 * system" and Chart 4 "Clinical response to NEWS trigger thresholds".
 *
 * Inputs are catalogue codes (packages/contracts measurements.ts) in catalogue units: /min, %,
 * mm[Hg], Cel, ACVPU ordinal 0..4, supplemental oxygen 0/1.
 *
 * Values between printed bands: Chart 1 prints whole numbers for every row except temperature,
 * which it prints to one decimal. A value is first rounded half-up to the chart's precision for
 * its row (as a clinician would when writing it on the chart), then looked up: a temperature of
 * 35.04 °C is charted 35.0 (3 points), 35.05 °C is charted 35.1 (1 point); a respiration rate of
 * 8.5/min is charted 9 (1 point). Rounding is done on the fixed-point value the system keeps
 * (VALUE_DECIMALS = 3), so 35.05 never becomes 35.0 through binary floating point.
 *
 * Missing parameters are never scored as normal: they are listed in `missing` and the result is
 * `complete: false`. Their contribution is taken as 0, so the partial `total` is a lower bound of
 * the true aggregate score.
 */

/** Chart 1 rows, in chart order, named by the catalogue code that feeds each row. */
export const NEWS2_PARAMETERS = [
  'respiratory_rate', // "Respiration rate (per minute)"
  'spo2', // "SpO2 Scale 1 (%)" or "SpO2 Scale 2 (%)"
  'supplemental_oxygen', // "Air or oxygen?"
  'systolic_bp', // "Systolic blood pressure (mmHg)"
  'heart_rate', // "Pulse (per minute)"
  'consciousness', // "Consciousness"
  'temperature', // "Temperature (°C)"
] as const;

export type News2Parameter = (typeof NEWS2_PARAMETERS)[number];
export type News2Points = 0 | 1 | 2 | 3;

/**
 * SpO2 scale 1 for everyone; scale 2 only for patients with hypercapnic respiratory failure whose
 * prescribed target range is 88–92%, chosen by a qualified clinician (RCP 2017, Chart 1 note and
 * section 'SpO2 scale 2'). Never chosen automatically.
 */
export type Spo2Scale = 1 | 2;

export interface News2Options {
  readonly spo2Scale?: Spo2Scale;
}

export interface News2ParameterScore {
  readonly parameter: News2Parameter;
  /** the value as measured (catalogue unit, before rounding to the chart's precision) */
  readonly value: number;
  readonly score: News2Points;
}

/**
 * Chart 4: 'low-medium' is the "red score", 3 in a single parameter with an aggregate below 5.
 * 'incomplete': parameters are missing and what was measured stays below every trigger, so the
 * score can say neither "0" nor "1–4" (the missing rows could add anything): never read as normal.
 */
export type News2ResponseBand = 'none' | 'incomplete' | 'low' | 'low-medium' | 'medium' | 'high';

export interface News2Result {
  /** sum of the scored parameters; a lower bound of the true score when `complete` is false */
  readonly total: number;
  /** the parameters that had a value, in Chart 1 row order */
  readonly parameters: readonly News2ParameterScore[];
  /** the parameters without a value, in Chart 1 row order */
  readonly missing: readonly News2Parameter[];
  readonly complete: boolean;
  /** a "red score": 3 points in any single parameter */
  readonly anySingleThree: boolean;
  /** Chart 4's band of `total`; with parameters missing, a lower bound when it triggers, else 'incomplete' */
  readonly responseBand: News2ResponseBand;
}

/** One printed band: values up to and including `upTo` (in the row's charted units) score `score`. */
interface Band {
  readonly upTo: number;
  readonly score: News2Points;
}

const bands = (...rows: [number, News2Points][]): readonly Band[] =>
  rows.map(([upTo, score]) => ({ upTo, score }));

// Chart 1, "Respiration rate (per minute)": ≤8 → 3, 9–11 → 1, 12–20 → 0, 21–24 → 2, ≥25 → 3.
const RESPIRATION_RATE = bands([8, 3], [11, 1], [20, 0], [24, 2], [Infinity, 3]);
// Chart 1, "SpO2 Scale 1 (%)": ≤91 → 3, 92–93 → 2, 94–95 → 1, ≥96 → 0.
const SPO2_SCALE_1 = bands([91, 3], [93, 2], [95, 1], [Infinity, 0]);
// Chart 1, "SpO2 Scale 2 (%)", rows that hold on air and on oxygen: ≤83 → 3, 84–85 → 2,
// 86–87 → 1, 88–92 → 0.
const SPO2_SCALE_2_UP_TO_92 = bands([83, 3], [85, 2], [87, 1], [92, 0]);
// Chart 1, "SpO2 Scale 2 (%)", rows for 93 and above: "≥93 on air" → 0; "93–94 on oxygen" → 1,
// "95–96 on oxygen" → 2, "≥97 on oxygen" → 3.
const SPO2_SCALE_2_ON_OXYGEN_FROM_93 = bands([94, 1], [96, 2], [Infinity, 3]);
// Chart 1, "Systolic blood pressure (mmHg)": ≤90 → 3, 91–100 → 2, 101–110 → 1, 111–219 → 0, ≥220 → 3.
const SYSTOLIC_BP = bands([90, 3], [100, 2], [110, 1], [219, 0], [Infinity, 3]);
// Chart 1, "Pulse (per minute)": ≤40 → 3, 41–50 → 1, 51–90 → 0, 91–110 → 1, 111–130 → 2, ≥131 → 3.
const PULSE = bands([40, 3], [50, 1], [90, 0], [110, 1], [130, 2], [Infinity, 3]);
// Chart 1, "Temperature (°C)", in tenths of a degree: ≤35.0 → 3, 35.1–36.0 → 1, 36.1–38.0 → 0,
// 38.1–39.0 → 1, ≥39.1 → 2.
const TEMPERATURE_TENTHS = bands([350, 3], [360, 1], [380, 0], [390, 1], [Infinity, 2]);

/** The kept precision of values (contracts VALUE_DECIMALS = 3), as a divisor. */
const KEPT_UNITS_PER_ONE = 1000;

/**
 * The value in units of 10^-decimals, rounded half away from zero, computed on the fixed-point
 * (thousandths) value so that decimal ties round as written, not as binary floating point has them.
 */
export function toChartUnits(value: number, decimals: 0 | 1): number {
  const thousandths = Math.round(Math.abs(value) * KEPT_UNITS_PER_ONE);
  const step = KEPT_UNITS_PER_ONE / 10 ** decimals;
  const rounded = Math.floor((thousandths + step / 2) / step);
  return value < 0 ? -rounded : rounded;
}

function lookUp(table: readonly Band[], charted: number): News2Points {
  for (const band of table) if (charted <= band.upTo) return band.score;
  // Every table but SPO2_SCALE_2_UP_TO_92 ends at Infinity, and that one is only asked about ≤92.
  throw new Error(`no NEWS2 band holds ${charted}`);
}

/** The points of one Chart 1 row; `vitals` is consulted only for the SpO2 scale 2 air/oxygen split. */
function scoreParameter(
  parameter: News2Parameter,
  value: number,
  vitals: Readonly<Record<string, number | undefined>>,
  scale: Spo2Scale,
): News2Points {
  switch (parameter) {
    case 'respiratory_rate':
      return lookUp(RESPIRATION_RATE, toChartUnits(value, 0));
    case 'spo2': {
      const charted = toChartUnits(value, 0);
      if (scale === 1) return lookUp(SPO2_SCALE_1, charted);
      if (charted <= 92) return lookUp(SPO2_SCALE_2_UP_TO_92, charted);
      // ≥93 scores only on oxygen. When the air/oxygen row is missing this scores as on air (0):
      // the lowest the row can be, so the total stays a lower bound, and `missing` says why.
      const onOxygen = finite(vitals.supplemental_oxygen) && toChartUnits(vitals.supplemental_oxygen!, 0) >= 1;
      return onOxygen ? lookUp(SPO2_SCALE_2_ON_OXYGEN_FROM_93, charted) : 0;
    }
    case 'supplemental_oxygen':
      // Chart 1, "Air or oxygen?": Oxygen → 2, Air → 0.
      return toChartUnits(value, 0) >= 1 ? 2 : 0;
    case 'systolic_bp':
      return lookUp(SYSTOLIC_BP, toChartUnits(value, 0));
    case 'heart_rate':
      return lookUp(PULSE, toChartUnits(value, 0));
    case 'consciousness':
      // Chart 1, "Consciousness": Alert → 0; new-onset Confusion, Voice, Pain, Unresponsive → 3.
      return toChartUnits(value, 0) === 0 ? 0 : 3;
    case 'temperature':
      return lookUp(TEMPERATURE_TENTHS, toChartUnits(value, 1));
  }
}

function finite(value: number | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Chart 4, read from the most urgent row down. */
export function news2ResponseBand(total: number, anySingleThree: boolean): News2ResponseBand {
  if (total >= 7) return 'high'; // "Aggregate score 7 or more": urgent or emergency response
  if (total >= 5) return 'medium'; // "Aggregate score 5–6": key threshold for urgent response
  if (anySingleThree) return 'low-medium'; // "Red score (3 in a single parameter)": urgent ward-based response
  if (total >= 1) return 'low'; // "Aggregate score 1–4": ward-based response
  return 'none'; // "Score 0"
}

/** NEWS2 of one set of vitals. Pure: the caller decides which vitals are current. */
export function scoreNews2(vitals: Measurements, options: News2Options = {}): News2Result {
  const scale = options.spo2Scale ?? 1;
  const values = vitals as Readonly<Record<string, number | undefined>>;
  const parameters: News2ParameterScore[] = [];
  const missing: News2Parameter[] = [];
  for (const parameter of NEWS2_PARAMETERS) {
    const value = values[parameter];
    // A NaN or infinite value is not a measurement: missing, never normal.
    if (!finite(value)) {
      missing.push(parameter);
      continue;
    }
    parameters.push({ parameter, value, score: scoreParameter(parameter, value, values, scale) });
  }
  const total = parameters.reduce((sum, p) => sum + p.score, 0);
  const anySingleThree = parameters.some((p) => p.score === 3);
  const complete = missing.length === 0;
  const band = news2ResponseBand(total, anySingleThree);
  return {
    total,
    parameters,
    missing,
    complete,
    anySingleThree,
    // A partial score that triggers is a sound lower bound (missing rows add ≥ 0); one that does
    // not trigger proves nothing about the patient.
    responseBand: !complete && (band === 'none' || band === 'low') ? 'incomplete' : band,
  };
}
