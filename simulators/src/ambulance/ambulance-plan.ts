import { AmbulanceStation, ID_PATTERN, demoCity } from '@pulseproof/contracts';
import { badOption } from '../errors';

/**
 * Which ambulance units a simulated fleet has and where they are based, decided before anything
 * connects, so the app can register each unit as an MQTT principal first. Units fill the demo
 * city's stations in order (contracts demoCity().stations), several per station beyond six.
 */
export interface AmbulancePlanOptions {
  /** default 4 */
  readonly units?: number;
  /** unit ids are `<prefix>-01`, `<prefix>-02`...; default "amb" */
  readonly idPrefix?: string;
}

export interface AmbulanceMember {
  readonly unitId: string;
  readonly station: AmbulanceStation;
}

export const AMBULANCE_DEFAULTS = Object.freeze({ units: 4, idPrefix: 'amb' });
export const MAX_AMBULANCES = 500;

export function planAmbulances(options: AmbulancePlanOptions = {}): AmbulanceMember[] {
  const units = options.units ?? AMBULANCE_DEFAULTS.units;
  if (!Number.isInteger(units) || units < 1 || units > MAX_AMBULANCES) {
    throw badOption(`units must be a whole number from 1 to ${MAX_AMBULANCES} (got ${units})`);
  }
  const prefix = options.idPrefix ?? AMBULANCE_DEFAULTS.idPrefix;
  const width = Math.max(2, String(units).length);
  if (!ID_PATTERN.test(`${prefix}-${'0'.repeat(width)}`)) {
    throw badOption(`id prefix "${prefix}" must be letters, digits, . _ - starting with a letter or digit`);
  }
  const { stations } = demoCity();
  return Array.from({ length: units }, (_, i) => ({
    unitId: `${prefix}-${String(i + 1).padStart(width, '0')}`,
    station: stations[i % stations.length]!,
  }));
}
