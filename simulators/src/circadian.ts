import type { Vitals } from './patient-model';

/**
 * Daily (circadian) variation: heart rate, blood pressure and core temperature are lowest in the
 * early morning (nadir ~04:00) and highest in the late afternoon (peak ~16:00). Amplitudes are kept
 * small (HR ±3 /min, SBP ±4, DBP ±2.5 mm[Hg], RR ±0.5 /min, T ±0.25 Cel) so that a stable patient
 * stays where NEWS2 scores 0 or 1 at every hour.
 */
export const CIRCADIAN_AMPLITUDE: Readonly<Vitals> = Object.freeze({
  heart_rate: 3,
  spo2: 0,
  respiratory_rate: 0.5,
  systolic_bp: 4,
  diastolic_bp: 2.5,
  temperature: 0.25,
});

const DAY_MS = 86_400_000;
const PEAK_HOUR = 16;

/** -1 at 04:00, +1 at 16:00 (UTC time of day of epochMs). */
export function circadianPhase(epochMs: number): number {
  const hours = (((epochMs % DAY_MS) + DAY_MS) % DAY_MS) / 3_600_000;
  return Math.cos((2 * Math.PI * (hours - PEAK_HOUR)) / 24);
}

/** The offsets to add to each vital at epochMs. */
export function circadianOffsets(epochMs: number): Vitals {
  const phase = circadianPhase(epochMs);
  const out = {} as Vitals;
  for (const code of Object.keys(CIRCADIAN_AMPLITUDE) as (keyof Vitals)[]) out[code] = CIRCADIAN_AMPLITUDE[code] * phase;
  return out;
}
