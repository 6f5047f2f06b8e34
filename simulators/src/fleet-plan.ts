import { ID_PATTERN } from '@pulseproof/contracts';
import { badOption } from './errors';
import { DEFAULT_DETERIORATION_MINUTES } from './patient-model';
import { SeededRandom, hashSeed } from './random';

/**
 * Who is in a simulated ward, decided before anything connects: device and patient ids, which
 * patients deteriorate, and each patient's model seed. Pure, so the app can register the devices
 * with ingest first and start the same fleet afterwards.
 */
export interface FleetPlanOptions {
  /** number of patients, one bedside monitor each; default 20 */
  readonly patients?: number;
  /** how many deteriorate: a whole number, or a fraction of the patients in (0, 1); default 3 */
  readonly deteriorating?: number;
  /** ms between two readings of one device; default 1000 */
  readonly intervalMs?: number;
  /** same seed, same patients and the same physiology; default 42 */
  readonly seed?: number | string;
  /** simulated time from the fleet's start to each deteriorating patient's onset, ms; default 60000 */
  readonly deteriorationOnsetMs?: number;
  /** minutes from onset to the plateau (NEWS2 >= 7); default 3 */
  readonly deteriorationMinutes?: number;
  /** ids are `<prefix>-bed-001`, `<prefix>-patient-001`; default "sim" */
  readonly idPrefix?: string;
}

export interface FleetMember {
  readonly deviceId: string;
  readonly patientId: string;
  readonly deteriorates: boolean;
  /** seed of this patient's PatientModel */
  readonly modelSeed: number;
}

/** The plan options with defaults applied and every value checked. */
export interface ResolvedFleetPlanOptions {
  readonly patients: number;
  readonly deteriorating: number;
  readonly intervalMs: number;
  readonly seed: number | string;
  readonly deteriorationOnsetMs: number;
  readonly deteriorationMinutes: number;
  readonly idPrefix: string;
}

export const FLEET_DEFAULTS = Object.freeze({
  patients: 20,
  deteriorating: 3,
  intervalMs: 1000,
  seed: 42,
  deteriorationOnsetMs: 60_000,
  deteriorationMinutes: DEFAULT_DETERIORATION_MINUTES,
  idPrefix: 'sim',
});

export const MAX_PATIENTS = 10_000;
/**
 * Sequence numbers start at the wall clock in ms and add one per reading (see SimulatedDevice), which
 * only stays ahead of the clock while a device publishes well under once per millisecond.
 */
export const MIN_INTERVAL_MS = 10;

/** The fleet's members in bed order. Throws SIM_E_BAD_OPTION with a message naming the fix. */
export function planFleet(options: FleetPlanOptions = {}): FleetMember[] {
  const { patients, deteriorating, seed, idPrefix } = resolveFleetPlanOptions(options);
  const random = new SeededRandom(seed);
  const deteriorates = chooseDeteriorating(random.derive('deteriorating'), patients, deteriorating);
  return Array.from({ length: patients }, (_, i) => ({
    deviceId: `${idPrefix}-bed-${bedNumber(i, patients)}`,
    patientId: `${idPrefix}-patient-${bedNumber(i, patients)}`,
    deteriorates: deteriorates.has(i),
    modelSeed: hashSeed(`${random.seed}:patient:${i}`),
  }));
}

export function resolveFleetPlanOptions(options: FleetPlanOptions): ResolvedFleetPlanOptions {
  const patients = options.patients ?? FLEET_DEFAULTS.patients;
  if (!Number.isInteger(patients) || patients < 1 || patients > MAX_PATIENTS) {
    throw badOption(`patients must be a whole number from 1 to ${MAX_PATIENTS} (got ${patients})`);
  }
  const deteriorating = deterioratingCount(options.deteriorating, patients);
  const intervalMs = options.intervalMs ?? FLEET_DEFAULTS.intervalMs;
  if (!Number.isFinite(intervalMs) || intervalMs < MIN_INTERVAL_MS) {
    throw badOption(`interval must be at least ${MIN_INTERVAL_MS} ms (got ${intervalMs})`);
  }
  const deteriorationOnsetMs = options.deteriorationOnsetMs ?? FLEET_DEFAULTS.deteriorationOnsetMs;
  if (!Number.isFinite(deteriorationOnsetMs) || deteriorationOnsetMs < 0) {
    throw badOption(`deterioration onset must be a number of ms >= 0 (got ${deteriorationOnsetMs})`);
  }
  const deteriorationMinutes = options.deteriorationMinutes ?? FLEET_DEFAULTS.deteriorationMinutes;
  if (!Number.isFinite(deteriorationMinutes) || deteriorationMinutes <= 0) {
    throw badOption(`deterioration minutes must be a number > 0 (got ${deteriorationMinutes})`);
  }
  const seed = options.seed ?? FLEET_DEFAULTS.seed;
  const idPrefix = options.idPrefix ?? FLEET_DEFAULTS.idPrefix;
  if (!ID_PATTERN.test(`${idPrefix}-patient-${bedNumber(patients - 1, patients)}`)) {
    throw badOption(
      `id prefix "${idPrefix}" must be letters, digits, . _ - starting with a letter or digit, short enough for 64-character ids`,
    );
  }
  return { patients, deteriorating, intervalMs, seed, deteriorationOnsetMs, deteriorationMinutes, idPrefix };
}

/** 001, 002, ... (wider when the ward has more than 999 beds), so ids sort in bed order. */
function bedNumber(index: number, patients: number): string {
  return String(index + 1).padStart(Math.max(3, String(patients).length), '0');
}

function deterioratingCount(requested: number | undefined, patients: number): number {
  if (requested === undefined) return Math.min(FLEET_DEFAULTS.deteriorating, patients);
  if (!Number.isFinite(requested) || requested < 0) {
    throw badOption(`deteriorating must be a whole number or a fraction between 0 and 1 (got ${requested})`);
  }
  if (requested > 0 && requested < 1) return Math.round(requested * patients);
  if (!Number.isInteger(requested) || requested > patients) {
    throw badOption(`deteriorating must be a whole number from 0 to ${patients} (the patients), or a fraction below 1 (got ${requested})`);
  }
  return requested;
}

/** Which patients deteriorate: a seeded partial Fisher-Yates shuffle, so they are spread over the ward. */
function chooseDeteriorating(random: SeededRandom, patients: number, count: number): Set<number> {
  const indices = Array.from({ length: patients }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + random.below(patients - i);
    [indices[i], indices[j]] = [indices[j]!, indices[i]!];
  }
  return new Set(indices.slice(0, count));
}
