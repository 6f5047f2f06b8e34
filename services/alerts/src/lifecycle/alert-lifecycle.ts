import { Inject, Injectable, Logger } from '@nestjs/common';
import { AlertChange, AlertKind, ID_PATTERN } from '@pulseproof/contracts';
import { ALERTS_CLOCK, AlertsClock } from '../clock';
import { ALERTS_OPTIONS, ResolvedAlertsOptions } from '../config';
import { AlertsError } from '../errors';
import { PatientStateStore } from '../patient-state.store';
import { AlertDecision, AlertRecord, PRIORITY_RANK, higherPriority, nextPriority } from './alert.model';
import { toEvent } from './alert-events';

/** Where a change came from: a reading, an observation, a status event, a dead letter. */
export interface ChangeSource {
  readonly id: string;
  readonly deviceId?: string;
}

const PAST = { raise: 'raised', update: 'updated', clear: 'cleared' } as const;

/**
 * The one writer of alerts: raise, update, clear, acknowledge, escalate. Every change writes the
 * alert, a history line and an outbox event in the caller's transaction (the reading's, for
 * changes a reading causes), so that a crash keeps all three or none.
 */
@Injectable()
export class AlertLifecycle {
  private readonly logger = new Logger('AlertLifecycle');

  constructor(
    private readonly store: PatientStateStore,
    @Inject(ALERTS_OPTIONS) private readonly options: ResolvedAlertsOptions,
    @Inject(ALERTS_CLOCK) private readonly clock: AlertsClock,
  ) {}

  /** Applies a rule's decision to the patient's alert of `type`. Runs inside a transaction. */
  apply(patientId: string, type: string, kind: AlertKind, decision: AlertDecision, source: ChangeSource): AlertRecord | undefined {
    if (decision.kind === 'none') return undefined;
    const active = this.store.alerts.activeAlert(patientId, type);
    const now = this.clock.now();
    let alert: AlertRecord;
    let change: AlertChange;
    if (!active) {
      if (decision.kind !== 'raise') return undefined; // nothing to update or clear
      alert = {
        // Derived from the raising source: deterministic, so even a replay that got past the
        // processed-sources check would hit the same primary key, not a second alert.
        alertId: `${type}:${patientId}:${source.id}`,
        patientId,
        type,
        kind,
        priority: decision.priority,
        state: 'active',
        summary: decision.summary,
        score: decision.score,
        evidence: decision.evidence ?? [],
        deviceIds: decision.deviceIds ?? [],
        raisedBy: source.id,
        updatedBy: source.id,
        clearedBy: null,
        raisedAt: now,
        updatedAt: now,
        clearedAt: null,
        acknowledgedBy: null,
        acknowledgedAt: null,
        escalationLevel: 0,
        nextEscalationAt: this.firstEscalationAt(decision.priority, now),
      };
      change = 'raised';
    } else if (decision.kind === 'clear') {
      alert = { ...active, state: 'cleared', summary: decision.summary, score: decision.score, updatedBy: source.id, updatedAt: now, clearedBy: source.id, clearedAt: now, nextEscalationAt: null };
      change = 'cleared';
    } else {
      alert = {
        ...active,
        // Priority only goes up while the alert is active: a lower reading is no reason to page less.
        priority: higherPriority(active.priority, decision.priority),
        summary: decision.summary,
        score: decision.score,
        evidence: decision.evidence ?? active.evidence,
        deviceIds: decision.deviceIds ?? active.deviceIds,
        updatedBy: source.id,
        updatedAt: now,
      };
      if (alert.priority === active.priority && alert.summary === active.summary && alert.score === active.score && alert.deviceIds.join() === active.deviceIds.join()) {
        return undefined;
      }
      change = 'updated';
    }
    this.record(alert, change, source.id, now);
    this.logger.log(`${type} alert ${PAST[decision.kind]} (${alert.priority})${source.deviceId ? ` on a message from device ${source.deviceId}` : ''}`);
    return alert;
  }

  /**
   * Records who acknowledged the alert. Touches only the acknowledgement: an alert cleared a moment
   * before becomes cleared-acknowledged, never active again. Acknowledging twice keeps the first.
   */
  acknowledge(alertId: string, by: unknown): { alert: AlertRecord; changed: boolean } {
    if (typeof by !== 'string' || !ID_PATTERN.test(by)) {
      throw new AlertsError('ALERTS_E_ACKNOWLEDGE', 'by must be the staff id of who acknowledges: 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit');
    }
    return this.store.transaction(() => {
      if (!this.store.alerts.alert(alertId)) throw new AlertsError('ALERTS_E_NOT_FOUND', `no alert ${alertId.slice(0, 200)}`);
      const now = this.clock.now();
      const changed = this.store.alerts.acknowledge(alertId, by, now);
      const alert = this.store.alerts.alert(alertId)!;
      if (changed) {
        this.store.alerts.appendHistory(alertId, 'acknowledged', by, now);
        this.store.enqueueEvent(alert.patientId, toEvent(alert, 'acknowledged'));
        this.logger.log(`${alert.type} alert acknowledged (${alert.state})`);
      }
      return { alert, changed };
    });
  }

  /** One escalation step of an alert found unacknowledged when due. Runs inside a transaction. */
  escalate(alert: AlertRecord): AlertRecord {
    const steps = this.options.escalation.steps;
    const step = steps[alert.escalationLevel];
    const now = this.clock.now();
    const level = alert.escalationLevel + 1;
    const following = steps[level];
    const escalated: AlertRecord = {
      ...alert,
      escalationLevel: level,
      priority: step?.raisePriority ? nextPriority(alert.priority) : alert.priority,
      nextEscalationAt: following ? alert.raisedAt + following.afterMs : null,
    };
    this.record(escalated, 'escalated', `escalation:${level}`, now);
    this.logger.warn(`${alert.type} alert unacknowledged, escalated to level ${level} (${escalated.priority})`);
    return escalated;
  }

  private record(alert: AlertRecord, change: AlertChange, by: string, now: number): void {
    this.store.alerts.saveAlert(alert);
    this.store.alerts.appendHistory(alert.alertId, change, by, now);
    // the event carries the alert as stored (a concurrent acknowledgement included)
    this.store.enqueueEvent(alert.patientId, toEvent(this.store.alerts.alert(alert.alertId)!, change));
  }

  private firstEscalationAt(priority: AlertRecord['priority'], now: number): number | null {
    const { steps, minPriority } = this.options.escalation;
    if (steps.length === 0 || PRIORITY_RANK[priority] < PRIORITY_RANK[minPriority]) return null;
    return now + steps[0]!.afterMs;
  }
}
