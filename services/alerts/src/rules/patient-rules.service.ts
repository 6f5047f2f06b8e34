import { Inject, Injectable } from '@nestjs/common';
import { ID_PATTERN } from '@pulseproof/contracts';
import { ALERTS_CLOCK, AlertsClock } from '../clock';
import { AlertsError } from '../errors';
import { AlertLifecycle, ChangeSource } from '../lifecycle/alert-lifecycle';
import { EscalationScheduler } from '../lifecycle/escalation.scheduler';
import { OutboxPublisher } from '../lifecycle/outbox.publisher';
import { PatientStateStore } from '../patient-state.store';
import { PatientRules, TECHNICAL_ALERT_TYPES, TechnicalAlertType } from './patient-rules';
import { parsePatientRules } from './patient-rules.parse';

/** GET/PUT /api/patients/:id/rules. */
export interface PatientRulesView {
  readonly patientId: string;
  readonly rules: PatientRules;
  /** false while the patient runs on the defaults */
  readonly custom: boolean;
  readonly updatedBy?: string;
  readonly updatedAt?: number;
}

@Injectable()
export class PatientRulesService {
  constructor(
    private readonly store: PatientStateStore,
    private readonly lifecycle: AlertLifecycle,
    private readonly publisher: OutboxPublisher,
    private readonly escalation: EscalationScheduler,
    @Inject(ALERTS_CLOCK) private readonly clock: AlertsClock,
  ) {}

  get(patientId: string): PatientRulesView {
    checkPatientId(patientId);
    return { patientId, ...this.store.rules.rulesOf(patientId) };
  }

  /**
   * Replaces the patient's rules with `body.rules` (sections left out take the defaults). Alerts of
   * rules that are removed, or switched off, clear; rule memory (hold-off runs, trend windows) of
   * a changed rule starts again.
   */
  async put(patientId: string, body: unknown): Promise<PatientRulesView> {
    checkPatientId(patientId);
    const { by, rules: input } = (typeof body === 'object' && body !== null ? body : {}) as { by?: unknown; rules?: unknown };
    if (typeof by !== 'string' || !ID_PATTERN.test(by)) throw new AlertsError('ALERTS_E_RULES', 'by must be the staff id of who changes the rules');
    const extra = Object.keys(body as object).find((k) => k !== 'by' && k !== 'rules');
    if (extra !== undefined) throw new AlertsError('ALERTS_E_RULES', `unknown field "${extra.slice(0, 64)}" (allowed: by, rules)`);
    const rules = parsePatientRules(input);
    const now = this.clock.now();
    this.store.transaction(() => {
      const before = this.store.rules.rulesOf(patientId).rules;
      this.store.rules.saveRules(patientId, rules, by, now);
      for (const rule of [...before.thresholds.map((r) => ['threshold', r] as const), ...before.rates.map((r) => ['rate', r] as const)]) {
        const [family, old] = rule;
        const current = [...rules.thresholds, ...rules.rates].find((r) => r.id === old.id);
        if (JSON.stringify(current) !== JSON.stringify(old)) this.store.rules.setState(patientId, `${family}:${old.id}`, undefined, {});
      }
      this.retire(patientId, rules, { id: `rules:${by}:${now}` });
    });
    this.escalation.arm();
    await this.publisher.publishPending();
    return this.get(patientId);
  }

  /** Clears the active alerts that the new rules no longer raise. Inside the transaction. */
  private retire(patientId: string, rules: PatientRules, source: ChangeSource): void {
    const ruleIds = new Set([...rules.thresholds, ...rules.rates].map((r) => r.id));
    const technicalOn: Record<TechnicalAlertType, boolean> = {
      'no-data': rules.technical.noData.enabled,
      'sensor-off': rules.technical.sensorOff.enabled,
      implausible: rules.technical.implausible.enabled,
      'low-battery': rules.technical.lowBattery.enabled,
    };
    for (const alert of this.store.alerts.activeAlerts(patientId)) {
      const kept =
        alert.type === 'news2'
          ? rules.news2.enabled
          : (TECHNICAL_ALERT_TYPES as readonly string[]).includes(alert.type)
            ? technicalOn[alert.type as TechnicalAlertType]
            : ruleIds.has(alert.type);
      if (kept) continue;
      this.lifecycle.apply(patientId, alert.type, alert.kind, { kind: 'clear', summary: `${alert.summary}; rule switched off`, score: alert.score }, source);
    }
  }
}

function checkPatientId(patientId: string): void {
  if (!ID_PATTERN.test(patientId)) throw new AlertsError('ALERTS_E_RULES', 'patientId is not a valid id');
}
