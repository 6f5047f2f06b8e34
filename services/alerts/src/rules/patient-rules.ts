import { AlertPriority, MeasurementCode } from '@pulseproof/contracts';

/**
 * The rules evaluated beside NEWS2 for one patient (GET/PUT /api/patients/:id/rules). Every time
 * here is device time (the reading's `deviceTime`, or ingest's clock in the status event or dead
 * letter that triggers a technical alarm), never the server's clock, so that a replay or a test
 * decides exactly as the live run did. Defaults: DEFAULT_PATIENT_RULES, documented in docs/alerts.md.
 */

/** A value beyond a limit for longer than a hold-off: e.g. SpO2 below 90 for 10 s. */
export interface ThresholdRule {
  /** the alert type it raises */
  readonly id: string;
  readonly code: MeasurementCode;
  /** exactly one of `below` / `above`: the alarm condition is value < below, or value > above */
  readonly below?: number;
  readonly above?: number;
  /** how long the condition must hold, device time, before the alert is raised */
  readonly holdOffMs: number;
  /** hysteresis: the value must be back to at least this (at most, for `above`) to count as recovered */
  readonly clearAt: number;
  /** and must stay recovered this long before the alert clears */
  readonly clearHoldMs: number;
  /** samples further apart than this do not make one run: the hold-off starts again */
  readonly maxGapMs: number;
  readonly priority: AlertPriority;
}

/** A change within a window: e.g. heart rate up 30/min within 5 min. */
export interface RateRule {
  readonly id: string;
  readonly code: MeasurementCode;
  readonly direction: 'rise' | 'fall';
  /** the change that raises, in the code's unit, against the lowest (highest for a fall) value in the window */
  readonly change: number;
  readonly withinMs: number;
  /** hysteresis: the change must be back under this ... */
  readonly clearChange: number;
  /** ... for this long before the alert clears */
  readonly clearHoldMs: number;
  readonly priority: AlertPriority;
}

export interface TechnicalRules {
  /** a device of the patient went silent: no reading for its interval (DeviceStatusEvent from ingest) */
  readonly noData: { readonly enabled: boolean; readonly priority: AlertPriority };
  /** a pulse oximeter that reported SpO2 sends SpO2 0, or a heart rate without SpO2: probe off */
  readonly sensorOff: { readonly enabled: boolean; readonly priority: AlertPriority };
  /** ingest refused a reading of the device as physiologically implausible (INGEST_E_IMPLAUSIBLE) */
  readonly implausible: { readonly enabled: boolean; readonly priority: AlertPriority; readonly clearAfterMs: number };
  /** a device's battery below `below` %, cleared at `clearAt` % or more */
  readonly lowBattery: { readonly enabled: boolean; readonly priority: AlertPriority; readonly below: number; readonly clearAt: number };
}

export interface News2RuleSettings {
  readonly enabled: boolean;
  /** hysteresis: the score must stay below the trigger this long (device time) before the alert clears */
  readonly clearHoldMs: number;
}

export interface PatientRules {
  readonly news2: News2RuleSettings;
  readonly thresholds: readonly ThresholdRule[];
  readonly rates: readonly RateRule[];
  readonly technical: TechnicalRules;
}

/** Alert types of the technical alarms; a rule id may not take one. */
export const TECHNICAL_ALERT_TYPES = ['no-data', 'sensor-off', 'implausible', 'low-battery'] as const;
export type TechnicalAlertType = (typeof TECHNICAL_ALERT_TYPES)[number];

const SECOND = 1000;
const MINUTE = 60 * SECOND;

export const DEFAULT_THRESHOLD_RULE: Omit<ThresholdRule, 'id' | 'code' | 'below' | 'above' | 'clearAt'> = {
  holdOffMs: 10 * SECOND,
  clearHoldMs: 30 * SECOND,
  maxGapMs: MINUTE,
  priority: 'high',
};

export const DEFAULT_RATE_RULE: Omit<RateRule, 'id' | 'code' | 'change' | 'clearChange'> = {
  direction: 'rise',
  withinMs: 5 * MINUTE,
  clearHoldMs: MINUTE,
  priority: 'medium',
};

export const DEFAULT_PATIENT_RULES: PatientRules = deepFreeze({
  // RCP 2017 gives no clearing rule; 5 min below the trigger keeps a score that oscillates around
  // 5 (or a row that toggles between 2 and 3) on one alert instead of a raise/clear per reading.
  news2: { enabled: true, clearHoldMs: 5 * MINUTE },
  thresholds: [
    // Issue 5: "SpO2 below 90 for 10 s"; recovered at 92 (the lower end of SpO2 scale 1's 92–93 band).
    { id: 'spo2-low', code: 'spo2', below: 90, clearAt: 92, ...DEFAULT_THRESHOLD_RULE },
  ],
  rates: [
    // Issue 5: "heart rate up 30/min within 5 min"; recovered when the rise in the window is under 20.
    { id: 'hr-rise', code: 'heart_rate', change: 30, clearChange: 20, ...DEFAULT_RATE_RULE },
  ],
  technical: {
    noData: { enabled: true, priority: 'medium' },
    sensorOff: { enabled: true, priority: 'medium' },
    implausible: { enabled: true, priority: 'low', clearAfterMs: 30 * SECOND },
    lowBattery: { enabled: true, priority: 'low', below: 20, clearAt: 25 },
  },
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
