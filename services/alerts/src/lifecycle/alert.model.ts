import { AlertChange, AlertKind, AlertPriority, AlertState, AlertStatus } from '@pulseproof/contracts';

/**
 * An alert after IEEE 11073-10101 / IEC 60601-1-8 (alarm condition, priority, latching until
 * acknowledged) and ThingsBoard's alarm (one per originator and type, four statuses, acknowledge and
 * clear as separate actions). `state` is the condition; acknowledgement is kept beside it, so that
 * an acknowledgement never changes the condition and a clear never erases an acknowledgement.
 */
export interface AlertRecord {
  readonly alertId: string;
  readonly patientId: string;
  readonly type: string;
  readonly kind: AlertKind;
  readonly priority: AlertPriority;
  readonly state: AlertState;
  readonly summary: string;
  readonly score: number | null;
  /** what the deciding policy keeps between evaluations (NEWS2: the rows measured while active) */
  readonly evidence: readonly string[];
  /** technical alarms: the devices concerned */
  readonly deviceIds: readonly string[];
  readonly raisedBy: string;
  readonly updatedBy: string;
  readonly clearedBy: string | null;
  readonly raisedAt: number;
  readonly updatedAt: number;
  readonly clearedAt: number | null;
  readonly acknowledgedBy: string | null;
  readonly acknowledgedAt: number | null;
  readonly escalationLevel: number;
  /** wall-clock time of the next escalation step; null when none is due (acknowledged, cleared, last step) */
  readonly nextEscalationAt: number | null;
}

/** One line of an alert's history: every change, who or what made it, and the alert after it. */
export interface AlertHistoryEntry {
  readonly seq: number;
  readonly at: number;
  readonly change: AlertChange;
  readonly status: AlertStatus;
  readonly priority: AlertPriority;
  readonly escalationLevel: number;
  readonly summary: string;
  readonly score: number | null;
  /** the reading, observation or status event id, or the person who acknowledged */
  readonly by: string;
}

export function alertStatus(alert: Pick<AlertRecord, 'state' | 'acknowledgedAt'>): AlertStatus {
  return `${alert.state}-${alert.acknowledgedAt === null ? 'unacknowledged' : 'acknowledged'}`;
}

export const ALERT_STATUSES: readonly AlertStatus[] = [
  'active-unacknowledged',
  'active-acknowledged',
  'cleared-unacknowledged',
  'cleared-acknowledged',
];

export const PRIORITY_RANK: Readonly<Record<AlertPriority, number>> = { low: 0, medium: 1, high: 2 };

export function higherPriority(a: AlertPriority, b: AlertPriority): AlertPriority {
  return PRIORITY_RANK[a] >= PRIORITY_RANK[b] ? a : b;
}

/** One notch up, capped at high (an escalation step with `raisePriority`). */
export function nextPriority(priority: AlertPriority): AlertPriority {
  return priority === 'low' ? 'medium' : 'high';
}

/**
 * What a rule or policy asks of the patient's alert of one type. The lifecycle applies it: raise
 * when none is active, update the active one, clear it. Never touches acknowledgement.
 */
export type AlertDecision =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'raise' | 'update';
      readonly priority: AlertPriority;
      readonly summary: string;
      readonly score: number | null;
      readonly evidence?: readonly string[];
      readonly deviceIds?: readonly string[];
    }
  | { readonly kind: 'clear'; readonly summary: string; readonly score: number | null };

export const NO_DECISION: AlertDecision = Object.freeze({ kind: 'none' });
