import { AlertPriority, MqttMessaging } from '@pulseproof/contracts';
import { AlertsClock } from './clock';
import type { AlertDeliveryOptions } from './delivery/delivery.config';
import type { DispatchOptions } from './dispatch/dispatch-config';
import { AlertsError } from './errors';

/**
 * One step of the escalation chain: when an active alert is still unacknowledged `afterMs` after it
 * was raised, it is re-notified (an `escalated` event) at the next escalation level and, with
 * `raisePriority`, one priority higher (low → medium → high).
 */
export interface EscalationStep {
  readonly afterMs: number;
  readonly raisePriority?: boolean;
}

export interface EscalationOptions {
  /** in increasing `afterMs`; empty turns escalation off */
  readonly steps?: readonly EscalationStep[];
  /** alerts raised below this priority never escalate (default medium: a low battery does not page anyone) */
  readonly minPriority?: AlertPriority;
}

/** What the app passes to `AlertsModule.forRoot`; the app parses its environment, not this module. */
export interface AlertsOptions {
  /** folder of `alerts.sqlite`; created when missing */
  readonly dataDir: string;
  /**
   * how old a measurement may be and still count as a patient's latest vital, ms (default 1 h),
   * measured back from the patient's newest measurement
   */
  readonly vitalsMaxAgeMs?: number;
  /** the escalation chain (default: 2, 5 and 10 min unacknowledged, priority raised at each step) */
  readonly escalation?: EscalationOptions;
  /** wall clock and timers for escalation; tests pass a ManualClock (default: the system clock) */
  readonly clock?: AlertsClock;
  // Delivery (issue 5, helper G) and dispatch (helper H) options go below this line.
  /** the MQTT broker for consoles (alerts) and units (dispatch): the embedded broker, or a client of an external one */
  readonly messaging?: MqttMessaging;
  /** webhooks and the live stream (delivery/delivery.config.ts); MQTT delivery follows `messaging` */
  readonly delivery?: Omit<AlertDeliveryOptions, 'dataDir' | 'messaging'>;
  /** ambulance dispatch (dispatch/dispatch-config.ts): runs when `messaging` is given, unless `enabled` is false */
  readonly dispatch?: DispatchOptions;
}

export interface ResolvedEscalation {
  readonly steps: readonly Required<EscalationStep>[];
  readonly minPriority: AlertPriority;
}

export interface ResolvedAlertsOptions {
  readonly dataDir: string;
  readonly vitalsMaxAgeMs: number;
  readonly escalation: ResolvedEscalation;
}

export const ALERTS_OPTIONS = Symbol('ALERTS_OPTIONS');

export const DEFAULT_VITALS_MAX_AGE_MS = 60 * 60 * 1000;

export const DEFAULT_ESCALATION_STEPS: readonly Required<EscalationStep>[] = Object.freeze([
  { afterMs: 2 * 60_000, raisePriority: true },
  { afterMs: 5 * 60_000, raisePriority: true },
  { afterMs: 10 * 60_000, raisePriority: true },
]);

const PRIORITIES: readonly AlertPriority[] = ['low', 'medium', 'high'];

/** Checks and freezes the options once, at start; a bad value stops the start and names itself. */
export function resolveAlertsOptions(options: AlertsOptions): ResolvedAlertsOptions {
  if (typeof options.dataDir !== 'string' || options.dataDir.trim() === '') {
    throw new AlertsError('ALERTS_E_CONFIG', 'alerts dataDir must be a folder path');
  }
  const vitalsMaxAgeMs = options.vitalsMaxAgeMs ?? DEFAULT_VITALS_MAX_AGE_MS;
  if (!Number.isSafeInteger(vitalsMaxAgeMs) || vitalsMaxAgeMs <= 0) {
    throw new AlertsError('ALERTS_E_CONFIG', `alerts vitalsMaxAgeMs must be a positive whole number of ms, got ${vitalsMaxAgeMs}`);
  }
  return Object.freeze({ dataDir: options.dataDir, vitalsMaxAgeMs, escalation: resolveEscalation(options.escalation) });
}

function resolveEscalation(escalation: EscalationOptions | undefined): ResolvedEscalation {
  const minPriority = escalation?.minPriority ?? 'medium';
  if (!PRIORITIES.includes(minPriority)) {
    throw new AlertsError('ALERTS_E_CONFIG', `alerts escalation.minPriority must be one of ${PRIORITIES.join(', ')}`);
  }
  const steps = (escalation?.steps ?? DEFAULT_ESCALATION_STEPS).map((step, i, all) => {
    const afterMs = step.afterMs;
    if (!Number.isSafeInteger(afterMs) || afterMs <= 0 || (i > 0 && afterMs <= all[i - 1]!.afterMs)) {
      throw new AlertsError('ALERTS_E_CONFIG', `alerts escalation step ${i + 1}: afterMs must be a positive whole number of ms, larger than the step before`);
    }
    return Object.freeze({ afterMs, raisePriority: step.raisePriority ?? true });
  });
  return Object.freeze({ steps: Object.freeze(steps), minPriority });
}
