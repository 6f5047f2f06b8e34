import { AlertsError } from './errors';

/** What the app passes to `AlertsModule.forRoot`; the app parses its environment, not this module. */
export interface AlertsOptions {
  /** folder of `alerts.sqlite`; created when missing */
  readonly dataDir: string;
  /**
   * how old a measurement may be and still count as a patient's latest vital, ms (default 1 h),
   * measured back from the patient's newest measurement
   */
  readonly vitalsMaxAgeMs?: number;
}

export interface ResolvedAlertsOptions {
  readonly dataDir: string;
  readonly vitalsMaxAgeMs: number;
}

export const ALERTS_OPTIONS = Symbol('ALERTS_OPTIONS');

export const DEFAULT_VITALS_MAX_AGE_MS = 60 * 60 * 1000;

/** Checks and freezes the options once, at start; a bad value stops the start and names itself. */
export function resolveAlertsOptions(options: AlertsOptions): ResolvedAlertsOptions {
  if (typeof options.dataDir !== 'string' || options.dataDir.trim() === '') {
    throw new AlertsError('ALERTS_E_CONFIG', 'alerts dataDir must be a folder path');
  }
  const vitalsMaxAgeMs = options.vitalsMaxAgeMs ?? DEFAULT_VITALS_MAX_AGE_MS;
  if (!Number.isSafeInteger(vitalsMaxAgeMs) || vitalsMaxAgeMs <= 0) {
    throw new AlertsError('ALERTS_E_CONFIG', `alerts vitalsMaxAgeMs must be a positive whole number of ms, got ${vitalsMaxAgeMs}`);
  }
  return Object.freeze({ dataDir: options.dataDir, vitalsMaxAgeMs });
}
