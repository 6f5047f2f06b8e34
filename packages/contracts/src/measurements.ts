/**
 * The measurement catalogue: every quantity a reading may carry, with its one defined unit.
 *
 * Units are UCUM case-sensitive codes (https://ucum.org/ucum): `/min` for rates, `%` for SpO2 and
 * battery, `mm[Hg]` for blood pressure, `Cel` for temperature. Codes in curly braces are UCUM
 * annotations for dimensionless ordinal or boolean values. A device must send the unit with every
 * value and it must match the catalogue: a reading is never converted silently.
 *
 * `min`/`max` bound what a sensor can physically report; they reject garbage, not abnormal
 * physiology (a heart rate of 220/min is alarming, not invalid). Tighter plausibility checks belong
 * to ingest's validation issue.
 */
export interface MeasurementSpec {
  readonly unit: string;
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** true when only whole numbers are meaningful (ordinal and boolean codes). */
  readonly integer?: boolean;
}

export const MEASUREMENTS = {
  heart_rate: { unit: '/min', label: 'Heart rate', min: 0, max: 350 },
  spo2: { unit: '%', label: 'SpO2', min: 0, max: 100 },
  respiratory_rate: { unit: '/min', label: 'Respiratory rate', min: 0, max: 150 },
  systolic_bp: { unit: 'mm[Hg]', label: 'Systolic blood pressure', min: 0, max: 350 },
  diastolic_bp: { unit: 'mm[Hg]', label: 'Diastolic blood pressure', min: 0, max: 300 },
  temperature: { unit: 'Cel', label: 'Body temperature', min: 15, max: 46 },
  skin_temperature: { unit: 'Cel', label: 'Skin temperature', min: 0, max: 50 },
  /** ACVPU as an ordinal: 0 Alert, 1 new Confusion, 2 Voice, 3 Pain, 4 Unresponsive (NEWS2 Chart 1). */
  consciousness: { unit: '{ACVPU}', label: 'Consciousness (ACVPU)', min: 0, max: 4, integer: true },
  /** 1 when the patient is on supplemental oxygen, 0 on air (NEWS2 Chart 1, "Air or oxygen?"). */
  supplemental_oxygen: { unit: '{bool}', label: 'Supplemental oxygen', min: 0, max: 1, integer: true },
  battery: { unit: '%', label: 'Device battery', min: 0, max: 100 },
  /** Wearable activity: magnitude of acceleration above gravity, in standard gravities (UCUM [g]). */
  motion: { unit: '[g]', label: 'Motion (acceleration)', min: 0, max: 16 },
  /**
   * Wearable GPS position in whole microdegrees (WGS 84): values are kept with VALUE_DECIMALS = 3, so
   * plain degrees would keep ~110 m; microdegrees keep ~0.1 m and stay exact integers when hashed.
   */
  gps_latitude: { unit: '10*-6.deg', label: 'GPS latitude', min: -90_000_000, max: 90_000_000, integer: true },
  gps_longitude: { unit: '10*-6.deg', label: 'GPS longitude', min: -180_000_000, max: 180_000_000, integer: true },
} as const satisfies Record<string, MeasurementSpec>;

export type MeasurementCode = keyof typeof MEASUREMENTS;

export const MEASUREMENT_CODES = Object.freeze(Object.keys(MEASUREMENTS) as MeasurementCode[]);

export function isMeasurementCode(code: string): code is MeasurementCode {
  return Object.prototype.hasOwnProperty.call(MEASUREMENTS, code);
}

/**
 * Values are kept and hashed as fixed-point integers with this many decimals, so that every
 * language recomputes the same leaf bytes (floats never enter a hash).
 */
export const VALUE_DECIMALS = 3;
const SCALE = 10 ** VALUE_DECIMALS;

/** Rounds a value to the precision the system keeps; what is stored is what is hashed. */
export function normaliseValue(value: number): number {
  return Math.round(value * SCALE) / SCALE;
}

/** The fixed-point integer of a normalised value (value × 10^VALUE_DECIMALS). */
export function toFixedPoint(value: number): bigint {
  return BigInt(Math.round(value * SCALE));
}
