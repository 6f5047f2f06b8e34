import { AlertChange, AlertKind, AlertPriority, AlertState } from '@pulseproof/contracts';
import { SqlCache } from '../sql-cache';
import { AlertHistoryEntry, AlertRecord, alertStatus } from './alert.model';

export interface AlertQuery {
  /** the condition, or one of the four statuses, or everything */
  readonly state: AlertState | 'all' | AlertHistoryEntry['status'];
  readonly patientId?: string;
  readonly limit: number;
}

interface AlertRow {
  id: string;
  patient_id: string;
  type: string;
  kind: AlertKind;
  priority: AlertPriority;
  state: AlertState;
  summary: string;
  score: number | null;
  evidence: string;
  device_ids: string;
  raised_by: string;
  updated_by: string;
  cleared_by: string | null;
  raised_at: number;
  updated_at: number;
  cleared_at: number | null;
  acknowledged_by: string | null;
  acknowledged_at: number | null;
  escalation_level: number;
  next_escalation_at: number | null;
}

interface HistoryRow {
  seq: number;
  at: number;
  change: AlertChange;
  status: AlertHistoryEntry['status'];
  priority: AlertPriority;
  escalation_level: number;
  summary: string;
  score: number | null;
  by: string;
}

const STATUS_WHERE: Record<string, string> = {
  active: "state = 'active'",
  cleared: "state = 'cleared'",
  'active-unacknowledged': "state = 'active' AND acknowledged_at IS NULL",
  'active-acknowledged': "state = 'active' AND acknowledged_at IS NOT NULL",
  'cleared-unacknowledged': "state = 'cleared' AND acknowledged_at IS NULL",
  'cleared-acknowledged': "state = 'cleared' AND acknowledged_at IS NOT NULL",
};

/** The alerts and their history, in alerts.sqlite; runs inside the caller's transaction. */
export class AlertStore {
  constructor(private readonly cache: SqlCache) {}

  private sql(text: string) {
    return this.cache.sql(text);
  }

  activeAlert(patientId: string, type: string): AlertRecord | undefined {
    const row = this.sql("SELECT * FROM alerts WHERE patient_id = ? AND type = ? AND state = 'active'").get(patientId, type) as AlertRow | undefined;
    return row && toAlert(row);
  }

  activeAlerts(patientId: string): AlertRecord[] {
    return (this.sql("SELECT * FROM alerts WHERE patient_id = ? AND state = 'active'").all(patientId) as AlertRow[]).map(toAlert);
  }

  alert(alertId: string): AlertRecord | undefined {
    const row = this.sql('SELECT * FROM alerts WHERE id = ?').get(alertId) as AlertRow | undefined;
    return row && toAlert(row);
  }

