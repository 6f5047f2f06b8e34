import { MEASUREMENTS } from '@pulseproof/contracts';
import { AlertDecision, NO_DECISION } from '../lifecycle/alert.model';
import { ThresholdRule } from './patient-rules';

/** What a threshold rule remembers between samples (device time, ms). */
export interface ThresholdState {
  readonly lastAt: number;
  /** when the current run of samples beyond the limit began */
  readonly since?: number;
  /** when the current run of recovered samples began, while the alert is active */
  readonly clearSince?: number;
}

export interface Sample {
  readonly value: number;
  /** device time, ms */
  readonly at: number;
}

/**
 * A limit with a hold-off (the condition must hold for `holdOffMs` of device time before the alert
 * is raised, as IEC 60601-1-8 allows an alarm condition delay) and hysteresis on the way back
 * (`clearAt` differs from the limit and must hold for `clearHoldMs`), so a value hovering around
 * the limit raises once and clears once. Samples older than the last one seen are ignored.
 */
export function evaluateThreshold(
  rule: ThresholdRule,
  previous: ThresholdState | undefined,
  sample: Sample,
  active: boolean,
): { state: ThresholdState | undefined; decision: AlertDecision } {
  if (previous && sample.at <= previous.lastAt) return { state: previous, decision: NO_DECISION };
  const continuous = previous !== undefined && sample.at - previous.lastAt <= rule.maxGapMs;
  const since = continuous ? previous.since : undefined;
  const clearSince = continuous ? previous.clearSince : undefined;
  const beyond = rule.below !== undefined ? sample.value < rule.below : sample.value > rule.above!;
  const recovered = rule.below !== undefined ? sample.value >= rule.clearAt : sample.value <= rule.clearAt;

  if (!active) {
    if (!beyond) return { state: { lastAt: sample.at }, decision: NO_DECISION };
    const start = since ?? sample.at;
    const state = { lastAt: sample.at, since: start };
    if (sample.at - start < rule.holdOffMs) return { state, decision: NO_DECISION };
    return { state, decision: { kind: 'raise', priority: rule.priority, summary: thresholdSummary(rule, sample.value, sample.at - start), score: sample.value } };
  }
  if (!recovered) return { state: { lastAt: sample.at, ...(beyond ? { since: since ?? sample.at } : {}) }, decision: NO_DECISION };
  const start = clearSince ?? sample.at;
  if (sample.at - start < rule.clearHoldMs) return { state: { lastAt: sample.at, clearSince: start }, decision: NO_DECISION };
  return {
    state: { lastAt: sample.at },
    decision: { kind: 'clear', summary: `${label(rule)} back to ${format(sample.value)} ${unit(rule)}`, score: sample.value },
  };
}

function thresholdSummary(rule: ThresholdRule, value: number, heldMs: number): string {
  const limit = rule.below !== undefined ? `below ${format(rule.below)}` : `above ${format(rule.above!)}`;
  return `${label(rule)} ${format(value)} ${unit(rule)}, ${limit} for ${Math.round(heldMs / 1000)} s`;
}

const label = (rule: { code: keyof typeof MEASUREMENTS }) => MEASUREMENTS[rule.code].label;
const unit = (rule: { code: keyof typeof MEASUREMENTS }) => MEASUREMENTS[rule.code].unit;
export const format = (value: number) => String(Math.round(value * 10) / 10);
