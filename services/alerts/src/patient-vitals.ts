import { Measurements } from '@pulseproof/contracts';
import { LatestVital } from './patient-state.store';

export interface CurrentVitals {
  /** the values that count as the patient's latest, by code */
  readonly measurements: Measurements;
  /** the patient's newest measurement time, from which age is measured; undefined with no vitals */
  readonly evaluatedAt: number | undefined;
}

/**
 * Which of a patient's latest values still count: those measured at most `maxAgeMs` before the
 * patient's newest measurement. Age is measured on the patient's own timeline, not the server's
 * clock, so replaying a backlog after an outage scores each patient as it was, the alert decision
 * never depends on when the consumer happens to run, and `GET /api/patients` agrees with the alerts.
 */
export function currentVitals(vitals: readonly LatestVital[], maxAgeMs: number): CurrentVitals {
  if (vitals.length === 0) return { measurements: {}, evaluatedAt: undefined };
  const evaluatedAt = Math.max(...vitals.map((v) => v.deviceTime));
  const measurements: Record<string, number> = {};
  for (const vital of vitals) {
    if (isCurrent(vital, evaluatedAt, maxAgeMs)) measurements[vital.code] = vital.value;
  }
  return { measurements: measurements as Measurements, evaluatedAt };
}

/**
 * Rows that sensors cannot give (RCP 2017 Chart 1: consciousness, air or oxygen) are entered by
 * staff and hold until staff change them: a staff value of these never goes stale.
 */
export const PERSISTENT_OBSERVATION_CODES: ReadonlySet<string> = new Set(['consciousness', 'supplemental_oxygen']);

export function isCurrent(vital: LatestVital, evaluatedAt: number, maxAgeMs: number): boolean {
  if (vital.deviceId === undefined && PERSISTENT_OBSERVATION_CODES.has(vital.code)) return true;
  return vital.deviceTime >= evaluatedAt - maxAgeMs;
}
