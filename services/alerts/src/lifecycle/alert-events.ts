import { AlertChange, AlertEvent } from '@pulseproof/contracts';
import { AlertRecord, alertStatus } from './alert.model';

/** The bus message of one change of an alert (busTopics.alerts, keyed by patient id). */
export function toEvent(alert: AlertRecord, change: AlertChange): AlertEvent {
  return {
    alertId: alert.alertId,
    patientId: alert.patientId,
    type: alert.type,
    priority: alert.priority,
    state: alert.state,
    summary: alert.summary,
    ...(alert.score === null ? {} : { score: alert.score }),
    readingId: alert.state === 'cleared' ? alert.clearedBy! : alert.updatedBy,
    raisedAt: alert.raisedAt,
    updatedAt: alert.updatedAt,
    kind: alert.kind,
    status: alertStatus(alert),
    change,
    ...(alert.acknowledgedBy === null ? {} : { acknowledgedBy: alert.acknowledgedBy, acknowledgedAt: alert.acknowledgedAt! }),
    escalationLevel: alert.escalationLevel,
    ...(alert.deviceIds.length ? { deviceIds: alert.deviceIds } : {}),
  };
}
