import { Injectable } from '@nestjs/common';
import { Reading } from '@pulseproof/contracts';
import { AlertLifecycle, ChangeSource } from '../lifecycle/alert-lifecycle';
import { PatientStateStore } from '../patient-state.store';
import { PatientRules } from './patient-rules';
import { RateState, evaluateRate } from './rate.rule';
import { ThresholdState, evaluateThreshold } from './threshold.rule';

/**
 * The per patient threshold and rate-of-change rules, on each reading's own values at its device
 * time (never the server's clock, so replays and tests decide as the live run did). Each rule's
 * alert type is its id.
 */
@Injectable()
export class PhysiologicalRules {
  constructor(
    private readonly store: PatientStateStore,
    private readonly lifecycle: AlertLifecycle,
  ) {}

  /** Runs inside the reading's transaction. */
  onReading(reading: Reading, rules: PatientRules, source: ChangeSource): void {
    const values = reading.measurements as Readonly<Record<string, number | undefined>>;
    for (const rule of rules.thresholds) {
      const value = values[rule.code];
      if (!isNumber(value)) continue;
      const key = `threshold:${rule.id}`;
      const previous = this.store.rules.state<ThresholdState>(reading.patientId, key);
      const active = this.store.alerts.activeAlert(reading.patientId, rule.id) !== undefined;
      const { state, decision } = evaluateThreshold(rule, previous, { value, at: reading.deviceTime }, active);
      this.store.rules.setState(reading.patientId, key, state, previous);
      this.lifecycle.apply(reading.patientId, rule.id, 'physiological', decision, source);
    }
    for (const rule of rules.rates) {
      const value = values[rule.code];
      if (!isNumber(value)) continue;
      const key = `rate:${rule.id}`;
      const previous = this.store.rules.state<RateState>(reading.patientId, key);
      const active = this.store.alerts.activeAlert(reading.patientId, rule.id) !== undefined;
      const { state, decision } = evaluateRate(rule, previous, { value, at: reading.deviceTime }, active);
      this.store.rules.setState(reading.patientId, key, state, previous);
      this.lifecycle.apply(reading.patientId, rule.id, 'physiological', decision, source);
    }
  }
}

function isNumber(value: number | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