  /** Newest raised first. */
  listAlerts(query: AlertQuery): AlertRecord[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.state !== 'all') where.push(STATUS_WHERE[query.state]!);
    if (query.patientId !== undefined) {
      where.push('patient_id = ?');
      params.push(query.patientId);
    }
    const sql = `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY raised_at DESC, rowid DESC LIMIT ?`;
    return (this.sql(sql).all(...params, query.limit) as AlertRow[]).map(toAlert);
  }

  countActiveAlerts(): number {
    return (this.sql("SELECT COUNT(*) AS n FROM alerts WHERE state = 'active'").get() as { n: number }).n;
  }

  /** Active, unacknowledged alerts whose next escalation step is due at or before `at`. */
  dueEscalations(at: number): AlertRecord[] {
    const rows = this.sql(
      `SELECT * FROM alerts WHERE next_escalation_at IS NOT NULL AND next_escalation_at <= ?
         AND state = 'active' AND acknowledged_at IS NULL ORDER BY next_escalation_at, rowid`,
    ).all(at) as AlertRow[];
    return rows.map(toAlert);
  }

  nextEscalationAt(): number | undefined {
    const row = this.sql(
      "SELECT MIN(next_escalation_at) AS at FROM alerts WHERE next_escalation_at IS NOT NULL AND state = 'active' AND acknowledged_at IS NULL",
    ).get() as { at: number | null };
    return row.at ?? undefined;
  }

  /**
   * Writes the condition side of the record. Acknowledgement is written only by `acknowledge`, so
   * that a clear or an escalation computed from an older read never erases one, and an
   * acknowledgement never brings a cleared alert back. The partial unique index refuses a second
   * active alert for the same patient and type. A cleared alert is final: nothing written here
   * makes it active again (a recurrence is a new alert).
   */
  saveAlert(alert: AlertRecord): void {
    this.sql(
      `INSERT INTO alerts (id, patient_id, type, kind, priority, state, summary, score, evidence, device_ids, raised_by, updated_by,
                           cleared_by, raised_at, updated_at, cleared_at, acknowledged_by, acknowledged_at, escalation_level, next_escalation_at)
       VALUES (@alertId, @patientId, @type, @kind, @priority, @state, @summary, @score, @evidence, @deviceIds, @raisedBy, @updatedBy,
               @clearedBy, @raisedAt, @updatedAt, @clearedAt, @acknowledgedBy, @acknowledgedAt, @escalationLevel, @nextEscalationAt)
       ON CONFLICT (id) DO UPDATE SET priority = excluded.priority, state = excluded.state, summary = excluded.summary,
         score = excluded.score, evidence = excluded.evidence, device_ids = excluded.device_ids, updated_by = excluded.updated_by,
         cleared_by = excluded.cleared_by, updated_at = excluded.updated_at, cleared_at = excluded.cleared_at,
         escalation_level = excluded.escalation_level,
         next_escalation_at = CASE WHEN alerts.acknowledged_at IS NULL THEN excluded.next_escalation_at ELSE NULL END
       WHERE alerts.state = 'active'`,
    ).run({ ...alert, evidence: JSON.stringify(alert.evidence), deviceIds: JSON.stringify(alert.deviceIds) });
  }

  /**
   * Sets who acknowledged and when, once; the condition (`state`) is not in the statement, so an
   * acknowledgement racing an automatic clear can only produce cleared-acknowledged. False when it
   * was already acknowledged.
   */
  acknowledge(alertId: string, by: string, at: number): boolean {
    return (
      this.sql(
        `UPDATE alerts SET acknowledged_by = ?, acknowledged_at = ?, next_escalation_at = NULL, updated_at = MAX(updated_at, ?)
         WHERE id = ? AND acknowledged_at IS NULL`,
      ).run(by, at, at, alertId).changes === 1
    );
  }

  appendHistory(alertId: string, change: AlertChange, by: string, at: number): void {
    const alert = this.alert(alertId)!;
    this.sql(
      `INSERT INTO alert_history (alert_id, seq, at, change, status, priority, escalation_level, summary, score, by)
       VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM alert_history WHERE alert_id = ?), ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(alertId, alertId, at, change, alertStatus(alert), alert.priority, alert.escalationLevel, alert.summary, alert.score, by);
  }

  history(alertId: string): AlertHistoryEntry[] {
    const rows = this.sql('SELECT * FROM alert_history WHERE alert_id = ? ORDER BY seq').all(alertId) as HistoryRow[];
    return rows.map((r) => ({
      seq: r.seq,
      at: r.at,
      change: r.change,
      status: r.status,
      priority: r.priority,
      escalationLevel: r.escalation_level,
      summary: r.summary,
      score: r.score,
      by: r.by,
    }));
  }
}

function toAlert(row: AlertRow): AlertRecord {
  return {
    alertId: row.id,
    patientId: row.patient_id,
    type: row.type,
    kind: row.kind,
    priority: row.priority,
    state: row.state,
    summary: row.summary,
    score: row.score,
    evidence: JSON.parse(row.evidence) as string[],
    deviceIds: JSON.parse(row.device_ids) as string[],
    raisedBy: row.raised_by,
    updatedBy: row.updated_by,
    clearedBy: row.cleared_by,
    raisedAt: row.raised_at,
    updatedAt: row.updated_at,
    clearedAt: row.cleared_at,
    acknowledgedBy: row.acknowledged_by,
    acknowledgedAt: row.acknowledged_at,
    escalationLevel: row.escalation_level,
    nextEscalationAt: row.next_escalation_at,
  };
}
