import { MEASUREMENTS } from '@pulseproof/contracts';
import { AlertDecision, NO_DECISION } from '../lifecycle/alert.model';
import { RateRule } from './patient-rules';
import { Sample, format } from './threshold.rule';

/**
 * What a rate-of-change rule remembers: the samples of the window that can still be its reference,
 * a monotonic queue (for a rise: increasing values, so the first is the window's minimum), which
 * stays short however many samples the window holds.
 */
export interface RateState {
  readonly lastAt: number;
  readonly window: readonly (readonly [at: number, value: number])[];
  readonly clearSince?: number;
}

/**
 * A change of at least `change` against the lowest (for a fall: highest) value of the last
 * `withinMs` of device time raises; the alert clears once the change has been under `clearChange`
 * for `clearHoldMs` (hysteresis). A sustained new level therefore clears once the window has
 * moved past the step: a lasting high value is NEWS2's or a threshold's to report.
 */
export function evaluateRate(
  rule: RateRule,
  previous: RateState | undefined,
  sample: Sample,
  active: boolean,
): { state: RateState; decision: AlertDecision } {
  if (previous && sample.at <= previous.lastAt) return { state: previous, decision: NO_DECISION };
  const rise = rule.direction === 'rise';
  const window = (previous?.window ?? []).filter(([at]) => at >= sample.at - rule.withinMs);
  const reference = window[0];
  const change = reference === undefined ? 0 : rise ? sample.value - reference[1] : reference[1] - sample.value;
  while (window.length > 0 && (rise ? window[window.length - 1]![1] >= sample.value : window[window.length - 1]![1] <= sample.value)) window.pop();
  window.push([sample.at, sample.value]);
  const base = { lastAt: sample.at, window };

  if (!active) {
    if (change < rule.change || reference === undefined) return { state: base, decision: NO_DECISION };
    const summary =
      `${MEASUREMENTS[rule.code].label} ${rise ? 'up' : 'down'} ${format(change)} ${MEASUREMENTS[rule.code].unit} ` +
      `within ${Math.round((sample.at - reference[0]) / 1000)} s (${format(reference[1])} to ${format(sample.value)})`;
    return { state: base, decision: { kind: 'raise', priority: rule.priority, summary, score: sample.value } };
  }
  if (change >= rule.clearChange) return { state: base, decision: NO_DECISION };
  const start = previous?.clearSince ?? sample.at;
  if (sample.at - start < rule.clearHoldMs) return { state: { ...base, clearSince: start }, decision: NO_DECISION };
  return {
    state: base,
    decision: { kind: 'clear', summary: `${MEASUREMENTS[rule.code].label} steady at ${format(sample.value)} ${MEASUREMENTS[rule.code].unit}`, score: sample.value },
  };
}
