import { Inject, Injectable } from '@nestjs/common';
import { ALERTS_OPTIONS, ResolvedAlertsOptions } from '../config';
import { AlertLifecycle, ChangeSource } from '../lifecycle/alert-lifecycle';
import { AlertDecision, NO_DECISION } from '../lifecycle/alert.model';
import { News2Result, scoreNews2 } from '../news2';
import { NEWS2_ALERT_TYPE, decideNews2Alert, news2Triggers } from '../news2-alert.policy';
import { PatientStateStore } from '../patient-state.store';
import { currentVitals } from '../patient-vitals';
import { News2RuleSettings } from './patient-rules';

/** What the NEWS2 alert remembers between scores: since when (device time) it has been below the trigger. */
export interface News2HoldState {
  readonly clearSince?: number;
}

/**
 * Hysteresis on the NEWS2 alert: a score below the trigger clears the alert only once every score
 * for `clearHoldMs` of the patient's device time has been below it, so a total that oscillates
 * around 5 raises one alert and clears it once. Pure.
 */
export function holdNews2Clear(
  decision: AlertDecision,
  score: News2Result,
  at: number,
  settings: News2RuleSettings,
  previous: News2HoldState | undefined,
): { decision: AlertDecision; state: News2HoldState | undefined } {
  if (news2Triggers(score)) return { decision, state: undefined };
  if (decision.kind !== 'clear') return { decision, state: previous };
  const since = Math.min(previous?.clearSince ?? at, at);
  if (at - since < settings.clearHoldMs) return { decision: NO_DECISION, state: { clearSince: since } };
  return { decision, state: undefined };
}

/** Scores the patient's current vitals and raises, updates or clears the `news2` alert. */
@Injectable()
export class News2Evaluator {
  constructor(
    private readonly store: PatientStateStore,
    private readonly lifecycle: AlertLifecycle,
    @Inject(ALERTS_OPTIONS) private readonly options: ResolvedAlertsOptions,
  ) {}

  /** The NEWS2 of the patient's current vitals (RCP 2017 Chart 1), with when it was evaluated (device time). */
  scoreOf(patientId: string): { score: News2Result; at: number | undefined } {
    const patient = this.store.patient(patientId);
    const { measurements, evaluatedAt } = currentVitals(this.store.latestVitals(patientId), this.options.vitalsMaxAgeMs);
    return { score: scoreNews2(measurements, { spo2Scale: patient?.spo2Scale ?? 1 }), at: evaluatedAt };
  }

  /** Runs inside the transaction of the reading or observation that changed the vitals. */
  evaluate(patientId: string, source: ChangeSource): void {
    const settings = this.store.rules.rulesOf(patientId).rules.news2;
    if (!settings.enabled) return;
    const { score, at } = this.scoreOf(patientId);
    if (at === undefined) return;
    const active = this.store.alerts.activeAlert(patientId, NEWS2_ALERT_TYPE);
    const previous = this.store.rules.state<News2HoldState>(patientId, NEWS2_ALERT_TYPE);
    const held = holdNews2Clear(decideNews2Alert(active, score), score, at, settings, previous);
    this.store.rules.setState(patientId, NEWS2_ALERT_TYPE, held.state, previous);
    this.lifecycle.apply(patientId, NEWS2_ALERT_TYPE, 'physiological', held.decision, source);
  }
}
